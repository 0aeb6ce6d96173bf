/**
 * Stop sequences past a target's limit, end to end with the Anthropic SDK (Anthropic Messages takes many
 * `stop_sequences`) against the real server and simulator: OpenAI chat takes at most 4 `stop`
 * (https://platform.openai.com/docs/api-reference/chat/create#chat-create-stop), Gemini at most 5
 * `stopSequences` (https://ai.google.dev/api/generate-content#generationconfig). Such a target is passed
 * over before anything is sent; a route with no target left answers 400 in Anthropic's shape, naming them.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack, testConfig } from './harness.ts'

const CLIENT_KEY = 'client-secret-stops-123'
let stack: Stack
let anthropic: Anthropic

beforeAll(async () => {
  stack = await startStack({
    config: (u) =>
      testConfig(
        u,
        `keys:\n  - { name: team, key: ${CLIENT_KEY} }
routes:
  openai-first: { strategy: ordered, targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5] }
  gemini-first: { strategy: ordered, targets: [google/gemini-2.5-flash, anthropic/claude-haiku-4-5] }
  no-anthropic: { strategy: ordered, targets: [openai/gpt-4.1-mini, google/gemini-2.5-flash] }
`,
      ),
  })
  anthropic = new Anthropic({ baseURL: stack.hr.url, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 15_000 })
})
afterAll(() => stack.close())

const stops = (n: number) => Array.from({ length: n }, (_, i) => `STOP${i}`)
const req = (model: string, n: number) => ({
  model,
  max_tokens: 64,
  stop_sequences: stops(n),
  messages: [{ role: 'user' as const, content: 'hello' }],
})

async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(Anthropic.APIError)
  return err as InstanceType<typeof Anthropic.APIError>
}

describe('messages with more stop_sequences than a target takes', () => {
  it.each([
    ['openai/gpt-4.1-mini', 5, 4],
    ['google/gemini-2.5-flash', 6, 5],
  ])('%s alone, %i sequences: 400 naming stop_sequences and the limit; nothing sent', async (model, n, max) => {
    const before = stack.sim.log.length
    const err = await refusal(anthropic.messages.create(req(model, n)))
    expect(err.status).toBe(400)
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect(err.message).toContain(`stop_sequences: ${n} stop sequences`)
    expect(err.message).toContain(`at most ${max}`)
    expect(stack.sim.log.length).toBe(before)
  })

  it.each([
    ['openai/gpt-4.1-mini', 4],
    ['google/gemini-2.5-flash', 5],
  ])('%s takes %i', async (model, n) => {
    const { response } = await anthropic.messages.create(req(model, n)).withResponse()
    expect(response.headers.get('x-headroom-target')).toBe(model)
  })

  it.each([
    ['openai-first', false],
    ['gemini-first', false],
    ['gemini-first', true],
  ])('route %s (stream %s): the next target serves', async (route, stream) => {
    const { response } = stream
      ? await anthropic.messages.stream(req(route, 6)).withResponse()
      : await anthropic.messages.create(req(route, 6)).withResponse()
    expect(response.headers.get('x-headroom-target')).toBe('anthropic/claude-haiku-4-5')
  })

  it('a route none of whose targets takes them: 400 naming stop_sequences', async () => {
    const err = await refusal(anthropic.messages.create(req('no-anthropic', 6)))
    expect(err.status).toBe(400)
    expect(err.message).toContain('stop_sequences: 6 stop sequences')
  })
})
