/**
 * SQLite errors that are about the spend database file itself — corrupt, not a database, read-only, a
 * failing or full disk — as opposed to a lock that passes. Each comes with what the operator should do,
 * at start-up (where the file can simply be changed) and while running (where queued rows are at stake).
 * Codes: https://www.sqlite.org/rescode.html
 */
import { accessSync, constants, statSync } from 'node:fs'
import { dirname } from 'node:path'

export interface FileTrouble {
  /** The SQLite code family, e.g. `SQLITE_CORRUPT` for `SQLITE_CORRUPT_INDEX`. */
  readonly code: string
  readonly cause: string
  /** What to do when it is found at start-up. */
  readonly atOpen: string
  /** What to do when writing fails with it while running. */
  readonly whileRunning: string
}

const ELSEWHERE = 'or set HEADROOM_DB to another path.'
const REPLACE_WHILE_RUNNING =
  'Spend cannot be recorded into it again: stop Headroom, move the file aside (`sqlite3 FILE .recover` salvages its rows) and start again; rows queued in memory until then are lost at the stop.'

const TROUBLES: readonly FileTrouble[] = [
  {
    code: 'SQLITE_NOTADB',
    cause: 'the file is not a SQLite database',
    atOpen: `Move it aside ${ELSEWHERE}`,
    whileRunning: REPLACE_WHILE_RUNNING,
  },
  {
    code: 'SQLITE_CORRUPT',
    cause: 'the database file is corrupt',
    atOpen: `Move it aside (\`sqlite3 FILE .recover\` salvages its rows) ${ELSEWHERE}`,
    whileRunning: REPLACE_WHILE_RUNNING,
  },
  {
    code: 'SQLITE_READONLY',
    cause: 'the database is read-only',
    atOpen: `Make the file and its directory writable by this user, ${ELSEWHERE}`,
    whileRunning: 'Make the file and its directory writable again; queued rows are written as soon as they are.',
  },
  {
    code: 'SQLITE_IOERR',
    cause: 'the disk reported an I/O error',
    atOpen: `Check the disk, ${ELSEWHERE}`,
    whileRunning: 'Check the disk; the writer keeps retrying, and queued rows are written once it succeeds.',
  },
  {
    code: 'SQLITE_FULL',
    cause: 'the disk is full',
    atOpen: `Free some space, ${ELSEWHERE}`,
    whileRunning: 'Free some space; the writer keeps retrying, and queued rows are written once it succeeds.',
  },
  {
    code: 'SQLITE_CANTOPEN',
    cause: 'the file cannot be opened',
    atOpen: `Check its path and permissions, ${ELSEWHERE}`,
    whileRunning: 'Was the file or its directory removed? Restore it, or restart Headroom to create a new one.',
  },
]

export function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null
}

/** The trouble an error means for the file, or null (a lock, a row error, anything not about the file). */
export function fileTrouble(err: unknown): FileTrouble | null {
  const code = sqliteCode(err)
  if (code === null) return null
  return TROUBLES.find((t) => code === t.code || code.startsWith(`${t.code}_`)) ?? null
}

/**
 * Why a file could not be opened, as precisely as the file system tells: SQLite says only
 * "unable to open database file". Start-up only (synchronous file-system calls).
 */
export function diagnoseCantOpen(path: string): Pick<FileTrouble, 'cause' | 'atOpen'> | null {
  const dir = dirname(path)
  try {
    if (statSync(path).isDirectory())
      return { cause: 'the path is a directory', atOpen: 'Set HEADROOM_DB to a file path.' }
  } catch {
    // no such file: SQLite would create it, in `dir`
  }
  try {
    accessSync(dir, constants.W_OK)
  } catch {
    return {
      cause: `its directory ${dir} is not writable (the database and its -wal and -shm files live there)`,
      atOpen: `Make it writable by this user, ${ELSEWHERE}`,
    }
  }
  return null
}
