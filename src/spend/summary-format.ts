/**
 * Spend summaries as text: an aligned table for people, CSV for spreadsheets, JSON for programs.
 */
import { microcentsToUsd, usdToMicrocents } from './money.ts'
import type { SpendSummaryRow } from './queries.ts'

export type SummaryFormat = 'table' | 'csv' | 'json'
export const SUMMARY_FORMATS: readonly SummaryFormat[] = ['table', 'csv', 'json']

const TOKEN_FIELDS = ['promptTokens', 'cachedTokens', 'cacheWriteTokens', 'completionTokens', 'reasoningTokens'] as const

export function formatSummary(rows: readonly SpendSummaryRow[], format: SummaryFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(rows, null, 2) + '\n'
    case 'csv':
      return formatCsv(rows)
    case 'table':
      return formatTable(rows)
    default: {
      const exhaustive: never = format
      throw new RangeError(`unknown format "${String(exhaustive)}"`)
    }
  }
}

function formatCsv(rows: readonly SpendSummaryRow[]): string {
  const header = ['group', 'requests', 'attempts', 'prompt_tokens', 'cached_tokens', 'cache_write_tokens', 'completion_tokens', 'reasoning_tokens', 'cost_microcents', 'cost_usd', 'unpriced_calls']
  const lines = [header.join(',')]
  for (const r of rows) {
    lines.push([csvField(r.group ?? ''), r.requests, r.attempts, ...TOKEN_FIELDS.map((f) => r[f]), r.costMicrocents, r.costUsd, r.unpricedCalls].join(','))
  }
  return lines.join('\n') + '\n'
}

/** RFC 4180: quote a field holding a comma, quote or line break (or edge spaces, which some readers trim), doubling its quotes. */
function csvField(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

function formatTable(rows: readonly SpendSummaryRow[]): string {
  if (rows.length === 0) return 'no spend recorded for this selection\n'
  const header = ['group', 'requests', 'attempts', 'prompt', 'cached', 'cache write', 'completion', 'reasoning', 'cost (USD)']
  const body = rows.map((r) => [
    r.group === null ? '(none)' : printable(r.group),
    count(r.requests),
    count(r.attempts),
    ...TOKEN_FIELDS.map((f) => count(r[f])),
    r.costUsd,
  ])
  // Requests are left out of the total: one request that failed over between two models or
  // providers counts in both groups, so their sum would overstate it.
  let cost = 0n
  for (const r of rows) cost += usdToMicrocents(r.costUsd)
  const totalRow = [
    'total',
    '',
    count(rows.reduce((n, r) => n + r.attempts, 0)),
    ...TOKEN_FIELDS.map((f) => count(rows.reduce((n, r) => n + r[f], 0))),
    microcentsToUsd(cost),
  ]
  const all = [header, ...body, totalRow]
  const widths = header.map((_, i) => Math.max(...all.map((cells) => cells[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const table = [line(header), rule, ...body.map(line), rule, line(totalRow)]
  const unpriced = unpricedCalls(rows)
  if (unpriced > 0) table.push(`${count(unpriced)} call${unpriced === 1 ? '' : 's'} unpriced: no price for the model, so counted at $0 above (headroom check names the route targets)`)
  return table.join('\n') + '\n'
}

/** Unpriced calls over all groups (each attempt is in exactly one group, so the sum counts each once). */
export function unpricedCalls(rows: readonly SpendSummaryRow[]): number {
  return rows.reduce((n, r) => n + r.unpricedCalls, 0)
}

const count = (n: number) => n.toLocaleString('en-US')

/** Group names come from clients (`user`): control characters would reach the terminal, so they are shown escaped. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
