/**
 * `POST /v1/messages` with a `tool_result` that holds an image or a document — what Claude Code sends when
 * its Read tool opens a picture or a PDF — served by OpenAI and Gemini targets, end to end with the real
 * `@anthropic-ai/sdk` against the real server and simulator: what each upstream was sent, the answer, its
 * usage and spend row. https://docs.anthropic.com/en/api/messages (tool_result `content`)
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PDF_BASE64, PDF_DOCUMENT, PIXEL_PNG, type Stack, startStack, testConfig } from './harness.ts'

const CLIENT_KEY = 'client-secret-media-123'
let stack: Stack
let client: Anthropic

beforeAll(async () => {
  stack = await startStack({ config: (u) => testConfig(u, `keys:\n  - { name: team, key: ${CLIENT_KEY} }\n`) })
  client = new Anthropic({ baseURL: stack.hr.url, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 15_000 })
})
afterAll(() => stack.close())

const READ = {
  name: 'Read',
  description: 'Read a file',
  input_schema: { type: 'object' as const, properties: { file_path: { type: 'string' } }, required: ['file_path'] },
}
const PNG_BASE64 = PIXEL_PNG.slice('data:image/png;base64,'.length)

/** Two Read calls answered at once: a picture (with a line of text) and a PDF; then the user's question. */
function conversation(image: Anthropic.ImageBlockParam): Anthropic.MessageParam[] {
  return [
    { role: 'user', content: 'What do shot.png and spec.pdf show?' },
    {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_img', name: 'Read', input: { file_path: 'shot.png' } },
        { type: 'tool_use', id: 'toolu_pdf', name: 'Read', input: { file_path: 'spec.pdf' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_img', content: [{ type: 'text', text: 'shot.png:' }, image] },
        {
          type: 'tool_result',
          tool_use_id: 'toolu_pdf',
          content: [PDF_DOCUMENT],
        },
        { type: 'text', text: 'reply: seen' },
      ],
    },
  ]
}
const BASE64_IMAGE: Anthropic.ImageBlockParam = {
  type: 'image',
  source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 },
}
const URL_IMAGE: Anthropic.ImageBlockParam = {
  type: 'image',
  source: { type: 'url', url: 'https://example.com/shot.png' },
}

function lastBody(api: 'openai' | 'gemini'): Record<string, unknown> {
  const l = [...stack.sim.log].reverse().find((x) => x.api === api && x.status === 200)
  return l?.body as Record<string, unknown>
}

function spend(requestId: string) {
  stack.hr.spend.flush()
  return stack.hr.db.sqlite
    .prepare('SELECT outcome, prompt_tokens, completion_tokens, cost_microcents FROM spend WHERE request_id = ?')
    .all(requestId) as Array<{
    outcome: string
    prompt_tokens: number
    completion_tokens: number
    cost_microcents: number
  }>
}

describe.each([
  ['a base64 image', BASE64_IMAGE, PIXEL_PNG],
  ['an image by URL', URL_IMAGE, 'https://example.com/shot.png'],
])('a tool_result holding %s and a PDF', (_, image, imageUrl) => {
  it.each([false, true])(
    'OpenAI (stream %s): text in the tool messages, the media in one user message after them',
    async (stream) => {
      // tool_choice none: the simulator would otherwise call a tool again, the turn ending with a user message.
      const tool_choice = { type: 'none' as const }
      const req = {
        model: 'openai/gpt-4.1-mini',
        max_tokens: 32,
        tools: [READ],
        tool_choice,
        messages: conversation(image),
      }
      const { data, response } = stream
        ? await client.messages.stream(req).withResponse()
        : await client.messages.create(req).withResponse()
      const message = stream ? await (data as ReturnType<Anthropic['messages']['stream']>).finalMessage() : data
      // The simulator's OpenAI counts the media of the last user message: both reached the model.
      expect((message as Anthropic.Message).content).toEqual([{ type: 'text', text: 'I see 2 images. seen' }])
      expect((message as Anthropic.Message).usage.input_tokens).toBeGreaterThan(0)
      expect(response.headers.get('x-headroom-target')).toBe('openai/gpt-4.1-mini')

      const sent = lastBody('openai')['messages'] as Array<Record<string, unknown>>
      // The tool messages stay right after the assistant's calls (OpenAI's rule), in the calls' order; a
      // `tool` message takes text only, so each names what follows.
      // https://platform.openai.com/docs/api-reference/chat/create (tool message: text content parts only)
      expect(sent.slice(1)).toEqual([
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_img', type: 'function', function: { name: 'Read', arguments: '{"file_path":"shot.png"}' } },
            { id: 'toolu_pdf', type: 'function', function: { name: 'Read', arguments: '{"file_path":"spec.pdf"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_img', content: 'shot.png:\n[image attached below]' },
        { role: 'tool', tool_call_id: 'toolu_pdf', content: '[document "spec.pdf" attached below]' },
        {
          role: 'user',
          content: [
            { type: 'text', text: '[attached from the tool result toolu_img]' },
            { type: 'image_url', image_url: { url: imageUrl } },
            { type: 'text', text: '[attached from the tool result toolu_pdf]' },
            { type: 'file', file: { filename: 'spec.pdf', file_data: `data:application/pdf;base64,${PDF_BASE64}` } },
            { type: 'text', text: 'reply: seen' },
          ],
        },
      ])
      const rows = spend(response.headers.get('x-request-id')!)
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ outcome: 'ok' })
      expect(rows[0]!.prompt_tokens).toBeGreaterThan(0)
      expect(rows[0]!.cost_microcents).toBeGreaterThan(0)
    },
  )

  it('Gemini: each functionResponse carries the text, the media follow as parts of the same user turn', async () => {
    const req = { model: 'google/gemini-2.5-flash', max_tokens: 32, tools: [READ], messages: conversation(image) }
    const { data, response } = await client.messages.create(req).withResponse()
    // The simulator's Gemini answers a turn of function responses by echoing the first.
    expect(data.content).toEqual([
      { type: 'text', text: 'Tool Read returned: {"content":"shot.png:\\n[image attached below]"}' },
    ])
    expect(response.headers.get('x-headroom-target')).toBe('google/gemini-2.5-flash')
    const contents = lastBody('gemini')['contents'] as Array<{ role: string; parts: unknown[] }>
    const media =
      image === BASE64_IMAGE
        ? { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }
        : { fileData: { mimeType: 'image/png', fileUri: imageUrl } }
    // One user turn: Gemini pairs functionResponse parts with the model turn's functionCall parts by order.
    // https://ai.google.dev/gemini-api/docs/function-calling
    expect(contents.at(-1)).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'Read', response: { content: 'shot.png:\n[image attached below]' } } },
        { functionResponse: { name: 'Read', response: { content: '[document "spec.pdf" attached below]' } } },
        { text: '[attached from the tool result toolu_img]' },
        media,
        { text: '[attached from the tool result toolu_pdf]' },
        { inlineData: { mimeType: 'application/pdf', data: PDF_BASE64 } },
        { text: 'reply: seen' },
      ],
    })
    const rows = spend(response.headers.get('x-request-id')!)
    expect(rows.map((r) => r.outcome)).toEqual(['ok'])
    expect(rows[0]!.cost_microcents).toBeGreaterThan(0)
  })
})

describe('results of one turn split over consecutive user messages (Anthropic merges them)', () => {
  const messages: Anthropic.MessageParam[] = [
    { role: 'user', content: 'Read both' },
    {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_a', name: 'Read', input: { file_path: 'a.png' } },
        { type: 'tool_use', id: 'toolu_b', name: 'Read', input: { file_path: 'b.txt' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a', content: [BASE64_IMAGE] }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_b', content: 'b' }] },
    { role: 'user', content: 'reply: both' },
  ]

  it.each(['openai/gpt-4.1-mini', 'google/gemini-2.5-flash'])(
    '%s: the tool messages stay together, the media after them',
    async (model) => {
      const req = { model, max_tokens: 32, tools: [READ], tool_choice: { type: 'none' as const }, messages }
      const { response } = await client.messages.create(req).withResponse()
      expect(response.headers.get('x-headroom-target')).toBe(model)
      if (model.startsWith('openai/')) {
        const sent = lastBody('openai')['messages'] as Array<{ role: string; content: unknown }>
        // OpenAI: every result right after the calls (else its 400 "…did not have response messages").
        expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'user', 'user'])
        expect(sent.slice(-2).map((m) => m.content)).toEqual([
          [
            { type: 'text', text: '[attached from the tool result toolu_a]' },
            { type: 'image_url', image_url: { url: PIXEL_PNG } },
          ],
          'reply: both',
        ])
      }
    },
  )
})
