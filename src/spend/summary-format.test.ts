import { describe, expect, it } from 'vitest'
import type { SpendSummaryRow } from './queries.ts'
import { formatSummary } from './summary-format.ts'

function row(group: string | null, costMicrocents: number, n = 1, unpricedCalls = 0): SpendSummaryRow {
  const usd = `${Math.floor(costMicrocents / 1e8)}.${String(costMicrocents % 1e8).padStart(8, '0')}`
  return { group, requests: n, attempts: n + 1, unpricedCalls, promptTokens: 1_000 * n, cachedTokens: 10 * n, cacheWriteTokens: 0, completionTokens: 200 * n, reasoningTokens: 5 * n, costMicrocents, costUsd: usd }
}

const ROWS = [row('gpt-4.1-mini', 123_456_789, 1_200), row('claude "sonnet", 4.5', 50, 3), row(null, 7, 1)]

describe('formatSummary', () => {
  it('table: aligned columns, (none) for null, a total line with the exact sum', () => {
    const text = formatSummary(ROWS, 'table')
    const lines = text.trimEnd().split('\n')
    expect(lines).toHaveLength(7) // header, rule, 3 rows, rule, total
    expect(lines[0]).toMatch(/^group\s+requests\s+attempts\s+prompt\s+cached\s+cache write\s+completion\s+reasoning\s+cost \(USD\)$/)
    expect(lines[2]).toMatch(/^gpt-4\.1-mini\s+1,200\s+1,201\s+1,200,000\s.*1\.23456789$/)
    expect(lines[4]).toMatch(/^\(none\)\s/)
    expect(lines[6]).toMatch(/^total\s+1,207\s+1,204,000\s.*1\.23456846$/) // attempts 1,201 + 4 + 2; cost 123456789 + 50 + 7; requests not totalled
    // Right-aligned numbers: every line ends at the same column.
    const widths = new Set(lines.map((l) => l.length))
    expect(widths.size).toBe(1)
  })

  it('table: says under the total how many calls were unpriced (counted at $0), and only when some were', () => {
    const lines = formatSummary([row('gpt-4.1-mini', 5_000, 10), row('o1-mini', 0, 3, 3), row('my-finetune', 0, 1, 1)], 'table').trimEnd().split('\n')
    expect(lines.at(-2)).toMatch(/^total\s/)
    expect(lines.at(-1)).toMatch(/^4 calls unpriced: no price for the model, so counted at \$0 above/)
    expect(formatSummary([row('o1-mini', 0, 1, 1)], 'table')).toContain('\n1 call unpriced:')
    expect(formatSummary(ROWS, 'table')).not.toContain('unpriced')
  })

  it('csv and json: the count per group', () => {
    expect(formatSummary([row('o1-mini', 0, 3, 3)], 'csv').split('\n')[1]).toMatch(/,3$/)
    expect(JSON.parse(formatSummary([row('o1-mini', 0, 3, 3)], 'json'))[0].unpricedCalls).toBe(3)
  })

  it('table: escapes control characters a client put in a group name', () => {
    expect(formatSummary([row('evil\u001b[2Juser', 1)], 'table')).toContain('evil\\x1b[2Juser')
  })

  it('table: says so when there is nothing', () => {
    expect(formatSummary([], 'table')).toBe('no spend recorded for this selection\n')
  })

  it('csv: a header, then one quoted-as-needed line per group', () => {
    expect(formatSummary(ROWS, 'csv')).toBe(
      'group,requests,attempts,prompt_tokens,cached_tokens,cache_write_tokens,completion_tokens,reasoning_tokens,cost_microcents,cost_usd,unpriced_calls\n' +
        'gpt-4.1-mini,1200,1201,1200000,12000,0,240000,6000,123456789,1.23456789,0\n' +
        '"claude ""sonnet"", 4.5",3,4,3000,30,0,600,15,50,0.00000050,0\n' +
        ',1,2,1000,10,0,200,5,7,0.00000007,0\n',
    )
    expect(formatSummary([], 'csv').split('\n')).toHaveLength(2) // header only
  })

  it('json: the rows as an array', () => {
    expect(JSON.parse(formatSummary(ROWS, 'json'))).toEqual(ROWS)
    expect(formatSummary([], 'json')).toBe('[]\n')
  })
})
