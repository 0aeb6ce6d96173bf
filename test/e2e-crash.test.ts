/**
 * Crash safety of the spend ledger: Headroom as its own process under load, killed. SIGTERM flushes
 * before exit and loses no row of a request the client saw complete; SIGKILL loses at most the rows of
 * one flush interval (100 ms).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator } from '../src/simulator/index.ts'
import type { Simulator } from '../src/simulator/types.ts'

const ROOT = join(import.meta.dirname, '..')
let sim: Simulator
beforeAll(async () => {
  sim = await startSimulator()
})
afterAll(async () => {
  await sim?.close()
})

async function launch(dir: string): Promise<{ proc: ChildProcess; url: string; db: string }> {
  const config = join(dir, 'routes.yaml')
  writeFileSync(
    config,
    `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: k }\nroutes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n`,
  )
  const db = join(dir, 'spend.db')
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'start', '--config', config, '--port', '0'],
    {
      env: { ...process.env, HEADROOM_DB: db },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let err = ''
    const t = setTimeout(() => reject(new Error(`no start in 20 s: ${err}`)), 20_000)
    proc.stderr!.on('data', (b: Buffer) => {
      err += b.toString()
      const m = /listening on (http:\/\/\S+)/.exec(err)
      if (m) {
        clearTimeout(t)
        resolve(m[1]!)
      }
    })
    proc.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)))
  })
  return { proc, url, db }
}

/** Load with 4 clients for `ms` or until the server is gone; returns the times at which responses completed. */
async function load(url: string, ms: number): Promise<number[]> {
  const done: number[] = []
  const end = Date.now() + ms
  let gone = false
  const body = JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] })
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < end && !gone) {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).catch(() => null)
        if (res === null) gone = true
        else if (
          res.status === 200 &&
          (await res.text().then(
            () => true,
            () => false,
          ))
        )
          done.push(Date.now())
      }
    }),
  )
  return done
}

function okRows(db: string): number {
  const d = new Database(db, { readonly: true })
  try {
    return (d.prepare("SELECT COUNT(*) AS n FROM spend WHERE outcome = 'ok'").get() as { n: number }).n
  } finally {
    d.close()
  }
}

describe('spend ledger under a crash', () => {
  it('SIGTERM: every request the client saw complete has its row', async () => {
    const { proc, url, db } = await launch(mkdtempSync(join(tmpdir(), 'headroom-term-')))
    const completed = await load(url, 1500)
    const exited = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGTERM')
    await exited
    expect(completed.length).toBeGreaterThan(50)
    expect(okRows(db)).toBeGreaterThanOrEqual(completed.length)
  }, 30_000)

  it('SIGKILL: at most the rows of one flush interval are lost', async () => {
    const { proc, url, db } = await launch(mkdtempSync(join(tmpdir(), 'headroom-kill-')))
    const loading = load(url, 60_000)
    await new Promise((r) => setTimeout(r, 1500))
    const exited = new Promise((r) => proc.once('exit', r))
    const killedAt = Date.now()
    proc.kill('SIGKILL')
    await exited
    const completed = (await loading).filter((t) => t <= killedAt)
    const lost = completed.length - okRows(db)
    // The last flush interval (100 ms), with slack for a loaded machine's timer and clock skew.
    const lastInterval = completed.filter((t) => t > killedAt - 250).length
    expect(completed.length).toBeGreaterThan(50)
    expect(lost).toBeLessThanOrEqual(lastInterval)
  }, 30_000)
})
