import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ledgerRows, makeRow } from './__fixtures__/spend-rows.ts'
import { openSpendDb, type SpendDb } from './db.ts'
import { microcentsToUsd } from './money.ts'
import {
  costSince,
  parseGroupBy,
  SPEND_GROUP_BYS,
  type SpendFilter,
  type SpendGroupBy,
  spendSummary,
} from './queries.ts'
import { SpendWriter } from './writer.ts'

const DAY_MS = 86_400_000
const START = Date.UTC(2026, 10, 1) // 2026-11-01T00:00Z
let db: SpendDb

beforeAll(() => {
  db = openSpendDb(':memory:')
  const w = new SpendWriter(db)
  for (const row of ledgerRows(START)) w.write(row)
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

function whereSql(f: SpendFilter): [string, Array<string | number>] {
  const cond: string[] = []
  const args: Array<string | number> = []
  if (f.since !== undefined) cond.push('ts >= ?') && args.push(f.since)
  if (f.until !== undefined) cond.push('ts < ?') && args.push(f.until)
  if (f.virtualKey !== undefined) cond.push('virtual_key = ?') && args.push(f.virtualKey)
  if (f.route !== undefined) cond.push('route = ?') && args.push(f.route)
  return [cond.length ? `WHERE ${cond.join(' AND ')}` : '', args]
}

const RAW_MEASURES = `SUM(cost_microcents) AS cost, COUNT(*) AS attempts, COUNT(DISTINCT request_id) AS requests,
    SUM(prompt_tokens) AS prompt, SUM(cached_tokens) AS cached, SUM(cache_write_tokens) AS cache_write, SUM(completion_tokens) AS completion,
    SUM(reasoning_tokens) AS reasoning, SUM(price_entry IS NULL AND usage_source = 'provider') AS unpriced`
type RawMeasures = {
  cost: number
  attempts: number
  requests: number
  prompt: number
  cached: number
  cache_write: number
  completion: number
  reasoning: number
  unpriced: number
}

/** The same totals straight from SQL, each group's key values joined by a tab. */
function raw(groupBy: readonly SpendGroupBy[], f: SpendFilter) {
  const [where, args] = whereSql(f)
  const sql = `SELECT ${groupBy.map((k) => `${GROUP_SQL[k]} AS ${k}`).join(', ')}, ${RAW_MEASURES} FROM spend ${where} GROUP BY ${groupBy.join(', ')}`
  return db.sqlite.prepare(sql).all(...args) as Array<RawMeasures & Record<string, string | null>>
}

/** A summary group's values in raw()'s spelling: provider keys as `provider|alias`. */
function rawKey(groupBy: readonly SpendGroupBy[], group: Array<string | null>): string {
  return group
    .map((g, i) =>
      groupBy[i] === 'provider_key' && g !== null
        ? g.includes('/')
          ? g.replace('/', '|')
          : `${g.split('#')[0]}|${g}`
        : String(g),
    )
    .join('\t')
}

const measuresOf = (t: {
  costMicrocents: number
  attempts: number
  requests: number
  promptTokens: number
  cachedTokens: number
  cacheWriteTokens: number
  completionTokens: number
  reasoningTokens: number
  unpricedCalls: number
}) => [
  t.costMicrocents,
  t.attempts,
  t.requests,
  t.promptTokens,
  t.cachedTokens,
  t.cacheWriteTokens,
  t.completionTokens,
  t.reasoningTokens,
  t.unpricedCalls,
]
const rawMeasuresOf = (e: RawMeasures) =>
  [e.cost, e.attempts, e.requests, e.prompt, e.cached, e.cache_write, e.completion, e.reasoning, e.unpriced].map(
    (n) => n ?? 0,
  )

const WINDOWS: Array<[string, SpendFilter]> = [
  ['everything', {}],
  ['since', { since: START + 3 * DAY_MS }],
  ['until', { until: START + 5 * DAY_MS + 12_345 }],
  ['since and until', { since: START + 2 * DAY_MS, until: START + 6 * DAY_MS }],
  ['one virtual key', { virtualKey: 'team-a' }],
  ['one route in a window', { route: 'smart', since: START + DAY_MS, until: START + 9 * DAY_MS }],
  ['an empty window', { since: START + 100 * DAY_MS }],
]

const GROUPINGS: SpendGroupBy[][] = [
  ...SPEND_GROUP_BYS.map((k) => [k]),
  ['day', 'model'],
  ['model', 'day'],
  ['provider_key', 'user', 'day'],
]

describe('spendSummary', () => {
  for (const groupBy of GROUPINGS) {
    for (const [name, filter] of WINDOWS) {
      it(`by ${groupBy.join(',')}, ${name}: every column agrees with raw SQL, and so does the total`, () => {
        const { rows, total } = spendSummary(db, { groupBy, ...filter })
        const expected = raw(groupBy, filter)
        expect(rows).toHaveLength(expected.length)
        const byGroup = new Map(expected.map((e) => [groupBy.map((k) => String(e[k])).join('\t'), e]))
        for (const r of rows) {
          expect(r.group).toHaveLength(groupBy.length)
          const e = byGroup.get(rawKey(groupBy, r.group))
          expect(e, `group ${r.group.join(',')}`).toBeDefined()
          expect(measuresOf(r)).toEqual(rawMeasuresOf(e!))
          expect(r.costUsd).toBe(microcentsToUsd(e!.cost))
        }
        // The total is over the selection: a request that failed over between groups counts once.
        const [where, args] = whereSql(filter)
        const all = db.sqlite.prepare(`SELECT ${RAW_MEASURES} FROM spend ${where}`).get(...args) as RawMeasures
        expect(measuresOf(total)).toEqual(rawMeasuresOf(all))
        expect(total.costUsd).toBe(microcentsToUsd(all.cost ?? 0))
        // Ordering, key by key: days oldest first; any other key by its group's cost (within the keys before it), most
        // first.
        for (let i = 1; i < rows.length; i++) {
          const [a, b] = [rows[i - 1]!, rows[i]!]
          const k = groupBy.findIndex((_, j) => a.group[j] !== b.group[j])
          if (k === -1) continue
          const cost = (r: typeof a) =>
            rows
              .filter((x) => groupBy.slice(0, k + 1).every((_, j) => x.group[j] === r.group[j]))
              .reduce((n, x) => n + x.costMicrocents, 0)
          const order = groupBy[k] === 'day' ? [a.group[k]!, b.group[k]!] : [-cost(a), -cost(b)]
          expect(
            order[0]! <= order[1]!,
            `rows ${i - 1} and ${i}: ${a.group.join(',')} before ${b.group.join(',')}`,
          ).toBe(true)
        }
      })
    }
  }

  it('labels provider keys by alias, adding the provider when the alias does not name it', () => {
    const groups = spendSummary(db, { groupBy: ['provider_key'] }).rows.map((r) => r.group[0])
    expect(groups).toEqual(expect.arrayContaining(['openai#1', 'openai#2', 'anthropic#1', 'google#1', 'eu/shared']))
  })

  it('counts unpriced calls apart: tokens used but no price_entry; a failed attempt (no tokens) is not one', () => {
    const { rows, total } = spendSummary(db, { groupBy: ['route'] })
    expect(total.unpricedCalls).toBe(rows.reduce((n, r) => n + r.unpricedCalls, 0))
    expect(total.unpricedCalls).toBeGreaterThan(0)
    expect(total.unpricedCalls).toBe(
      (
        db.sqlite
          .prepare("SELECT COUNT(*) AS n FROM spend WHERE price_entry IS NULL AND usage_source <> 'none'")
          .get() as { n: number }
      ).n,
    )
    expect(total.unpricedCalls).toBeLessThan(
      (db.sqlite.prepare('SELECT COUNT(*) AS n FROM spend WHERE price_entry IS NULL').get() as { n: number }).n,
    )
  })

  it('counts a request that failed over between two models once in the total, once in each model', () => {
    const one = openSpendDb(':memory:')
    const w = new SpendWriter(one)
    w.write(
      makeRow({
        requestId: 'r1',
        attempt: 1,
        outcome: 'failed_over',
        modelServed: 'claude-haiku-4-5',
        costMicrocents: 0,
      }),
    )
    w.write(makeRow({ requestId: 'r1', attempt: 2, modelServed: 'gpt-4.1-mini', costMicrocents: 10 }))
    w.write(makeRow({ requestId: 'r2', modelServed: 'gpt-4.1-mini', costMicrocents: 5 }))
    w.close()
    const { rows, total } = spendSummary(one, { groupBy: ['model'] })
    expect(rows.map((r) => [r.group[0], r.requests, r.attempts])).toEqual([
      ['gpt-4.1-mini', 2, 2],
      ['claude-haiku-4-5', 1, 1],
    ])
    expect([total.requests, total.attempts, total.costMicrocents]).toEqual([2, 3, 15])
    one.close()
  })

  it('keeps null groups (no virtual key, no user) as null', () => {
    expect(spendSummary(db, { groupBy: ['key'] }).rows.map((r) => r.group[0])).toContain(null)
    expect(spendSummary(db, { groupBy: ['day', 'user'] }).rows.map((r) => r.group[1])).toContain(null)
  })

  it('an empty selection: no rows, a total of zeros', () => {
    const { rows, total } = spendSummary(db, { groupBy: ['model'], since: START + 100 * DAY_MS })
    expect(rows).toEqual([])
    expect(total).toEqual({
      requests: 0,
      attempts: 0,
      unpricedCalls: 0,
      promptTokens: 0,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      completionTokens: 0,
      reasoningTokens: 0,
      costMicrocents: 0,
      costUsd: '0.00000000',
    })
  })

  it('stays exact past 2^53 micro-cents', () => {
    const big = openSpendDb(':memory:')
    const w = new SpendWriter(big)
    for (let i = 0; i < 4; i++) w.write(makeRow({ requestId: `r${i}`, costMicrocents: 2 ** 52 + 1 }))
    w.close()
    const { rows, total } = spendSummary(big, { groupBy: ['model'] })
    expect(rows[0]!.costUsd).toBe('180143985.09481988') // (2^52 + 1) × 4 = 18014398509481988
    expect(total.costUsd).toBe('180143985.09481988')
    big.close()
  })
})

describe('parseGroupBy', () => {
  it('reads one key or several, comma-separated', () => {
    expect(parseGroupBy('model')).toEqual(['model'])
    expect(parseGroupBy('day,model')).toEqual(['day', 'model'])
    expect(parseGroupBy(' provider_key , user ')).toEqual(['provider_key', 'user'])
  })

  it('refuses an unknown key, an empty one, and a key twice', () => {
    expect(() => parseGroupBy('colour')).toThrow(
      '"colour" is not a group key: use one or more of model, provider, route, key, provider_key, user, day, separated by commas (day,model)',
    )
    expect(() => parseGroupBy('day,')).toThrow('"" is not a group key')
    expect(() => parseGroupBy('day,day')).toThrow('"day" is given twice')
  })
})

describe('costSince', () => {
  it('sums cost from a time on, per key, per route, or for everything', () => {
    const since = START + 4 * DAY_MS
    const sum = (where: string, ...args: Array<string | number>) =>
      (
        db.sqlite
          .prepare(`SELECT COALESCE(SUM(cost_microcents), 0) AS c FROM spend WHERE ts >= ? ${where}`)
          .get(since, ...args) as { c: number }
      ).c
    expect(costSince(db, {}, since)).toBe(sum(''))
    expect(costSince(db, { virtualKey: 'team-b' }, since)).toBe(sum('AND virtual_key = ?', 'team-b'))
    expect(costSince(db, { route: 'fast' }, since)).toBe(sum('AND route = ?', 'fast'))
    expect(costSince(db, { virtualKey: 'team-a', route: 'smart' }, since)).toBe(
      sum('AND virtual_key = ? AND route = ?', 'team-a', 'smart'),
    )
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
