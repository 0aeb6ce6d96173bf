import { describe, expect, it } from 'vitest'
import type { SpendGroupBy, SpendSummary, SpendSummaryRow, SpendTotals } from './queries.ts'
import { formatSummary, spendDocument } from './summary-format.ts'

const usd = (micro: number) => `${Math.floor(micro / 1e8)}.${String(micro % 1e8).padStart(8, '0')}`

function row(group: Array<string | null>, costMicrocents: number, n = 1, unpricedCalls = 0): SpendSummaryRow {
  return {
    group,
    requests: n,
    attempts: n + 1,
    unpricedCalls,
    promptTokens: 1_000 * n,
    cachedTokens: 10 * n,
    cacheWriteTokens: 0,
    completionTokens: 200 * n,
    reasoningTokens: 5 * n,
    costMicrocents,
    costUsd: usd(costMicrocents),
  }
}

/** The rows summed, with `requests` as given: over a selection it counts distinct requests, not the groups' sum. */
function summary(
  groupBy: SpendGroupBy[],
  rows: SpendSummaryRow[],
  requests = rows.reduce((n, r) => n + r.requests, 0),
  window: { since?: number; until?: number } = {},
): SpendSummary {
  const sum = (f: (r: SpendSummaryRow) => number) => rows.reduce((n, r) => n + f(r), 0)
  const cost = sum((r) => r.costMicrocents)
  const total: SpendTotals = {
    requests,
    attempts: sum((r) => r.attempts),
    unpricedCalls: sum((r) => r.unpricedCalls),
    promptTokens: sum((r) => r.promptTokens),
    cachedTokens: sum((r) => r.cachedTokens),
    cacheWriteTokens: sum((r) => r.cacheWriteTokens),
    completionTokens: sum((r) => r.completionTokens),
    reasoningTokens: sum((r) => r.reasoningTokens),
    costMicrocents: cost,
    costUsd: usd(cost),
  }
  return { groupBy, rows, total, ...window }
}

const ROWS = [row(['gpt-4.1-mini'], 123_456_789, 1_200), row(['claude "sonnet", 4.5'], 50, 3), row([null], 7, 1)]
const BY_MODEL = summary(['model'], ROWS, 1_203) // one request failed over between two models
const MEASURES = [
  'requests',
  'attempts',
  'prompt_tokens',
  'cached_tokens',
  'cache_write_tokens',
  'completion_tokens',
  'reasoning_tokens',
  'cost_microcents',
  'cost_usd',
  'unpriced_calls',
]

describe('formatSummary', () => {
  it('table: a column per group key, aligned, (none) for null, a total line with every column filled', () => {
    const lines = formatSummary(BY_MODEL, 'table').trimEnd().split('\n')
    expect(lines).toHaveLength(7) // header, rule, 3 rows, rule, total
    expect(lines[0]).toMatch(
      /^model\s+requests\s+attempts\s+prompt\s+cached\s+cache_write\s+completion\s+reasoning\s+cost_usd$/,
    )
    expect(lines[2]).toMatch(/^gpt-4\.1-mini\s+1,200\s+1,201\s+1,200,000\s.*1\.23456789$/)
    expect(lines[4]).toMatch(/^\(none\)\s/)
    // requests over the selection (1,203, not 1,204); attempts 1,201 + 4 + 2; cost 123456789 + 50 + 7
    expect(lines[6]).toMatch(/^total\s+1,203\s+1,207\s+1,204,000\s+12,040\s+0\s+240,800\s+6,020\s+1\.23456846$/)
    // Right-aligned numbers: every line ends at the same column.
    expect(new Set(lines.map((l) => l.length)).size).toBe(1)
  })

  it('table: several group keys, each its own column; the total under the first', () => {
    const s = summary(
      ['day', 'model'],
      [
        row(['2026-11-01', 'gpt-4.1-mini'], 300, 2),
        row(['2026-11-01', 'claude-haiku-4-5'], 200, 1),
        row(['2026-11-02', 'gpt-4.1-mini'], 100, 1),
      ],
      4,
    )
    const lines = formatSummary(s, 'table').trimEnd().split('\n')
    expect(lines[0]).toMatch(/^day {9}model {13}requests\s/)
    expect(lines[2]).toMatch(/^2026-11-01 {2}gpt-4\.1-mini\s+2\s/)
    expect(lines[3]).toMatch(/^2026-11-01 {2}claude-haiku-4-5\s+1\s/)
    expect(lines.at(-1)).toMatch(/^total {32}4\s+7\s.*0\.00000600$/) // under day and model: blank
    expect(new Set(lines.map((l) => l.length)).size).toBe(1)
  })

  it('table: says under the total how many calls were unpriced (counted at $0), and only when some were', () => {
    const lines = formatSummary(
      summary(['model'], [row(['gpt-4.1-mini'], 5_000, 10), row(['o1-mini'], 0, 3, 3), row(['my-finetune'], 0, 1, 1)]),
      'table',
    )
      .trimEnd()
      .split('\n')
    expect(lines.at(-2)).toMatch(/^total\s/)
    expect(lines.at(-1)).toMatch(/^4 calls unpriced: no price for the model, so counted at \$0 above/)
    expect(formatSummary(summary(['model'], [row(['o1-mini'], 0, 1, 1)]), 'table')).toContain('\n1 call unpriced:')
    expect(formatSummary(BY_MODEL, 'table')).not.toContain('unpriced')
  })

  it('table: escapes control characters a client put in a group name', () => {
    expect(formatSummary(summary(['user'], [row(['evil\u001b[2Juser'], 1)]), 'table')).toContain('evil\\x1b[2Juser')
  })

  it('table: says so when there is nothing', () => {
    expect(formatSummary(summary(['model'], []), 'table')).toBe('no spend recorded for this selection\n')
  })

  it('csv: a header of snake_case names, then one quoted-as-needed line per group', () => {
    expect(formatSummary(BY_MODEL, 'csv')).toBe(
      `model,${MEASURES.join(',')}\n` +
        'gpt-4.1-mini,1200,1201,1200000,12000,0,240000,6000,123456789,1.23456789,0\n' +
        '"claude ""sonnet"", 4.5",3,4,3000,30,0,600,15,50,0.00000050,0\n' +
        ',1,2,1000,10,0,200,5,7,0.00000007,0\n',
    )
    expect(
      formatSummary(summary(['day', 'key'], [row(['2026-11-01', 'team-a'], 9)]), 'csv')
        .split('\n')
        .slice(0, 2),
    ).toEqual([`day,key,${MEASURES.join(',')}`, '2026-11-01,team-a,1,2,1000,10,0,200,5,9,0.00000009,0'])
    expect(formatSummary(summary(['model'], []), 'csv').split('\n')).toHaveLength(2) // header only
  })

  it('json: the same names as the CSV, a key per group key, the total, the window', () => {
    const s = summary(['day', 'model'], [row(['2026-11-01', 'o1-mini'], 0, 3, 3)], 3, { since: Date.UTC(2026, 10, 1) })
    const doc = JSON.parse(formatSummary(s, 'json'))
    expect(doc).toEqual(spendDocument(s))
    expect(doc).toEqual({
      object: 'list',
      group_by: ['day', 'model'],
      since: '2026-11-01T00:00:00.000Z',
      until: null,
      unpriced_calls: 3,
      data: [
        {
          day: '2026-11-01',
          model: 'o1-mini',
          requests: 3,
          attempts: 4,
          prompt_tokens: 3000,
          cached_tokens: 30,
          cache_write_tokens: 0,
          completion_tokens: 600,
          reasoning_tokens: 15,
          cost_microcents: 0,
          cost_usd: '0.00000000',
          unpriced_calls: 3,
        },
      ],
      total: {
        requests: 3,
        attempts: 4,
        prompt_tokens: 3000,
        cached_tokens: 30,
        cache_write_tokens: 0,
        completion_tokens: 600,
        reasoning_tokens: 15,
        cost_microcents: 0,
        cost_usd: '0.00000000',
        unpriced_calls: 3,
      },
    })
    expect(Object.keys(doc.data[0]).slice(2)).toEqual(MEASURES)
    expect(JSON.parse(formatSummary(summary(['model'], []), 'json')).data).toEqual([])
  })
})
