/**
 * Shutting down during a deploy: no new requests are taken, the ones in flight — streams included —
 * finish, and their spend rows are written.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { startHeadroom } from '../src/start.ts'
import { drainText, SIM_KEY, spawnCli, useSimulator } from './harness.ts'

const sim = useSimulator()

it('close(drainMs) lets a stream in flight finish and refuses new requests', async () => {
  sim.configure('openai', 'gpt-4.1-mini', { tokenDelayMs: 20 })
  const hr = await startHeadroom({
    dbPath: ':memory:',
    configText: `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\n`,
    port: 0,
    env: {},
    log: silentLogger,
    simulatorUrl: sim.url,
  })
  const client = new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0 })
  const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ')
  const stream = await client.chat.completions.create({
    model: 'openai/gpt-4.1-mini',
    stream: true,
    messages: [{ role: 'user', content: `reply: ${words}` }],
  })
  const reading = drainText(stream)
  const closing = hr.close(5_000)
  await new Promise((r) => setTimeout(r, 50))
  await expect(fetch(`${hr.url}/health`)).rejects.toThrow()
  const { text, error } = await reading
  expect(error).toBeNull()
  expect(text).toBe(words)
  const t = Date.now()
  await closing
  expect(Date.now() - t).toBeLessThan(1_000) // done once the stream is, not at the 5 s limit
  sim.configure('openai', 'gpt-4.1-mini', { tokenDelayMs: 0 })
})

/**
 * `headroom start` as users run it (the bin launcher, its own process): SIGTERM must reach the server's
 * own handler, so that requests drain, spend is flushed and nothing is left listening.
 */
describe('the headroom launcher', () => {
  it('on SIGTERM: drains, flushes spend, exits 0 and leaves nothing listening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-launcher-'))
    const config = join(dir, 'routes.yaml')
    writeFileSync(config, `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\n`)
    const db = join(dir, 'spend.db')
    // Its own process group, so that the cleanup below also reaches a server the launcher orphaned.
    const cli = spawnCli(config, { HEADROOM_DB: db, HEADROOM_DRAIN_MS: '5000' })
    try {
      const url = await cli.listening()
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'launcher-req-1' },
        body: JSON.stringify({ model: 'openai/gpt-4.1-mini', messages: [{ role: 'user', content: 'reply: ok' }] }),
      })
      expect(res.status).toBe(200)
      await res.text()
      expect(await cli.terminate()).toEqual({ code: 0, signal: null })
      expect(cli.stderr()).toContain('SIGTERM, shutting down')
      await expect(fetch(`${url}/health`)).rejects.toThrow() // no server left answering
      const d = new Database(db, { readonly: true })
      try {
        expect(d.prepare("SELECT COUNT(*) AS n FROM spend WHERE outcome = 'ok'").get()).toEqual({ n: 1 })
      } finally {
        d.close()
      }
    } finally {
      cli.killGroup()
    }
  }, 40_000)
})
