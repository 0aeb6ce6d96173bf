/**
 * `POST /v1/responses` with a `function_call_output` whose `output` holds `input_image` / `input_file` parts
 * (the Responses API takes content parts there:
 * https://platform.openai.com/docs/api-reference/responses/create#responses-create-input), served by
 * Anthropic and Gemini targets, end to end with the real `openai` SDK: what each upstream was sent.
 */
import type OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openaiClient, PDF_BASE64, PDF_DOCUMENT, PIXEL_PNG, type Stack, startStack, testConfig } from './harness.ts'

const CLIENT_KEY = 'client-secret-rmedia-123'
let stack: Stack
let client: OpenAI

beforeAll(async () => {
  stack = await startStack({ config: (u) => testConfig(u, `keys:\n  - { name: team, key: ${CLIENT_KEY} }\n`) })
  client = openaiClient(stack.hr, CLIENT_KEY)
})
afterAll(() => stack.close())

const PNG_BASE64 = PIXEL_PNG.slice('data:image/png;base64,'.length)
const READ: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'Read',
  strict: false,
  parameters: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] },
}

/** Two Read calls answered: a picture (with a line of text) and a PDF; then the user's question. */
const INPUT: OpenAI.Responses.ResponseInput = [
  { role: 'user', content: 'What do shot.png and spec.pdf show?' },
  { type: 'function_call', call_id: 'call_img', name: 'Read', arguments: '{"file_path":"shot.png"}' },
  { type: 'function_call', call_id: 'call_pdf', name: 'Read', arguments: '{"file_path":"spec.pdf"}' },
  {
    type: 'function_call_output',
    call_id: 'call_img',
    output: [
      { type: 'input_text', text: 'shot.png:' },
      { type: 'input_image', image_url: PIXEL_PNG, detail: 'auto' },
    ],
  },
  {
    type: 'function_call_output',
    call_id: 'call_pdf',
    output: [{ type: 'input_file', filename: 'spec.pdf', file_data: `data:application/pdf;base64,${PDF_BASE64}` }],
  },
  { role: 'user', content: 'reply: seen' },
]

function lastBody(api: 'anthropic' | 'gemini'): Record<string, unknown> {
  const l = [...stack.sim.log].reverse().find((x) => x.api === api && x.status === 200)
  return l?.body as Record<string, unknown>
}

describe('a function_call_output holding an image and a PDF', () => {
  it('Anthropic: the media go inside the tool_result blocks', async () => {
    const { data, response } = await client.responses
      .create({ model: 'anthropic/claude-haiku-4-5', tools: [READ], tool_choice: 'none', input: INPUT })
      .withResponse()
    expect(response.status).toBe(200)
    expect(data.status).toBe('completed')
    expect(response.headers.get('x-headroom-target')).toBe('anthropic/claude-haiku-4-5')
    const messages = lastBody('anthropic')['messages'] as Array<{ role: string; content: unknown }>
    // https://docs.anthropic.com/en/api/messages (tool_result `content`: text, image and document blocks)
    expect(messages.at(-1)).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'call_img',
          content: [
            { type: 'text', text: 'shot.png:' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
          ],
        },
        {
          type: 'tool_result',
          tool_use_id: 'call_pdf',
          content: [PDF_DOCUMENT],
        },
        { type: 'text', text: 'reply: seen' },
      ],
    })
  })

  it('Gemini: each functionResponse carries the text, the media follow in the same user turn', async () => {
    const { data, response } = await client.responses
      .create({ model: 'google/gemini-2.5-flash', tools: [READ], input: INPUT })
      .withResponse()
    expect(response.status).toBe(200)
    expect(data.status).toBe('completed')
    const contents = lastBody('gemini')['contents'] as Array<{ role: string; parts: unknown[] }>
    expect(contents.at(-1)).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'Read', response: { content: 'shot.png:\n[image attached below]' } } },
        { functionResponse: { name: 'Read', response: { content: '[file "spec.pdf" attached below]' } } },
        { text: '[attached from the tool result call_img]' },
        { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } },
        { text: '[attached from the tool result call_pdf]' },
        { inlineData: { mimeType: 'application/pdf', data: PDF_BASE64 } },
        { text: 'reply: seen' },
      ],
    })
  })
})
