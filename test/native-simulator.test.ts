/**
 * The adapters' passthrough calls against the simulator, which speaks the providers' real wires: what the
 * adapter hands back is what the provider sends (the same request sent raw answers the same, but for its
 * ids and clock), the usage matches the answer's own, and Anthropic's token count works. (Byte for byte
 * exactness is asserted on recorded streams in src/providers/{anthropic,openai}/native.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createAnthropicAdapter } from '../src/providers/anthropic/index.ts'
import { createOpenAIAdapter } from '../src/providers/openai/index.ts'
import type { NativeAnswer, NativeRequest, Target } from '../src/providers/types.ts'
import { type Simulator, startSimulator } from '../src/simulator/index.ts'

let sim: Simulator
beforeAll(async () => {
  sim = await startSimulator({ seed: 7 })
})
afterAll(() => sim?.close())
beforeEach(() => sim.reset())

const signal = () => new AbortController().signal

function target(type: 'openai' | 'anthropic', model: string): Target {
  return {
    id: `${type}/${model}`,
    provider: type,
    type,
    model,
    keyAlias: `${type}#1`,
    stateId: `${type}#1/${model}`,
    apiKey: 'sk-test-key-123456',
    baseUrl: type === 'openai' ? `${sim.url}/v1` : sim.url,
    timeoutMs: 5000,
  }
}

/** The same body sent straight to the simulator: what it answers, as text. */
async function raw(path: string, body: unknown, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return res.text()
}

/** Ids and clocks blanked: what differs between two answers to the same request. */
const plain = (s: string) =>
  s.replaceAll(/"(msg|resp|rs|fc|call|toolu)_[A-Za-z0-9]+"/g, '"$1_"').replaceAll(/"created_at":\d+/g, '"created_at":0')

async function bytesOf(a: NativeAnswer): Promise<string> {
  if (a.kind === 'json') return a.body
  let s = ''
  for await (const f of a.frames) s += f.data
  return s
}

const ANTHROPIC_HEADERS = { 'x-api-key': 'sk-test-key-123456', 'anthropic-version': '2023-06-01' }
const OPENAI_HEADERS = { authorization: 'Bearer sk-test-key-123456' }

describe('anthropic-messages against the simulator', () => {
  const body = {
    model: 'claude-haiku-4-5',
    max_tokens: 64,
    system: [{ type: 'text', text: 'Be terse. '.repeat(2500), cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: 'Say hello.' }],
    top_k: 3,
    metadata: { user_id: 'u-1' },
  }

  it.each([false, true])(
    'stream %s: the provider’s answer as it sends it; usage with cache writes, then cache reads',
    async (stream) => {
      const adapter = createAnthropicAdapter()
      const sent = { ...body, stream }
      const expected = await raw('/v1/messages', sent, ANTHROPIC_HEADERS)
      sim.reset() // the cache the raw call wrote
      const req: NativeRequest = { api: 'anthropic-messages', body: sent, stream, headers: {} }
      const first = await adapter.native!(req, target('anthropic', 'claude-haiku-4-5'), signal())
      expect(plain(await bytesOf(first.body))).toBe(plain(expected))
      expect(first.meta.usageFinal).toBe(true)
      expect(first.meta.usage!.cacheWriteTokens).toBeGreaterThan(0)
      expect(first.body.text().length).toBeGreaterThan(0)
      // The second call reads the cache the first wrote.
      const second = await adapter.native!(req, target('anthropic', 'claude-haiku-4-5'), signal())
      await bytesOf(second.body)
      expect(second.meta.usage!.cachedTokens).toBe(first.meta.usage!.cacheWriteTokens)
      expect(second.meta.usage!.promptTokens).toBe(first.meta.usage!.promptTokens)
    },
  )

  it('counts tokens with the target’s model, as the simulator counts them', async () => {
    const adapter = createAnthropicAdapter()
    const { max_tokens: _m, top_k: _k, metadata: _d, ...countable } = body
    const expected = JSON.parse(await raw('/v1/messages/count_tokens', countable, ANTHROPIC_HEADERS)) as {
      input_tokens: number
    }
    const counted = await adapter.countTokens!(
      'anthropic-messages',
      { ...countable, model: 'sonnet' },
      { 'anthropic-version': '2023-06-01' },
      target('anthropic', 'claude-haiku-4-5'),
      signal(),
    )
    // Sent with the model `sonnet`, the simulator would have answered 404: the target's model went.
    expect(counted.inputTokens).toBe(expected.input_tokens)
  })

  it('a count for a model the provider lacks: its 404 as ProviderError', async () => {
    const err = await createAnthropicAdapter().countTokens!(
      'anthropic-messages',
      body,
      {},
      target('anthropic', 'claude-none-9'),
      signal(),
    ).then(
      () => null,
      (e: unknown) => e as { status: number; kind: string },
    )
    expect([err?.status, err?.kind]).toEqual([404, 'unsupported'])
  })
})

describe('openai-responses against the simulator', () => {
  const body = { model: 'gpt-4.1-mini', input: 'Say hello.', max_output_tokens: 32, store: false }

  it.each([false, true])('stream %s: the provider’s answer as it sends it, usage as it says', async (stream) => {
    const adapter = createOpenAIAdapter()
    const sent = { ...body, stream }
    const expected = await raw('/v1/responses', sent, OPENAI_HEADERS)
    const req: NativeRequest = { api: 'openai-responses', body: sent, stream, headers: {} }
    const up = await adapter.native!(req, target('openai', 'gpt-4.1-mini'), signal())
    expect(plain(await bytesOf(up.body))).toBe(plain(expected))
    expect(up.meta).toMatchObject({ usageFinal: true, model: 'gpt-4.1-mini-2025-04-14' })
    expect(up.meta.usage!.completionTokens).toBeGreaterThan(0)
    expect(up.body.text().length).toBeGreaterThan(0)
  })
})

describe('the simulator’s faults through native()', () => {
  const cases = [
    {
      name: 'anthropic-messages',
      api: 'anthropic' as const,
      model: 'claude-haiku-4-5',
      body: { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] },
    },
    {
      name: 'openai-responses',
      api: 'openai' as const,
      model: 'gpt-4.1-mini',
      body: { model: 'gpt-4.1-mini', input: 'Hi', max_output_tokens: 32 },
    },
  ]
  const adapters = { anthropic: createAnthropicAdapter(), openai: createOpenAIAdapter() }

  describe.each(cases)('$name', ({ name, api, model, body }) => {
    const req: NativeRequest = {
      api: name as NativeRequest['api'],
      body: { ...body, stream: true },
      stream: true,
      headers: {},
    }
    const call = () => adapters[api].native!(req, target(api, model), signal())

    it.each([
      ['error_event', 'stream'],
      ['cut', 'stream'],
      ['malformed', 'stream'],
    ] as const)('%s mid-stream → ProviderError kind %s, from the iterator', async (kind, expected) => {
      sim.script(api, model, [{ kind, afterChunks: 3 }])
      const up = await call()
      const err = await bytesOf(up.body).then(
        () => null,
        (e: unknown) => e as { kind: string },
      )
      expect(err?.kind).toBe(expected)
      expect(up.meta.usageFinal).toBe(false)
    })

    it.each([
      ['rate_limit', 429, 'rate_limit'],
      ['overloaded', 503, 'overloaded'],
      ['server_error', 500, 'server'],
    ] as const)('%s → the call rejects: status %i, kind %s', async (kind, status, expected) => {
      sim.script(api, model, [{ kind, retryAfterMs: 2000 }])
      const err = await call().then(
        () => null,
        (e: unknown) => e as { kind: string; status: number; retryAfterMs: number | null },
      )
      expect([err?.status, err?.kind]).toEqual([status, expected])
      if (kind === 'rate_limit') expect(err?.retryAfterMs).toBe(2000)
    })
  })
})

describe('openai-chat against the simulator', () => {
  it('a stream whose client asked no usage: the usage chunk is not passed on, yet the call has its usage', async () => {
    const body = { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Say hello.' }], stream: true }
    const req: NativeRequest = { api: 'openai-chat', body, stream: true, headers: {} }
    const up = await createOpenAIAdapter().native!(req, target('openai', 'gpt-4.1-mini'), signal())
    const bytes = await bytesOf(up.body)
    expect(bytes).not.toContain('"choices":[]')
    expect(bytes.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(up.meta.usageFinal).toBe(true)
    expect(up.meta.usage!.completionTokens).toBeGreaterThan(0)
    expect(up.body.text().length).toBeGreaterThan(0)
  })
})
