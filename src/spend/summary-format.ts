/**
 * Spend summaries as text: an aligned table for people, CSV for spreadsheets, JSON for programs. All three
 * name things alike, in snake_case like the spend table's columns: a column per group key (`day`, `model`,
 * …), then the measures below.
 */
import type { SpendSummary, SpendSummaryRow, SpendTotals } from './queries.ts'

export type SummaryFormat = 'table' | 'csv' | 'json'
export const SUMMARY_FORMATS: readonly SummaryFormat[] = ['table', 'csv', 'json']

/** The measures, in output order, with the table's shorter heading for the token counts. */
const MEASURES: ReadonlyArray<{ name: string; heading?: string; of: (t: SpendTotals) => number | string }> = [
  { name: 'requests', of: (t) => t.requests },
  { name: 'attempts', of: (t) => t.attempts },
  { name: 'prompt_tokens', heading: 'prompt', of: (t) => t.promptTokens },
  { name: 'cached_tokens', heading: 'cached', of: (t) => t.cachedTokens },
  { name: 'cache_write_tokens', heading: 'cache_write', of: (t) => t.cacheWriteTokens },
  { name: 'completion_tokens', heading: 'completion', of: (t) => t.completionTokens },
  { name: 'reasoning_tokens', heading: 'reasoning', of: (t) => t.reasoningTokens },
  { name: 'cost_microcents', of: (t) => t.costMicrocents },
  { name: 'cost_usd', of: (t) => t.costUsd },
  { name: 'unpriced_calls', of: (t) => t.unpricedCalls },
]

/** The JSON of `headroom spend --format json` and `GET /v1/spend`. */
export interface SpendDocument {
  object: 'list'
  group_by: string[]
  since: string | null
  until: string | null
  /** Calls whose model had no price: their cost is counted as $0. */
  unpriced_calls: number
  data: Array<Record<string, string | number | null>>
  total: Record<string, string | number>
}

export function spendDocument(s: SpendSummary): SpendDocument {
  return {
    object: 'list',
    group_by: s.groupBy,
    since: s.since === undefined ? null : new Date(s.since).toISOString(),
    until: s.until === undefined ? null : new Date(s.until).toISOString(),
    unpriced_calls: s.total.unpricedCalls,
    data: s.rows.map((r) => ({
      ...Object.fromEntries(s.groupBy.map((k, i) => [k, r.group[i] ?? null])),
      ...measures(r),
    })),
    total: measures(s.total),
  }
}

function measures(t: SpendTotals): Record<string, string | number> {
  return Object.fromEntries(MEASURES.map((m) => [m.name, m.of(t)]))
}

export function formatSummary(s: SpendSummary, format: SummaryFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(spendDocument(s), null, 2)}\n`
    case 'csv':
      return formatCsv(s)
    case 'table':
      return formatTable(s)
    default: {
      const exhaustive: never = format
      throw new RangeError(`unknown format "${String(exhaustive)}"`)
    }
  }
}

function formatCsv(s: SpendSummary): string {
  const lines = [[...s.groupBy, ...MEASURES.map((m) => m.name)].join(',')]
  for (const r of s.rows)
    lines.push([...r.group.map((g) => csvField(g ?? '')), ...MEASURES.map((m) => m.of(r))].join(','))
  return `${lines.join('\n')}\n`
}

/**
 * RFC 4180: quote a field holding a comma, quote or line break (or edge spaces, which some readers trim), doubling its
 * quotes.
 */
function csvField(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The table leaves out cost_microcents (cost_usd says it) and unpriced_calls (a line under the total says it). */
const TABLE_MEASURES = MEASURES.filter((m) => m.name !== 'cost_microcents' && m.name !== 'unpriced_calls')

function formatTable(s: SpendSummary): string {
  if (s.rows.length === 0) return 'no spend recorded for this selection\n'
  const header = [...s.groupBy, ...TABLE_MEASURES.map((m) => m.heading ?? m.name)]
  const cells = (t: SpendTotals) => TABLE_MEASURES.map((m) => cell(m.of(t)))
  const body = s.rows.map((r: SpendSummaryRow) => [
    ...r.group.map((g) => (g === null ? '(none)' : printable(g))),
    ...cells(r),
  ])
  const totalRow = ['total', ...s.groupBy.slice(1).map(() => ''), ...cells(s.total)]
  const all = [header, ...body, totalRow]
  const groups = s.groupBy.length
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)))
  const line = (row: string[]) =>
    row
      .map((c, i) => (i < groups ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const table = [line(header), rule, ...body.map(line), rule, line(totalRow)]
  const unpriced = s.total.unpricedCalls
  if (unpriced > 0)
    table.push(
      `${cell(unpriced)} call${unpriced === 1 ? '' : 's'} unpriced: no price for the model, so counted at $0 above (headroom check names the route targets)`,
    )
  return `${table.join('\n')}\n`
}

/** Counts with thousands separators; the exact USD decimal as it is. */
const cell = (v: number | string) => (typeof v === 'number' ? v.toLocaleString('en-US') : v)

/** Group names come from clients (`user`): control characters would reach the terminal, so they are shown escaped. */
function printable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
