/**
 * `GET /v1/spend?group_by=model&since=7d&until=2026-11-28&key=team-a&route=fast&format=json|csv|table`:
 * the spend table summed, with the same options as the `headroom spend` CLI (admin key).
 */
import type { Context } from 'hono'
import { formatSummary, parseTimeArg, spendSummary, SPEND_GROUP_BYS, type SpendGroupBy } from '../spend/queries.ts'
import { unpricedCalls } from '../spend/summary-format.ts'
import type { SpendDb } from '../spend/db.ts'
import type { AppEnv } from './app.ts'
import { ApiError } from './errors.ts'

const FORMATS = ['json', 'csv', 'table'] as const

function time(c: Context<AppEnv>, name: string, now: number): number | undefined {
  const v = c.req.query(name)
  if (v === undefined || v === '') return undefined
  try {
    return parseTimeArg(v, now)
  } catch {
    throw new ApiError(400, `Invalid ${name} "${v}": use an ISO date or time (2026-11-01, 2026-11-01T12:00:00Z) or a duration back from now (30m, 24h, 7d).`, 'invalid_value', name)
  }
}

export function spendReport(c: Context<AppEnv>, db: SpendDb, now: number, flush: () => void): Response {
  const groupBy = (c.req.query('group_by') ?? 'model') as SpendGroupBy
  if (!SPEND_GROUP_BYS.includes(groupBy)) {
    throw new ApiError(400, `Invalid group_by "${groupBy}": use one of ${SPEND_GROUP_BYS.join(', ')}.`, 'invalid_value', 'group_by')
  }
  const format = (c.req.query('format') ?? 'json') as (typeof FORMATS)[number]
  if (!FORMATS.includes(format)) throw new ApiError(400, `Invalid format "${format}": use json, csv or table.`, 'invalid_value', 'format')
  const since = time(c, 'since', now)
  const until = time(c, 'until', now)
  // What is still queued in memory belongs in the answer too.
  flush()
  const rows = spendSummary(db, { groupBy, since, until, virtualKey: c.req.query('key') || undefined, route: c.req.query('route') || undefined })
  if (format === 'json') {
    return c.json({
      object: 'list',
      group_by: groupBy,
      since: since === undefined ? null : new Date(since).toISOString(),
      until: until === undefined ? null : new Date(until).toISOString(),
      // Calls whose model had no price: their cost is counted as $0 in `data`.
      unpriced_calls: unpricedCalls(rows),
      data: rows,
    })
  }
  return c.body(formatSummary(rows, format), 200, { 'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8' })
}
