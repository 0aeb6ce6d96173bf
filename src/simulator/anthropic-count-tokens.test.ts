import type Anthropic from '@anthropic-ai/sdk'
import { APIError } from '@anthropic-ai/sdk'
import { describe, expect, it, vi } from 'vitest'
import type { Simulator } from './index.ts'
import { anthropicClient, PNG_1X1, rawPost, useFileSimulator } from './test-utils.ts'

let sim: Simulator
let client: Anthropic

useFileSimulator(3, (s) => {
  // SDK 1.14 warns on every call that these model ids are deprecated; keep the output readable.
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  sim = s
  client = anthropicClient(s)
})

const HEADERS = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }
const weather: Anthropic.Tool = {
  name: 'get_weather',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}
const image: Anthropic.ImageBlockParam = {
  type: 'image',
  source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 },
}
const call: Anthropic.ToolUseBlockParam = {
  type: 'tool_use',
  id: 'toolu_01A',
  name: 'get_weather',
  input: { city: 'Oslo' },
}

/** A conversation with everything that counts: system, tools, an image, a tool call and its result. */
const prompt = {
  model: 'claude-sonnet-4-5',
  system: 'You are terse.',
  tools: [weather],
  messages: [
    { role: 'user', content: [image, { type: 'text', text: 'Weather where this was taken?' }] },
    { role: 'assistant', content: [call] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: 'rain, 7°C' }] },
  ],
} satisfies Anthropic.MessageCountTokensParams

async function apiError(p: Promise<unknown>): Promise<APIError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(APIError)
  return err as APIError
}

describe('Anthropic count_tokens via @anthropic-ai/sdk', () => {
  it('counts what /v1/messages reports as input_tokens for the same request', async () => {
    const counted = await client.messages.countTokens(prompt)
    const answered = await client.messages.create({ ...prompt, max_tokens: 100 })
    expect(counted.input_tokens).toBe(answered.usage.input_tokens)
    expect(counted.input_tokens).toBeGreaterThan(85)

    const plain = { model: 'claude-haiku-4-5', messages: [{ role: 'user' as const, content: 'hello there' }] }
    const small = await client.messages.countTokens(plain)
    expect(small.input_tokens).toBe((await client.messages.create({ ...plain, max_tokens: 10 })).usage.input_tokens)
    // Each request +3, the message +4, 11 characters of text 3.
    expect(small.input_tokens).toBe(10)
  })

  it('counts thinking requests too, and is neither rate-limited nor logged as a generation', async () => {
    sim.configure('anthropic', 'claude-sonnet-4-5', { rpm: 1 })
    const thinking = { type: 'enabled' as const, budget_tokens: 2048 }
    // The first turn alone: with thinking on, a tool loop's assistant turn must start with its thinking block.
    const opening = { ...prompt, messages: prompt.messages.slice(0, 1), thinking }
    const a = await client.messages.countTokens(opening)
    const b = await client.messages.countTokens(opening)
    expect(a.input_tokens).toBe(b.input_tokens)
    expect(sim.stats({ api: 'anthropic' })).toBe(0)
    sim.configure('anthropic', 'claude-sonnet-4-5', { rpm: undefined })
  })
})

describe('Anthropic count_tokens errors', () => {
  it('validates the body as /v1/messages does, but refuses max_tokens and the other generation fields', async () => {
    const url = `${sim.url}/v1/messages/count_tokens`
    const INVALID = 'invalid_request_error'
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ ...prompt, max_tokens: 100 }, 400, 'invalid_request_error', 'max_tokens: Extra inputs are not permitted'],
      [{ ...prompt, temperature: 0.5 }, 400, 'invalid_request_error', 'temperature: Extra inputs are not permitted'],
      [{ ...prompt, stream: true }, 400, 'invalid_request_error', 'stream: Extra inputs are not permitted'],
      [{ messages: prompt.messages }, 400, 'invalid_request_error', 'model: Field required'],
      [{ model: 'claude-sonnet-4-5' }, 400, 'invalid_request_error', 'messages: Field required'],
      [{ ...prompt, model: 'claude-nine' }, 404, 'not_found_error', 'model: claude-nine'],
      [{ ...prompt, messages: [{ role: 'user', content: [{ type: 'txt' }] }] }, 400, INVALID, "tag 'txt'"],
      [{ ...prompt, messages: [prompt.messages[2]] }, 400, 'invalid_request_error', 'tool_use'],
    ]
    for (const [body, status, type, message] of cases) {
      const r = await rawPost(url, body, HEADERS)
      const json = JSON.parse(r.text) as { type: string; error: { type: string; message: string } }
      const what = JSON.stringify(body).slice(0, 100)
      expect([r.status, json.type, json.error.type], what).toEqual([status, 'error', type])
      expect(json.error.message).toContain(message)
    }
    const noVersion = await rawPost(url, prompt, { 'x-api-key': 'k' })
    expect(noVersion.status).toBe(400)
    expect(noVersion.text).toContain('anthropic-version: header is required')
    expect((await rawPost(url, prompt, { 'anthropic-version': '2023-06-01' })).status).toBe(401)
  })

  it('the SDK sees the 404 for an unknown model as NotFoundError', async () => {
    const e = await apiError(client.messages.countTokens({ ...prompt, model: 'claude-nine' }))
    expect(e.status).toBe(404)
  })
})
