/**
 * `GET /v1/spend?group_by=day,model&since=7d&until=2026-11-28&key=team-a&route=fast&format=json|csv|table`:
 * the spend table summed, with the same options and the same output as the `headroom spend` CLI (admin key).
 */
import type { Context } from 'hono'
import { ApiError } from '../lib/api-error.ts'
import { parseGroupBy, type SpendGroupBy } from '../spend/queries.ts'
import { type AnySpendDb, summaryOf } from '../spend/store.ts'
import { formatSummary, SUMMARY_FORMATS, type SummaryFormat, spendDocument } from '../spend/summary-format.ts'
import { parseTimeArg } from '../spend/time-arg.ts'
import type { AppEnv } from './types.ts'

function time(c: Context<AppEnv>, name: string, now: number): number | undefined {
  const v = c.req.query(name)
  if (v === undefined || v === '') return undefined
  try {
    return parseTimeArg(v, now)
  } catch (err) {
    throw new ApiError(400, `Invalid ${name}: ${(err as Error).message}.`, 'invalid_value', name)
  }
}

function groupBy(c: Context<AppEnv>): SpendGroupBy[] {
  const v = c.req.query('group_by') || 'model'
  try {
    return parseGroupBy(v)
  } catch (err) {
    throw new ApiError(400, `Invalid group_by: ${(err as Error).message}.`, 'invalid_value', 'group_by')
  }
}

export async function spendReport(
  c: Context<AppEnv>,
  db: AnySpendDb,
  now: number,
  flush: () => Promise<void>,
): Promise<Response> {
  const by = groupBy(c)
  const format = (c.req.query('format') ?? 'json') as SummaryFormat
  if (!SUMMARY_FORMATS.includes(format))
    throw new ApiError(400, `Invalid format "${format}": use ${SUMMARY_FORMATS.join(', ')}.`, 'invalid_value', 'format')
  const since = time(c, 'since', now)
  const until = time(c, 'until', now)
  if (since !== undefined && until !== undefined && since >= until) {
    throw new ApiError(
      400,
      `Invalid until: ${new Date(until).toISOString()} is not after since (${new Date(since).toISOString()}).`,
      'invalid_value',
      'until',
    )
  }
  // What is still queued in memory belongs in the answer too.
  await flush()
  const summary = await summaryOf(db, {
    groupBy: by,
    since,
    until,
    virtualKey: c.req.query('key') || undefined,
    route: c.req.query('route') || undefined,
  })
  if (format === 'json') return c.json(spendDocument(summary))
  return c.body(formatSummary(summary, format), 200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8',
  })
}
