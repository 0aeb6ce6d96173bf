/**
 * `headroom spend`: spend totals from the ledger, grouped and filtered, as a table, CSV or JSON.
 * Reads the database read-only, so it is safe beside a running router (WAL lets both proceed).
 */
import type { Command } from 'commander'
import { headroomCommand, runCommand, UsageError, type Write } from '../lib/cli-command.ts'
import { NotASpendDbError, openSpendDb, type SpendDb } from './db.ts'
import { isPostgresUrl, openPgSpendDb, pgSpendSummary } from './pg.ts'
import { parseGroupBy, SPEND_GROUP_BYS, type SpendSummaryQuery, spendSummary } from './queries.ts'
import { formatSummary, SUMMARY_FORMATS, type SummaryFormat } from './summary-format.ts'
import { parseTimeArg } from './time-arg.ts'

export interface SpendCommandIo {
  env?: NodeJS.ProcessEnv
  out?: Write
  now?: () => number
}

interface SpendFlags {
  db?: string
  groupBy: string
  since?: string
  until?: string
  key?: string
  route?: string
  format: string
}

export function spendCli(io: SpendCommandIo = {}): Command {
  return headroomCommand(
    'spend',
    'Spend totals from the spend table, grouped and filtered (safe beside a running router).',
    [
      'npx headroom spend --since today',
      'npx headroom spend --by day,model --since this-month',
      'npx headroom spend --by key --since last-month --until this-month --format csv',
    ],
    io.out,
  )
    .option(
      '--db <path>',
      'the spend database, a SQLite file or a postgres:// URL (default: $HEADROOM_DB, else ./headroom.db)',
    )
    .option(
      '--by, --group-by <keys>',
      `a row per value of each, comma-separated: ${SPEND_GROUP_BYS.join(', ')}`,
      'model',
    )
    .option(
      '--since <time>',
      'from this time, inclusive: 2026-11-01, 2026-11-01T09:30Z (UTC unless an offset is given), 30m, 24h, 7d, 2w back from now, or the start (UTC) of today, yesterday, this-month, last-month (default: the first row)',
    )
    .option('--until <time>', 'to this time, exclusive, in the same forms (default: now)')
    .option('--key <name>', 'only this client key (default: all)')
    .option('--route <name>', 'only this route (default: all)')
    .option('--format <format>', `${SUMMARY_FORMATS.join(', ')}`, 'table')
    .action((flags: SpendFlags) => spend(flags, io))
}

/** `headroom spend …argv`. */
export function spendCommand(argv: string[], io: SpendCommandIo = {}): Promise<void> {
  return runCommand(spendCli(io), argv)
}

async function spend(flags: SpendFlags, io: SpendCommandIo): Promise<void> {
  const env = io.env ?? process.env
  const out = io.out ?? ((text: string) => void process.stdout.write(text))
  const now = (io.now ?? Date.now)()

  const groupBy = parsed('--group-by', () => parseGroupBy(flags.groupBy))
  const format = oneOf<SummaryFormat>('--format', flags.format, SUMMARY_FORMATS)
  const query: SpendSummaryQuery = { groupBy }
  if (flags.since !== undefined) query.since = parsed('--since', () => parseTimeArg(flags.since!, now))
  if (flags.until !== undefined) query.until = parsed('--until', () => parseTimeArg(flags.until!, now))
  if (query.since !== undefined && query.until !== undefined && query.since >= query.until) {
    throw new UsageError(
      `--since (${new Date(query.since).toISOString()}) must be before --until (${new Date(query.until).toISOString()})`,
    )
  }
  if (flags.key !== undefined) query.virtualKey = flags.key
  if (flags.route !== undefined) query.route = flags.route

  const path = flags.db ?? env.HEADROOM_DB ?? './headroom.db'
  if (isPostgresUrl(path)) {
    const pg = await openPgSpendDb(path, { readonly: true, maxConnections: 2 })
    try {
      out(formatSummary(await pgSpendSummary(pg, query), format))
    } finally {
      await pg.close()
    }
    return
  }
  let db: SpendDb
  try {
    // Read-only: a mistyped path must not leave an empty database behind.
    db = openSpendDb(path, { readonly: true })
  } catch (err) {
    const why = err instanceof NotASpendDbError ? err.message : `${path}: ${(err as Error).message}`
    throw new UsageError(`${why} (set --db PATH or HEADROOM_DB)`)
  }
  try {
    out(formatSummary(spendSummary(db, query), format))
  } finally {
    db.close()
  }
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${value}"`)
}

/** `parse()`, its RangeError a usage error naming the flag. */
function parsed<T>(flag: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`)
  }
}
