/**
 * Start-up failures a user causes — a spend database it cannot use, a port in use, a bad option — as
 * `headroom start` prints them: one line naming what is wrong and what to do, a non-zero exit, no stack
 * trace, and no banner before it.
 */
import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSpendDb } from '../src/spend/db.ts'

const ROOT = join(import.meta.dirname, '..')
/** Permissions mean nothing to root: the read-only cases run the CLI as `nobody` then. */
const AS_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-startup-'))
  chmodSync(dir, 0o777)
  writeFileSync(join(dir, 'routes.yaml'), 'providers:\n  openai: { type: openai, simulate: true }\n')
  return dir
}

function run(
  args: string[],
  env: Record<string, string>,
  asUser = false,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(ROOT, 'bin', 'headroom.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(asUser ? AS_USER : {}),
    })
    let stderr = ''
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    const t = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`still running after 20 s: ${stderr}`))
    }, 20_000)
    proc.once('exit', (code) => {
      clearTimeout(t)
      resolve({ code, stderr })
    })
  })
}

/** `headroom start` with this database path; expects a failure. */
async function startWithDb(dir: string, db: string, asUser = false) {
  return run(['start', '--config', join(dir, 'routes.yaml'), '--port', '0'], { HEADROOM_DB: db }, asUser)
}

function expectOneLine(r: { code: number | null; stderr: string }, line: string | RegExp): void {
  expect(r.code).not.toBe(0)
  expect(r.code).not.toBeNull()
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  if (typeof line === 'string') expect(lines[0]).toBe(line)
  else expect(lines[0]).toMatch(line)
}

describe('a spend database start-up cannot use', () => {
  it('a file that is not a database', async () => {
    const dir = workDir()
    const db = join(dir, 'headroom.db')
    writeFileSync(db, 'not a database, and long enough to have what would be a header. '.repeat(3))
    expectOneLine(
      await startWithDb(dir, db),
      `headroom: cannot open the spend database ${db}: the file is not a SQLite database (SQLITE_NOTADB). Move it aside or set HEADROOM_DB to another path.`,
    )
  })

  it('a path that is a directory', async () => {
    const dir = workDir()
    const db = join(dir, 'headroom.db')
    mkdirSync(db)
    expectOneLine(
      await startWithDb(dir, db),
      `headroom: cannot open the spend database ${db}: the path is a directory (SQLITE_CANTOPEN). Set HEADROOM_DB to a file path.`,
    )
  })

  it('a read-only file', async () => {
    const dir = workDir()
    const db = join(dir, 'headroom.db')
    openSpendDb(db).close()
    chmodSync(db, 0o444)
    expectOneLine(
      await startWithDb(dir, db, true),
      `headroom: cannot open the spend database ${db}: the database is read-only (SQLITE_READONLY). Make the file and its directory writable by this user, or set HEADROOM_DB to another path.`,
    )
  })

  it('a read-only directory', async () => {
    const dir = workDir()
    const ro = join(dir, 'ro')
    mkdirSync(ro, { mode: 0o555 })
    chmodSync(ro, 0o555)
    const db = join(ro, 'headroom.db')
    expectOneLine(
      await startWithDb(dir, db, true),
      new RegExp(
        `^headroom: cannot open the spend database ${db}: its directory ${ro} is not writable .*\\(SQLITE_CANTOPEN\\)\\. Make it writable by this user, or set HEADROOM_DB to another path\\.$`,
      ),
    )
  })
})

describe('other start-up errors', () => {
  it('a port in use: one line, and no banner first', async () => {
    const dir = workDir()
    const taken = createServer()
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r))
    const port = (taken.address() as AddressInfo).port
    try {
      const r = await run(['start', '--config', join(dir, 'routes.yaml'), '--port', String(port)], {
        HEADROOM_DB: join(dir, 'h.db'),
      })
      expectOneLine(r, `headroom: port ${port} is in use: set PORT or --port`)
    } finally {
      taken.close()
    }
  })

  it('a port that is not a number, an unknown option', async () => {
    const dir = workDir()
    const env = { HEADROOM_DB: join(dir, 'h.db') }
    expectOneLine(
      await run(['start', '--config', join(dir, 'routes.yaml'), '--port', 'eighty'], env),
      'headroom: port "eighty" is not a port number (0 to 65535): set PORT or --port',
    )
    expectOneLine(
      await run(['start', '--config', join(dir, 'routes.yaml'), '--prot', '80'], env),
      "headroom: unknown option '--prot' (did you mean --port?); see headroom start --help",
    )
  })
})
