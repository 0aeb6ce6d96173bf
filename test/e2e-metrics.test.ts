/**
 * `GET /metrics` end to end: the real server over the simulator, scraped and read with a real Prometheus
 * text parser. Every metric of the contract is there with its labels; counters move by exactly the
 * requests sent; tokens are what the provider reported and cost what the spend table says; a target's
 * runway turns finite while a small limit is drawn down; and who may scrape.
 */
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format'
import { describe, expect, it, vi } from 'vitest'
import { CONTRACT, METRICS } from '../src/observe/metrics-contract.ts'
import type { Running } from '../src/start.ts'
import { SIM_KEY, startOver, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()

const MINI = 'openai#1/gpt-4.1-mini'
const HAIKU = 'anthropic#1/claude-haiku-4-5'
const EMBED = 'openai#1/text-embedding-3-small'

async function start(extra = ''): Promise<Running> {
  return track(
    await startOver(
      sim,
      `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY} }
routes:
  chat: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 5 } }
  claude: { targets: [anthropic/claude-haiku-4-5] }
  vectors: { targets: [openai/text-embedding-3-small] }
${extra}`,
    ),
  )
}

interface Scrape {
  /** The families as the parser reads them: their types. */
  families: Map<string, MetricFamily>
  /**
   * Every sample with its labels, by sample name (`…_bucket`, `…_sum` and `…_count` for histograms): the
   * text parsed again with the histograms' TYPE lines left out, since the parser merges a histogram's
   * labelled series into one and drops their labels.
   */
  samples: Map<string, MetricFamily>
}

async function scrape(hr: Running, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(`${hr.url}/metrics`, { headers })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]))
  // Without their TYPE, a histogram's series come as `…_bucket`, `…_sum`, `…_count`, `…_bucket`…: joined by name.
  const samples = new Map<string, MetricFamily>()
  for (const f of parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram\n/gm, ''))) {
    const seen = samples.get(f.name)
    if (seen) seen.metrics.push(...f.metrics)
    else samples.set(f.name, f)
  }
  return { families, samples }
}

/** The value of one sample (labels matched exactly), or undefined when it is not there. */
function value(s: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const m = s.samples.get(name)?.metrics.find((x) => sameLabels(x.labels ?? {}, labels))
  return m?.value === undefined ? undefined : num(m.value)
}

/** A sample's value: Prometheus spells infinities `+Inf` and `-Inf`. */
function num(text: string): number {
  return text === '+Inf' ? Number.POSITIVE_INFINITY : text === '-Inf' ? Number.NEGATIVE_INFINITY : Number(text)
}

/** The sum of the samples whose labels include `labels` (a histogram's `…_count`: its observations). */
function total(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const m of s.samples.get(name)?.metrics ?? [])
    if (Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)) sum += num(m.value!)
  return sum
}

/** Observations of a histogram whose labels include `labels`. */
const observed = (s: Scrape, name: string, labels: Record<string, string> = {}) => total(s, `${name}_count`, labels)

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}

async function post(hr: Running, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${hr.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, text: await res.text() }
}

interface Usage {
  prompt: number
  completion: number
  cached: number
  cache_write: number
  reasoning: number
}

const ZERO: Usage = { prompt: 0, completion: 0, cached: 0, cache_write: 0, reasoning: 0 }

function add(a: Usage, b: Usage): Usage {
  return {
    prompt: a.prompt + b.prompt,
    completion: a.completion + b.completion,
    cached: a.cached + b.cached,
    cache_write: a.cache_write + b.cache_write,
    reasoning: a.reasoning + b.reasoning,
  }
}

interface OpenAIUsage {
  prompt_tokens: number
  completion_tokens?: number
  prompt_tokens_details?: { cached_tokens?: number }
  completion_tokens_details?: { reasoning_tokens?: number }
}

/** OpenAI's usage object, as the client got it. */
function openaiUsage(u: OpenAIUsage): Usage {
  return {
    prompt: u.prompt_tokens,
    completion: u.completion_tokens ?? 0,
    cached: u.prompt_tokens_details?.cached_tokens ?? 0,
    cache_write: 0,
    reasoning: u.completion_tokens_details?.reasoning_tokens ?? 0,
  }
}

/** The usage chunk at the end of a chat stream the client asked it of. */
function streamUsage(sse: string): Usage {
  const chunks = sse
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => JSON.parse(l.slice(6)) as { usage?: OpenAIUsage | null })
  const last = chunks.findLast((c) => c.usage)
  return openaiUsage(last!.usage!)
}

/** Anthropic's usage: input excludes what was read from or written to the cache. */
function anthropicUsage(u: {
  input_tokens: number
  output_tokens: number
  cache_read_input_tokens?: number | null
  cache_creation_input_tokens?: number | null
}): Usage {
  const cached = u.cache_read_input_tokens ?? 0
  const written = u.cache_creation_input_tokens ?? 0
  return {
    prompt: u.input_tokens + cached + written,
    completion: u.output_tokens,
    cached,
    cache_write: written,
    reasoning: 0,
  }
}

const chatBody = (model: string, over: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'Say hello.' }],
  ...over,
})

function tokensOf(s: Scrape, target: string): Usage {
  const kind = (k: keyof Usage) => value(s, METRICS.tokens.name, { provider: target.split('#')[0]!, target, kind: k })
  return {
    prompt: kind('prompt') ?? 0,
    completion: kind('completion') ?? 0,
    cached: kind('cached') ?? 0,
    cache_write: kind('cache_write') ?? 0,
    reasoning: kind('reasoning') ?? 0,
  }
}

describe('GET /metrics', () => {
  it('every contract metric with its labels; counters move by exactly what was sent; tokens and cost as the spend table', async () => {
    // 100 requests an hour: what the test uses does not refill while it runs.
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 100, windowMs: 3_600_000 })
    const hr = await start()
    const before = await scrape(hr)
    expect(total(before, METRICS.upstream.name)).toBe(0)

    let mini = ZERO
    for (let i = 0; i < 3; i++) {
      const r = await post(hr, '/v1/chat/completions', chatBody('chat'))
      expect(r.status).toBe(200)
      mini = add(mini, openaiUsage((JSON.parse(r.text) as { usage: OpenAIUsage }).usage))
    }
    for (let i = 0; i < 2; i++) {
      const r = await post(
        hr,
        '/v1/chat/completions',
        chatBody('chat', { stream: true, stream_options: { include_usage: true } }),
      )
      expect(r.status).toBe(200)
      mini = add(mini, streamUsage(r.text))
    }
    const direct = await post(hr, '/v1/chat/completions', chatBody('openai/gpt-4.1-mini'))
    expect(direct.status).toBe(200)
    mini = add(mini, openaiUsage((JSON.parse(direct.text) as { usage: OpenAIUsage }).usage))

    const msg = await post(
      hr,
      '/v1/messages',
      { model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] },
      { 'anthropic-version': '2023-06-01' },
    )
    expect(msg.status).toBe(200)
    const haiku = anthropicUsage((JSON.parse(msg.text) as { usage: Parameters<typeof anthropicUsage>[0] }).usage)

    const emb = await post(hr, '/v1/embeddings', { model: 'vectors', input: ['one', 'two'] })
    expect(emb.status).toBe(200)
    const embed = openaiUsage((JSON.parse(emb.text) as { usage: OpenAIUsage }).usage)

    // A model no catalog knows, named by the client: counted, under bounded labels.
    const unknown = await post(hr, '/v1/chat/completions', chatBody('openai/no-such-model-7f3a'))
    expect(unknown.status).toBe(404)
    // Refused before its model was read.
    const bad = await fetch(`${hr.url}/v1/chat/completions`, { method: 'POST', body: '{' })
    expect([bad.status, await bad.text()]).toEqual([400, expect.any(String)])

    // A stream's request is counted as it ends, which its client may see a moment before.
    const after = await vi.waitFor(async () => {
      const s = await scrape(hr)
      expect(total(s, METRICS.requests.name)).toBe(10)
      return s
    })

    // Every contract metric, of its type, every series with exactly the contract's labels.
    for (const m of CONTRACT) {
      expect([m.name, after.families.get(m.name)?.type]).toEqual([m.name, m.type.toUpperCase()])
      const labelled = (name: string, labels: readonly string[]) => {
        const series = after.samples.get(name)?.metrics ?? []
        expect(series.length, `${name} has series`).toBeGreaterThan(0)
        for (const x of series) expect([name, Object.keys(x.labels ?? {}).sort()]).toEqual([name, [...labels].sort()])
      }
      if (m.type !== 'histogram') labelled(m.name, m.labelNames)
      else {
        labelled(`${m.name}_count`, m.labelNames)
        labelled(`${m.name}_sum`, m.labelNames)
        labelled(`${m.name}_bucket`, [...m.labelNames, 'le'])
      }
    }
    expect(after.families.get('process_cpu_user_seconds_total')?.type).toBe('COUNTER')
    expect(after.families.get('nodejs_heap_size_used_bytes')?.type).toBe('GAUGE')

    // Client requests: one per request sent, by route and status.
    const requests = (route: string, status: string) => value(after, METRICS.requests.name, { route, status })
    expect(requests('chat', '200')).toBe(5)
    expect(requests('claude', '200')).toBe(1)
    expect(requests('vectors', '200')).toBe(1)
    expect(requests('openai/gpt-4.1-mini', '200')).toBe(1)
    expect(requests('other', '404')).toBe(1)
    expect(requests('none', '400')).toBe(1)
    expect(total(after, METRICS.requests.name)).toBe(10)
    expect(total(before, METRICS.requests.name)).toBe(0)
    // Their durations, one each; time to first token for the two streams.
    expect(observed(after, METRICS.duration.name, { route: 'chat' })).toBe(5)
    expect(observed(after, METRICS.duration.name)).toBe(10)
    expect(observed(after, METRICS.ttft.name)).toBe(2)
    expect(observed(after, METRICS.ttft.name, { route: 'chat' })).toBe(2)

    // Upstream attempts: one per request sent, on the target that served it.
    const up = (target: string, outcome: string) =>
      value(after, METRICS.upstream.name, { provider: target.split('#')[0]!, target, outcome })
    expect(up(MINI, 'ok')).toBe(6)
    expect(up(HAIKU, 'ok')).toBe(1)
    expect(up(EMBED, 'ok')).toBe(1)
    expect(up('openai#1/other', 'error')).toBe(1)
    expect(total(after, METRICS.upstream.name)).toBe(9)

    // Tokens: what the provider reported, as the client saw it, kind by kind.
    expect(tokensOf(after, MINI)).toEqual(mini)
    expect(tokensOf(after, HAIKU)).toEqual(haiku)
    expect(tokensOf(after, EMBED)).toEqual(embed)

    // Cost: the spend table's, route by route, to the micro-cent.
    hr.spend.flush()
    const rows = hr.db.sqlite
      .prepare('SELECT route, SUM(cost_microcents) AS c, COUNT(*) AS n FROM spend GROUP BY route')
      .all() as Array<{ route: string; c: number; n: number }>
    expect(rows.map((r) => r.route).sort()).toEqual([
      'chat',
      'claude',
      'openai/gpt-4.1-mini',
      'openai/no-such-model-7f3a',
      'vectors',
    ])
    for (const r of rows) {
      const label = r.route === 'openai/no-such-model-7f3a' ? 'other' : r.route
      expect([r.route, Math.round(total(after, METRICS.cost.name, { route: label }) * 1e8)]).toEqual([r.route, r.c])
    }
    expect(total(after, METRICS.cost.name)).toBeGreaterThan(0)

    // The wait in the queue of each request that reached the attempt loop.
    expect(observed(after, METRICS.queueWait.name, { route: 'chat', priority: 'normal' })).toBe(5)
    expect(observed(after, METRICS.queueWait.name)).toBe(9)

    // Live state: the breaker closed, a limit known, the queue empty, the budget a little used.
    expect(value(after, METRICS.breaker.name, { target: MINI })).toBe(0)
    // Six of its 100 requests used.
    expect(value(after, METRICS.remaining.name, { target: MINI, dimension: 'requests' })).toBeCloseTo(0.94, 2)
    expect(value(after, METRICS.queueDepth.name, { route: 'chat' })).toBe(0)
    const used = value(after, METRICS.budget.name, { scope: 'route', name: 'chat', period: 'day' })!
    expect(used).toBeGreaterThan(0)
    expect(used).toBeLessThan(0.01)
    expect(value(after, METRICS.cache.name, { route: 'chat', result: 'hit' })).toBe(0)
    expect(value(after, METRICS.spendDropped.name)).toBe(0)

    // No label value a client chose: the unknown model is `other`, as route and as target.
    const labels = [...after.samples.values()].flatMap((f) => f.metrics.flatMap((x) => Object.values(x.labels ?? {})))
    expect(labels.filter((l) => l.includes('no-such-model'))).toEqual([])
    expect(labels.filter((l) => l.includes(SIM_KEY))).toEqual([])
  })

  it("a target's runway is finite while a small limit is drawn down, +Inf for one not drawn down", async () => {
    // 10 requests per 10 minutes: it barely refills while the test runs.
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 10, windowMs: 600_000 })
    sim.configure('openai', 'gpt-4.1-nano', { rpm: 100_000 })
    const hr = await start('  nano: { targets: [openai/gpt-4.1-nano] }\n')
    expect((await post(hr, '/v1/chat/completions', chatBody('nano'))).status).toBe(200)
    const runway = async () => {
      const s = await scrape(hr)
      return {
        mini: value(s, METRICS.runway.name, { target: MINI, dimension: 'requests' }),
        nano: value(s, METRICS.runway.name, { target: 'openai#1/gpt-4.1-nano', dimension: 'requests' }),
        left: value(s, METRICS.remaining.name, { target: MINI, dimension: 'requests' }),
      }
    }
    const seen: number[] = []
    for (let i = 1; i <= 5; i++) {
      expect((await post(hr, '/v1/chat/completions', chatBody('chat'))).status).toBe(200)
      const r = await runway()
      expect(r.left).toBeCloseTo(1 - i / 10, 2)
      // The provider refills what was used over the time to its reset: one request at a time keeps pace.
      if (i === 1) continue
      expect(Number.isFinite(r.mini)).toBe(true)
      seen.push(r.mini!)
    }
    // Fewer requests left at a rising rate: the runway shortens with every one.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeLessThan(seen[i - 1]!)
    expect((await runway()).nano).toBe(Number.POSITIVE_INFINITY)
  })

  it("a request waiting for headroom is in its route's queue depth, and its wait in the queue histogram", async () => {
    sim.configure('openai', 'gpt-4.1-mini', { ttftMs: 300 })
    const hr = track(
      await startOver(
        sim,
        `providers:
  capped: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, limits: { concurrency: 1 } }
routes:
  one: { targets: [capped/gpt-4.1-mini] }
`,
      ),
    )
    const first = post(hr, '/v1/chat/completions', chatBody('one'))
    while (hr.states.peek('capped#1/gpt-4.1-mini')?.limits.inFlight !== 1) await new Promise((r) => setTimeout(r, 5))
    const second = post(hr, '/v1/chat/completions', chatBody('one'), { 'x-headroom-priority': 'high' })
    let depth: number | undefined
    while (depth !== 1) depth = value(await scrape(hr), METRICS.queueDepth.name, { route: 'one' })
    expect([(await first).status, (await second).status]).toEqual([200, 200])
    const after = await scrape(hr)
    expect(value(after, METRICS.queueDepth.name, { route: 'one' })).toBe(0)
    const bucket = (priority: string, le: string) =>
      value(after, `${METRICS.queueWait.name}_bucket`, { route: 'one', priority, le })
    // The first went straight through; the second waited for it, longer than the first bucket.
    expect([bucket('normal', '0.01'), bucket('normal', '+Inf')]).toEqual([1, 1])
    expect([bucket('high', '0.01'), bucket('high', '+Inf')]).toEqual([0, 1])
  })

  it('open while routes.yaml declares no keys; else the admin key only, refusals in OpenAI’s shape', async () => {
    await scrape(await start())
    const hr = await start('admin_key: admin-key-12345678\nkeys:\n  - { name: team-a, key: key-a-12345678 }\n')
    const none = await fetch(`${hr.url}/metrics`)
    expect(none.status).toBe(401)
    expect(await none.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'missing_api_key' },
    })
    const asKey = await fetch(`${hr.url}/metrics`, { headers: { authorization: 'Bearer key-a-12345678' } })
    expect(asKey.status).toBe(403)
    expect(((await asKey.json()) as { error: { code: string } }).error.code).toBe('admin_only')
    const wrong = await fetch(`${hr.url}/metrics`, { headers: { authorization: 'Bearer not-a-key-at-all' } })
    expect(wrong.status).toBe(401)
    const s = await scrape(hr, { authorization: 'Bearer admin-key-12345678' })
    expect(s.samples.get(METRICS.breaker.name)?.metrics).toHaveLength(3)
  })
})
