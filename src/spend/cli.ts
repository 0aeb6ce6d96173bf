/**
 * `headroom spend`: spend totals from the ledger, grouped and filtered, as a table, CSV or JSON.
 * Reads the database read-only, so it is safe beside a running router (WAL lets both proceed).
 */
import { parseArgs } from 'node:util'
import { NotASpendDbError, openSpendDb, type SpendDb } from './db.ts'
import { SPEND_GROUP_BYS, formatSummary, parseTimeArg, spendSummary, type SpendGroupBy, type SpendSummaryQuery } from './queries.ts'
import { SUMMARY_FORMATS, type SummaryFormat } from './summary-format.ts'

export const SPEND_USAGE = `usage: headroom spend [options]
  --db PATH          the spend database (default: $HEADROOM_DB, else ./headroom.db)
  --group-by G       ${SPEND_GROUP_BYS.join(' | ')} (default: model)
  --since T          from T, inclusive: 2026-11-01, 2026-11-01T09:30Z (UTC unless an offset is given), or 30m, 24h, 7d, 2w ago
  --until T          to T, exclusive (same forms)
  --key NAME         only this virtual key
  --route NAME       only this route
  --format F         ${SUMMARY_FORMATS.join(' | ')} (default: table)`

/** A bad flag or an unusable database: the main CLI prints the message (and usage) and exits with `exitCode`. */
export class SpendUsageError extends Error {
  override readonly name = 'SpendUsageError'
  readonly exitCode = 2
}

export interface SpendCommandIo {
  env?: NodeJS.ProcessEnv
  out?: (text: string) => void
  now?: () => number
}

export async function spendCommand(argv: string[], io: SpendCommandIo = {}): Promise<void> {
  const env = io.env ?? process.env
  const out = io.out ?? ((text: string) => void process.stdout.write(text))
  const now = (io.now ?? Date.now)()

  let values: ReturnType<typeof parse>['values']
  try {
    values = parse(argv).values
  } catch (err) {
    throw new SpendUsageError(`headroom spend: ${(err as Error).message}\n${SPEND_USAGE}`)
  }
  if (values.help) {
    out(SPEND_USAGE + '\n')
    return
  }

  const groupBy = oneOf<SpendGroupBy>('--group-by', values['group-by'] ?? 'model', SPEND_GROUP_BYS)
  const format = oneOf<SummaryFormat>('--format', values.format ?? 'table', SUMMARY_FORMATS)
  const query: SpendSummaryQuery = { groupBy }
  if (values.since !== undefined) query.since = time('--since', values.since, now)
  if (values.until !== undefined) query.until = time('--until', values.until, now)
  if (query.since !== undefined && query.until !== undefined && query.since >= query.until) {
    throw new SpendUsageError(`headroom spend: --since (${new Date(query.since).toISOString()}) must be before --until (${new Date(query.until).toISOString()})`)
  }
  if (values.key !== undefined) query.virtualKey = values.key
  if (values.route !== undefined) query.route = values.route

  const path = values.db ?? env.HEADROOM_DB ?? './headroom.db'
  let db: SpendDb
  try {
    // Read-only: a mistyped path must not leave an empty database behind.
    db = openSpendDb(path, { readonly: true })
  } catch (err) {
    const why = err instanceof NotASpendDbError ? err.message : `${path}: ${(err as Error).message}`
    throw new SpendUsageError(`headroom spend: ${why} (set --db PATH or HEADROOM_DB)`)
  }
  try {
    out(formatSummary(spendSummary(db, query), format))
  } finally {
    db.close()
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      db: { type: 'string' },
      'group-by': { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      key: { type: 'string' },
      route: { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new SpendUsageError(`headroom spend: ${flag} must be one of ${allowed.join(', ')}; got "${value}"`)
}

function time(flag: string, value: string, now: number): number {
  try {
    return parseTimeArg(value, now)
  } catch (err) {
    throw new SpendUsageError(`headroom spend: ${flag}: ${(err as Error).message}`)
  }
}
