/**
 * Three replicas sharing one Redis (HEADROOM_REDIS_URL) and one provider key limited to N requests a
 * minute, offered twice that at once, round robin: the provider never answers 429, because the replicas
 * reserve against one shared view of the key's headroom. Every request gets a 200 or Headroom's own 429
 * (from its queue, with a Retry-After), never a 5xx.
 * Skipped without a Redis (except in CI): see src/admission/redis-test-utils.ts.
 */
import { describe, expect, it } from 'vitest'
import { REDIS_URL, redisAvailable, usePrefixes } from '../src/admission/redis-test-utils.ts'
import type { Running } from '../src/start.ts'
import { SIM_KEY, startThree, useServers, useSimulator } from './harness.ts'

const available = await redisAvailable()
const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()
const newPrefix = usePrefixes(available)

/** The provider key's requests per minute. */
const N = 6

// A short queue wait keeps the test quick: what does not fit within it is refused by Headroom (429).
const config = (simUrl: string) => `providers:
  openai: { type: openai, base_url: "${simUrl}/v1", api_key: ${SIM_KEY} }
routes:
  r: { targets: [openai/gpt-4.1-mini], queue: { max_wait_ms: 1500 } }
  warm: { targets: [openai/gpt-4.1-nano] }
`

async function three(): Promise<Running[]> {
  const env = { HEADROOM_REDIS_URL: REDIS_URL, HEADROOM_REDIS_PREFIX: newPrefix(), HEADROOM_REDIS_TIMEOUT_MS: '1000' }
  // One process runs the three replicas and the simulator here: on a busy machine its event loop, not
  // Redis, may stall past 50 ms, and a replica would go on alone (degraded), as designed but not tested here.
  return startThree(config(sim.url), env, sim.url, track)
}

async function ask(hr: Running, model = 'r') {
  const res = await fetch(`${hr.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'reply: ok' }] }),
  })
  const body = (await res.json()) as { error?: { type?: string; code?: string } }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), error: body.error ?? null }
}

describe.skipIf(!available)('three replicas sharing a provider key’s headroom through Redis', () => {
  it('offered twice the key’s rpm at once, cause no upstream 429: each request is served or refused by Headroom', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: N })
    const hrs = await three()
    // Warmed up on another model first: a replica's first requests are slow to run (code loaded and compiled),
    // and a Redis answer later than 50 ms would leave the replicas on their own state (degraded), as designed.
    await Promise.all(Array.from({ length: 2 * N }, (_, i) => ask(hrs[i % 3]!, 'warm')))
    const answers = await Promise.all(Array.from({ length: 2 * N }, (_, i) => ask(hrs[i % 3]!)))

    expect(sim.stats({ status: 429 })).toBe(0)
    const served = answers.filter((a) => a.status === 200)
    const refused = answers.filter((a) => a.status !== 200)
    // The key's minute is used (it refills one request every 10 s: a slow test may see one more).
    expect(served.length).toBeGreaterThanOrEqual(N - 1)
    expect(served.length).toBeLessThanOrEqual(N + 1)
    expect(sim.stats({ model: 'gpt-4.1-mini', status: 200 })).toBe(served.length)
    for (const a of refused) {
      expect(a.status).toBe(429)
      expect(a.error?.type).toBe('rate_limit_error')
      expect(Number(a.retryAfter)).toBeGreaterThan(0)
    }
  })
})
