/**
 * What a request reserves against a target's rate limits when the client sets no max: a finite estimate
 * (the provider's `default_max_tokens`, capped by the model's max output), never the model's whole max
 * output, and never +∞ for a model declared under `models:` without `max_output`. And a request larger than
 * a limit's whole capacity is reported as such at once, never queued.
 */
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { rawPost, SIM_KEY, useServers, useSimulator } from './harness.ts'

// Models the simulator knows only through configure(): what a self-hosted model or a new one looks like.
const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()
afterEach(() => {
  const none = { rpm: undefined, tpm: undefined, itpm: undefined, otpm: undefined }
  sim.configure('openai', 'my-llama', none)
  sim.configure('anthropic', 'claude-house', none)
})

/** `local` is a self-hosted, OpenAI-compatible server; `localLimits` its declared limits. */
async function start(extra: string, localLimits = '{}'): Promise<Running> {
  const configText = `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY} }
  local: { type: openai-compatible, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, limits: ${localLimits} }
${extra}`
  return track(
    await startHeadroom({ dbPath: ':memory:', configText, port: 0, env: {}, log: silentLogger, simulatorUrl: sim.url }),
  )
}

function client(hr: Running): OpenAI {
  return new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 15_000 })
}

interface SpendRow {
  provider: string
  model_requested: string
  outcome: string
  queued_ms: number
}

function rows(hr: Running): SpendRow[] {
  hr.spend.flush()
  return hr.db.sqlite
    .prepare('SELECT provider, model_requested, outcome, queued_ms FROM spend ORDER BY id')
    .all() as SpendRow[]
}

/** The provider windows Headroom learnt for a target (empty: it saw no rate-limit headers). */
function learnt(hr: Running, stateId: string): Record<string, { limit: number | null }> {
  const s = hr.states.snapshot(Date.now()).find((x) => x.id === stateId)
  return (s?.limits.provider ?? {}) as Record<string, { limit: number | null }>
}

// The simulator's answer is short (16 tokens); the limits are generous for 100 such requests, and tight
// only for a reservation of a model's whole output, or of +∞.
const DECLARED = [
  {
    provider: 'local',
    api: 'openai' as const,
    model: 'my-llama',
    limits: { rpm: 1000, tpm: 200_000 },
    headers: ['requests', 'tokens'],
  },
  {
    provider: 'anthropic',
    api: 'anthropic' as const,
    model: 'claude-house',
    limits: { rpm: 1000, itpm: 200_000, otpm: 1_000_000 },
    headers: ['requests', 'inputTokens', 'outputTokens'],
  },
]

describe.each(DECLARED)(
  'a model declared under models: without max_output ($provider/$model)',
  ({ provider, api, model, limits, headers }) => {
    const id = `${provider}/${model}`
    const models = `models:\n  ${id}: { input: 0.5, output: 1.5, context: 128000 }\n`

    it('serves request after request without max_tokens once its rate-limit headers are known (the issue)', async () => {
      sim.configure(api, model, limits)
      const hr = await start(`${models}routes:\n  mine:\n    targets: [${id}]\n`)
      const c = client(hr)
      for (let i = 0; i < 5; i++) {
        const { response } = await c.chat.completions
          .create({ model: 'mine', messages: [{ role: 'user', content: `reply: ${i}` }] })
          .withResponse()
        expect(response.headers.get('x-headroom-target')).toBe(id)
      }
      expect(Object.keys(learnt(hr, `${provider}#1/${model}`))).toEqual(expect.arrayContaining(headers))
      expect(rows(hr).map((r) => r.queued_ms)).toEqual([0, 0, 0, 0, 0])
    })

    it('a route of [it, another target] serves 100 sequential requests from it, none waiting in the queue', async () => {
      sim.configure(api, model, limits)
      const hr = await start(`${models}routes:\n  mine:\n    targets: [${id}, openai/gpt-4.1-mini]\n`)
      const c = client(hr)
      const served: string[] = []
      for (let i = 0; i < 100; i++) {
        const { response } = await c.chat.completions
          .create({ model: 'mine', messages: [{ role: 'user', content: `reply: answer ${i}` }] })
          .withResponse()
        served.push(response.headers.get('x-headroom-target')!)
      }
      expect(served).toEqual(Array(100).fill(id))
      expect(Object.keys(learnt(hr, `${provider}#1/${model}`))).toEqual(expect.arrayContaining(headers))
      const all = rows(hr)
      expect(all).toHaveLength(100)
      expect(all.every((r) => r.provider === provider && r.outcome === 'ok' && r.queued_ms === 0)).toBe(true)
      expect(sim.stats({ status: 429 })).toBe(0)
    })
  },
)

describe('a request larger than a limit can ever hold', () => {
  const models = 'models:\n  local/my-llama: { input: 0.5, output: 1.5, context: 200000 }\n'
  const big = { model: 'mine', max_tokens: 50_000, messages: [{ role: 'user' as const, content: 'reply: hi' }] }

  it('alone in its route: an immediate 400 naming the target, the need and the limit (declared tpm)', async () => {
    sim.configure('openai', 'my-llama', {})
    const hr = await start(`${models}routes:\n  mine:\n    targets: [local/my-llama]\n`, '{ tpm: 30000 }')
    const r = await rawPost(`${hr.url}/v1/chat/completions`, JSON.stringify(big))
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ code: 'no_capable_target', type: 'invalid_request_error' })
    expect(r.json.error!.message).toMatch(
      /local#1\/my-llama: needs ~500\d\d tokens, more than its limit of 30000 per minute/,
    )
    expect(r.headers.get('x-headroom-decision')).toMatch(
      /needs ~500\d\d tokens, more than its limit of 30000 per minute/,
    )
    expect(r.headers.get('retry-after')).toBeNull()
    expect(sim.stats()).toBe(0)
  })

  it('a limit learnt from the provider’s headers counts the same; another target serves, and the decision says why', async () => {
    sim.configure('openai', 'my-llama', { rpm: 1000, tpm: 30_000 })
    const hr = await start(`${models}routes:\n  mine:\n    targets: [local/my-llama, openai/gpt-4.1-mini]\n`)
    const c = client(hr)
    await c.chat.completions.create({ model: 'mine', messages: [{ role: 'user', content: 'reply: learn the limits' }] })
    expect(learnt(hr, 'local#1/my-llama')['tokens']?.limit).toBe(30_000)
    // gpt-4.1-mini may write 32,768 tokens: it takes what my-llama's 30,000 a minute never could.
    const { response } = await c.chat.completions.create({ ...big, max_tokens: 32_000 }).withResponse()
    expect(response.headers.get('x-headroom-target')).toBe('openai/gpt-4.1-mini')
    expect(response.headers.get('x-headroom-decision')).toMatch(
      /skipped: local#1\/my-llama \(needs ~320\d\d tokens, more than its limit of 30000 per minute\)/,
    )
    expect(rows(hr).map((r) => r.queued_ms)).toEqual([0, 0])
  })

  it('Anthropic: prompt and output are held to its input and output limits, not their sum to the smaller one', async () => {
    sim.configure('anthropic', 'claude-house', { itpm: 40_000, otpm: 8000 })
    const hr = await start(
      `models:\n  anthropic/claude-house: { input: 3, output: 15 }\nroutes:\n  mine:\n    targets: [anthropic/claude-house]\n`,
    )
    const c = client(hr)
    await c.chat.completions.create({
      model: 'mine',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'reply: learn the limits' }],
    })
    // ~10,000 prompt tokens and 4,000 output: within 40,000 input and 8,000 output a minute.
    const r = await c.chat.completions.create({
      model: 'mine',
      max_tokens: 4000,
      messages: [{ role: 'user', content: `${'word '.repeat(10_000)}\nreply: fits` }],
    })
    expect(r.choices[0]!.message.content).toBe('fits')
    expect(Object.keys(learnt(hr, 'anthropic#1/claude-house')).sort()).toEqual(['inputTokens', 'outputTokens'])
  })

  it('output tokens over an Anthropic output-tokens limit: named as output tokens', async () => {
    sim.configure('anthropic', 'claude-house', { otpm: 8000 })
    const hr = await start(
      `models:\n  anthropic/claude-house: { input: 3, output: 15 }\nroutes:\n  mine:\n    targets: [anthropic/claude-house]\n`,
    )
    const c = client(hr)
    await c.chat.completions.create({
      model: 'mine',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'reply: learn the limits' }],
    })
    const r = await rawPost(`${hr.url}/v1/chat/completions`, JSON.stringify({ ...big, max_tokens: 10_000 }))
    expect(r.status).toBe(400)
    expect(r.json.error!.message).toContain(
      'anthropic#1/claude-house: needs 10000 output tokens, more than its limit of 8000 per minute',
    )
  })
})
