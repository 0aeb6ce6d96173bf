/**
 * The provider contract: every adapter of the registry, over real HTTP, replaying one set of recorded
 * streams — the same fixture names for each provider (`src/providers/<type>/__fixtures__/`, else those of
 * the wire API it speaks, `src/providers/<api>/__fixtures__/`). Whatever the provider, a client sees the
 * same things: text with a `stop`, tool calls with ids and arguments that parse, a `length` finish, a
 * closing usage chunk with OpenAI's invariants, a broken or cut stream as a ProviderError of kind
 * `stream` after the chunks that came — and time to first token taken at the first chunk with content.
 * Add a provider to the registry and it is held to all of it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useRecordedUpstream } from '../src/providers/__fixtures__/recorded-upstream.ts'
import { carriesContent } from '../src/providers/carries-content.ts'
import type { ProviderDescriptor } from '../src/providers/descriptor.ts'
import { type ChatChunk, ChatRequestSchema, type FinishReason } from '../src/providers/openai-schema.ts'
import { BUILTIN_PROVIDERS } from '../src/providers/registry.ts'
import { ProviderError, type Target, type UpstreamMeta } from '../src/providers/types.ts'

const FIXTURES = [
  'text',
  'tool-call',
  'parallel-tools',
  'error-mid-stream',
  'max-tokens',
  'truncated',
  'usage',
] as const
type Fixture = (typeof FIXTURES)[number]

const PROVIDERS_DIR = join(import.meta.dirname, '..', 'src', 'providers')

/** The provider's own fixtures, else its wire API's. */
function fixtureDir(d: ProviderDescriptor): string {
  const own = join(PROVIDERS_DIR, d.type, '__fixtures__')
  return existsSync(join(own, 'text.chunks.txt')) || !d.api ? own : join(PROVIDERS_DIR, d.api, '__fixtures__')
}

interface Outcome {
  chunks: ChatChunk[]
  error: ProviderError | null
  meta: UpstreamMeta
  ttftMs: number | undefined
}

interface Call {
  id: string | undefined
  name: string
  arguments: string
}

const text = (o: Outcome) => o.chunks.map((c) => c.choices.map((ch) => ch.delta.content ?? '').join('')).join('')
const finishes = (o: Outcome) =>
  o.chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter((f): f is FinishReason => f !== null)

/** Tool-call deltas put together by index, as an OpenAI client does. */
function toolCalls(o: Outcome): Map<number, Call> {
  const calls = new Map<number, Call>()
  for (const c of o.chunks) {
    for (const t of c.choices[0]?.delta.tool_calls ?? []) {
      const call = calls.get(t.index) ?? { id: undefined, name: '', arguments: '' }
      call.id ??= t.id
      call.name += t.function?.name ?? ''
      call.arguments += t.function?.arguments ?? ''
      calls.set(t.index, call)
    }
  }
  return calls
}

function expectCallsComplete(calls: Map<number, Call>): void {
  for (const call of calls.values()) {
    expect(call.id).toMatch(/\S/)
    expect(call.name).toMatch(/\S/)
    expect(typeof JSON.parse(call.arguments)).toBe('object')
  }
}

/** The closing usage chunk: last, `choices: []`, OpenAI's invariants, and the same count as the meta. */
function expectClosingUsage(o: Outcome): void {
  const last = o.chunks.at(-1)!
  expect(last.choices).toEqual([])
  const u = last.usage!
  expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens)
  expect(o.meta.usageFinal).toBe(true)
  expect(o.meta.usage).toMatchObject({ promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens })
}

function expectBroken(o: Outcome): void {
  expect(o.error).toBeInstanceOf(ProviderError)
  expect(o.error).toMatchObject({ kind: 'stream', retryable: true })
  expect(text(o)).toMatch(/\S/)
  expect(o.meta.usageFinal).toBe(false)
}

/** What each fixture must come to, whoever the provider. */
const CONTRACT: Record<Fixture, (o: Outcome) => void> = {
  text: (o) => {
    expect(o.error).toBeNull()
    expect(text(o)).toMatch(/\S/)
    expect(finishes(o)).toEqual(['stop'])
    expect(toolCalls(o).size).toBe(0)
    expectClosingUsage(o)
  },
  'tool-call': (o) => {
    expect(o.error).toBeNull()
    const calls = toolCalls(o)
    expect(calls.size).toBe(1)
    expectCallsComplete(calls)
    expect(finishes(o)).toEqual(['tool_calls'])
    expectClosingUsage(o)
  },
  'parallel-tools': (o) => {
    expect(o.error).toBeNull()
    const calls = toolCalls(o)
    expect(calls.size).toBeGreaterThanOrEqual(2)
    expect(new Set([...calls.values()].map((c) => c.id)).size).toBe(calls.size)
    expectCallsComplete(calls)
    expect(finishes(o)).toEqual(['tool_calls'])
    expectClosingUsage(o)
  },
  'error-mid-stream': (o) => {
    expectBroken(o)
  },
  'max-tokens': (o) => {
    expect(o.error).toBeNull()
    expect(text(o)).toMatch(/\S/)
    expect(finishes(o)).toEqual(['length'])
    expectClosingUsage(o)
  },
  truncated: (o) => {
    expectBroken(o)
    expect(finishes(o)).toEqual([])
  },
  usage: (o) => {
    expect(o.error).toBeNull()
    expectClosingUsage(o)
    const u = o.meta.usage!
    expect(u.cachedTokens).toBeGreaterThan(0)
    expect(u.promptTokens).toBeGreaterThan(u.cachedTokens) // OpenAI's definition: the prompt includes the cached part
    expect(o.chunks.at(-1)!.usage!.prompt_tokens_details?.cached_tokens).toBe(u.cachedTokens)
  },
}

const { upstream, base } = useRecordedUpstream()

function target(d: ProviderDescriptor): Target {
  const model = 'contract-model'
  return {
    id: `${d.type}/${model}`,
    provider: d.type,
    type: d.type,
    model,
    keyAlias: `${d.type}#1`,
    stateId: `${d.type}#1/${model}`,
    apiKey: 'contract-key',
    // Each adapter adds its API's path; the recorded upstream answers any.
    baseUrl: base(),
    timeoutMs: 5_000,
  }
}

async function replay(d: ProviderDescriptor, bytes: Buffer): Promise<Outcome> {
  upstream.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    // Two writes, split inside an event: an adapter must not care where the bytes break.
    const cut = Math.floor(bytes.length / 2)
    res.write(bytes.subarray(0, cut))
    res.end(bytes.subarray(cut))
  }
  const adapter = d.createAdapter()
  const messages = [{ role: 'user', content: 'hi' }]
  const req = ChatRequestSchema.parse({ model: 'contract-model', messages, stream: true })
  const up = await adapter.stream(req, target(d), new AbortController().signal)
  const chunks: ChatChunk[] = []
  let error: ProviderError | null = null
  try {
    for await (const c of up.body) chunks.push(c)
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err
    error = err
  }
  await adapter.close?.()
  return { chunks, error, meta: up.meta, ttftMs: up.latency.ttftMs }
}

describe.each(BUILTIN_PROVIDERS.descriptors.map((d) => [d.type, d] as const))('provider contract: %s', (_type, d) => {
  const dir = fixtureDir(d)

  it.each(FIXTURES)('%s', async (name) => {
    const file = join(dir, `${name}.chunks.txt`)
    expect(existsSync(file), `${file} is missing: every provider has the contract's fixtures`).toBe(true)
    const o = await replay(d, readFileSync(file))
    expect(new Set(o.chunks.map((c) => c.id)).size).toBe(1)
    // Time to first token is the first chunk with content, for every provider alike.
    expect(o.ttftMs !== undefined).toBe(o.chunks.some(carriesContent))
    CONTRACT[name](o)
  })
})
