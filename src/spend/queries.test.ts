import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSpendDb, type SpendDb } from './db.ts'
import { SPEND_GROUP_BYS, costSince, microcentsToUsd, spendSummary, type SpendFilter, type SpendGroupBy } from './queries.ts'
import { SpendWriter } from './writer.ts'
import { makeRow, seededRandom } from './__fixtures__/spend-rows.ts'

const DAY_MS = 86_400_000
const START = Date.UTC(2026, 10, 1) // 2026-11-01T00:00Z
let db: SpendDb

beforeAll(() => {
  db = openSpendDb(':memory:')
  const random = seededRandom(7)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const targets = [
    { provider: 'openai', keyAlias: 'openai#1', modelServed: 'gpt-4.1-mini' },
    { provider: 'openai', keyAlias: 'openai#2', modelServed: 'gpt-4.1-mini' },
    { provider: 'openai', keyAlias: 'openai#1', modelServed: 'gpt-5' },
    { provider: 'anthropic', keyAlias: 'anthropic#1', modelServed: 'claude-sonnet-4-5' },
    { provider: 'google', keyAlias: 'google#1', modelServed: 'gemini-2.5-flash' },
    { provider: 'eu', keyAlias: 'shared', modelServed: 'gpt-4.1-mini' },
  ]
  const w = new SpendWriter(db)
  for (let r = 0; r < 400; r++) {
    const ts = START + Math.floor(random() * 10 * DAY_MS)
    const common = { ts, requestId: `req-${r}`, virtualKey: pick(['team-a', 'team-b', null]), endUser: pick(['alice', 'bob', null]), route: pick(['fast', 'smart']) }
    const attempts = 1 + Math.floor(random() * 3) // failovers: several attempts, possibly on several models
    for (let a = 1; a <= attempts; a++) {
      // Some attempts used tokens on a model without a price; failed ones used none (both have no price_entry).
      const priced = random() < 0.85
      const failed = a < attempts && random() < 0.5
      w.write(makeRow({ ...common, ...pick(targets), ts: ts + a, attempt: a, outcome: a < attempts ? 'failed_over' : 'ok',
        priceEntry: priced && !failed ? 'gpt-4.1-mini' : null, usageSource: failed ? 'none' : 'provider',
        promptTokens: Math.floor(random() * 5_000), cachedTokens: Math.floor(random() * 100), cacheWriteTokens: Math.floor(random() * 50),
        completionTokens: Math.floor(random() * 900), reasoningTokens: Math.floor(random() * 300), costMicrocents: Math.floor(random() * 5_000_000) }))
    }
  }
  w.close()
})
afterAll(() => db.close())

const GROUP_SQL: Record<SpendGroupBy, string> = {
  model: 'model_served',
  provider: 'provider',
  route: 'route',
  key: 'virtual_key',
  provider_key: "provider || '|' || key_alias",
  user: 'end_user',
  day: "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')",
}

/** The same totals straight from SQL, keyed by group. */
function raw(groupBy: SpendGroupBy, f: SpendFilter) {
  const cond: string[] = []
  const args: Array<string | number> = []
  if (f.since !== undefined) cond.push('ts >= ?') && args.push(f.since)
  if (f.until !== undefined) cond.push('ts < ?') && args.push(f.until)
  if (f.virtualKey !== undefined) cond.push('virtual_key = ?') && args.push(f.virtualKey)
  if (f.route !== undefined) cond.push('route = ?') && args.push(f.route)
  const sql = `SELECT ${GROUP_SQL[groupBy]} AS g, SUM(cost_microcents) AS cost, COUNT(*) AS attempts, COUNT(DISTINCT request_id) AS requests,
    SUM(prompt_tokens) AS prompt, SUM(completion_tokens) AS completion, SUM(reasoning_tokens) AS reasoning,
    SUM(price_entry IS NULL AND usage_source = 'provider') AS unpriced
    FROM spend ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''} GROUP BY g`
  return db.sqlite.prepare(sql).all(...args) as Array<{ g: string | null; cost: number; attempts: number; requests: number; prompt: number; completion: number; reasoning: number; unpriced: number }>
}

const WINDOWS: Array<[string, SpendFilter]> = [
  ['everything', {}],
  ['since', { since: START + 3 * DAY_MS }],
  ['until', { until: START + 5 * DAY_MS + 12_345 }],
  ['since and until', { since: START + 2 * DAY_MS, until: START + 6 * DAY_MS }],
  ['one virtual key', { virtualKey: 'team-a' }],
  ['one route in a window', { route: 'smart', since: START + DAY_MS, until: START + 9 * DAY_MS }],
  ['an empty window', { since: START + 100 * DAY_MS }],
]

describe('spendSummary', () => {
  for (const groupBy of SPEND_GROUP_BYS) {
    for (const [name, filter] of WINDOWS) {
      it(`by ${groupBy}, ${name}: agrees with SUM(cost_microcents) in raw SQL`, () => {
        const rows = spendSummary(db, { groupBy, ...filter })
        const expected = raw(groupBy, filter)
        expect(rows).toHaveLength(expected.length)
        const byGroup = new Map(expected.map((e) => [e.g, e]))
        for (const r of rows) {
          const key = groupBy === 'provider_key' && r.group !== null ? (r.group.includes('/') ? r.group.replace('/', '|') : `${r.group.split('#')[0]}|${r.group}`) : r.group
          const e = byGroup.get(key)
          expect(e, `group ${r.group}`).toBeDefined()
          expect([r.costMicrocents, r.attempts, r.requests, r.promptTokens, r.completionTokens, r.reasoningTokens, r.unpricedCalls]).toEqual([e!.cost, e!.attempts, e!.requests, e!.prompt, e!.completion, e!.reasoning, e!.unpriced])
          expect(r.costUsd).toBe(microcentsToUsd(e!.cost))
        }
        const total = rows.reduce((n, r) => n + r.costMicrocents, 0)
        expect(total).toBe(expected.reduce((n, e) => n + e.cost, 0))
        // Ordering: by cost, most first; by day, oldest first.
        const keys = rows.map((r) => (groupBy === 'day' ? r.group! : -r.costMicrocents))
        expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
      })
    }
  }

  it('labels provider keys by alias, adding the provider when the alias does not name it', () => {
    const groups = spendSummary(db, { groupBy: 'provider_key' }).map((r) => r.group)
    expect(groups).toEqual(expect.arrayContaining(['openai#1', 'openai#2', 'anthropic#1', 'google#1', 'eu/shared']))
  })

  it('counts unpriced calls apart: tokens used but no price_entry; a failed attempt (no tokens) is not one', () => {
    const total = spendSummary(db, { groupBy: 'route' }).reduce((n, r) => n + r.unpricedCalls, 0)
    expect(total).toBeGreaterThan(0)
    expect(total).toBe((db.sqlite.prepare("SELECT COUNT(*) AS n FROM spend WHERE price_entry IS NULL AND usage_source <> 'none'").get() as { n: number }).n)
    expect(total).toBeLessThan((db.sqlite.prepare('SELECT COUNT(*) AS n FROM spend WHERE price_entry IS NULL').get() as { n: number }).n)
  })

  it('keeps null groups (no virtual key, no user) as null', () => {
    expect(spendSummary(db, { groupBy: 'key' }).map((r) => r.group)).toContain(null)
  })

  it('stays exact past 2^53 micro-cents', () => {
    const big = openSpendDb(':memory:')
    const w = new SpendWriter(big)
    for (let i = 0; i < 4; i++) w.write(makeRow({ requestId: `r${i}`, costMicrocents: 2 ** 52 + 1 }))
    w.close()
    const [row] = spendSummary(big, { groupBy: 'model' })
    expect(row!.costUsd).toBe('180143985.09481988') // (2^52 + 1) × 4 = 18014398509481988
    big.close()
  })
})

describe('costSince', () => {
  it('sums cost from a time on, per key, per route, or for everything', () => {
    const since = START + 4 * DAY_MS
    const sum = (where: string, ...args: Array<string | number>) =>
      (db.sqlite.prepare(`SELECT COALESCE(SUM(cost_microcents), 0) AS c FROM spend WHERE ts >= ? ${where}`).get(since, ...args) as { c: number }).c
    expect(costSince(db, {}, since)).toBe(sum(''))
    expect(costSince(db, { virtualKey: 'team-b' }, since)).toBe(sum('AND virtual_key = ?', 'team-b'))
    expect(costSince(db, { route: 'fast' }, since)).toBe(sum('AND route = ?', 'fast'))
    expect(costSince(db, { virtualKey: 'team-a', route: 'smart' }, since)).toBe(sum('AND virtual_key = ? AND route = ?', 'team-a', 'smart'))
    expect(costSince(db, {}, since)).toBeGreaterThan(0)
    expect(costSince(db, { virtualKey: 'nobody' }, since)).toBe(0)
  })
})

describe('microcentsToUsd', () => {
  it('writes exact decimals', () => {
    expect(microcentsToUsd(123_456_789)).toBe('1.23456789')
    expect(microcentsToUsd(5)).toBe('0.00000005')
    expect(microcentsToUsd(0)).toBe('0.00000000')
    expect(microcentsToUsd(100_000_000n)).toBe('1.00000000')
  })
})
