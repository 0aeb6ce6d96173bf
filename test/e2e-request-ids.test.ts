/**
 * Request ids end to end: Headroom always makes its own (`x-request-id`, the spend table's
 * `request_id`, the logs), and keeps a client's sane id beside it (`client_request_id`,
 * `x-client-request-id`), so requests that share a client id never collapse into one.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { describe, expect, it } from 'vitest'
import type { Logger } from '../src/lib/logger.ts'
import { silentLogger } from '../src/lib/logger.ts'
import { MIGRATIONS_DIR } from '../src/spend/db.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { SIM_KEY, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()

async function start(opts: { dbPath?: string; log?: Logger } = {}): Promise<Running> {
  const configText = `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\nroutes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n`
  return track(await startHeadroom({ dbPath: ':memory:', configText, port: 0, env: {}, log: silentLogger, ...opts }))
}

function post(hr: Running, headers: Record<string, string> = {}, model = 'r'): Promise<Response> {
  return fetch(`${hr.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'reply: ok' }] }),
  })
}

interface IdRow {
  request_id: string
  client_request_id: string | null
}

function idRows(hr: Running): IdRow[] {
  hr.spend.flush()
  return hr.db.sqlite.prepare('SELECT request_id, client_request_id FROM spend ORDER BY id').all() as IdRow[]
}

describe('request ids', () => {
  it('20 requests with one client x-request-id stay 20 requests: in the table, in /v1/spend and in the answers', async () => {
    const hr = await start()
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(hr, { 'x-request-id': 'trace-abc-123' })))
    for (const r of answers) {
      expect(r.status).toBe(200)
      await r.text()
      expect(r.headers.get('x-request-id')).toMatch(/^req_/)
      expect(r.headers.get('x-client-request-id')).toBe('trace-abc-123')
    }
    const ours = new Set(answers.map((r) => r.headers.get('x-request-id')))
    expect(ours.size).toBe(20)

    const rows = idRows(hr)
    expect(rows).toHaveLength(20)
    expect(new Set(rows.map((r) => r.request_id))).toEqual(ours)
    expect(rows.every((r) => r.client_request_id === 'trace-abc-123')).toBe(true)

    const report = (await (await fetch(`${hr.url}/v1/spend?group_by=route`)).json()) as {
      data: Array<{ route: string; requests: number }>
    }
    expect(report.data).toEqual([expect.objectContaining({ route: 'r', requests: 20 })])
  })

  it('takes OpenAI’s x-client-request-id too (it wins over x-request-id)', async () => {
    const hr = await start()
    const r = await post(hr, { 'x-client-request-id': 'client-1', 'x-request-id': 'other-2' })
    await r.text()
    expect(r.headers.get('x-client-request-id')).toBe('client-1')
    expect(idRows(hr)).toEqual([{ request_id: r.headers.get('x-request-id'), client_request_id: 'client-1' }])
  })

  it('an insane client id is neither stored nor echoed; no client id is NULL', async () => {
    const hr = await start()
    const insane = ['has spaces', 'x'.repeat(129), 'semi;colon', 'quote"d', '']
    for (const id of insane) {
      const r = await post(hr, { 'x-request-id': id })
      await r.text()
      expect(r.status).toBe(200)
      expect(r.headers.get('x-request-id')).toMatch(/^req_/)
      expect(r.headers.get('x-client-request-id')).toBeNull()
    }
    await (await post(hr)).text()
    const rows = idRows(hr)
    expect(rows).toHaveLength(insane.length + 1)
    expect(rows.every((r) => r.client_request_id === null)).toBe(true)
  })

  it('error answers carry both ids, and the error log names both', async () => {
    const lines: Array<{ msg: string; fields: Record<string, unknown> | undefined }> = []
    const log: Logger = {
      info() {},
      warn: (msg, fields) => lines.push({ msg, fields }),
      error: (msg, fields) => lines.push({ msg, fields }),
    }
    const hr = await start({ log })
    const notFound = await post(hr, { 'x-request-id': 'trace-404' }, 'no-such-route')
    expect(notFound.status).toBe(404)
    expect(notFound.headers.get('x-request-id')).toMatch(/^req_/)
    expect(notFound.headers.get('x-client-request-id')).toBe('trace-404')

    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'server_error' }, { kind: 'server_error' }, { kind: 'server_error' }])
    const failed = await post(hr, { 'x-request-id': 'trace-500' })
    expect(failed.status).toBeGreaterThanOrEqual(500)
    const line = lines.find((l) => l.msg === 'request failed')
    expect(line?.fields).toMatchObject({ requestId: failed.headers.get('x-request-id'), clientRequestId: 'trace-500' })
  })

  it('the other endpoints give our id, and echo a sane client id', async () => {
    const hr = await start()
    const r = await fetch(`${hr.url}/v1/models`, { headers: { 'x-request-id': 'list-1' } })
    await r.text()
    expect(r.headers.get('x-request-id')).toMatch(/^req_/)
    expect(r.headers.get('x-client-request-id')).toBe('list-1')
  })

  it('a database from the previous schema is migrated at start-up and keeps its rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-request-ids-'))
    const dbPath = join(dir, 'old.db')
    // The schema as the first migration left it: apply only that one.
    const oldMigrations = join(dir, 'migrations')
    mkdirSync(join(oldMigrations, 'meta'), { recursive: true })
    copyFileSync(join(MIGRATIONS_DIR, '0000_spend.sql'), join(oldMigrations, '0000_spend.sql'))
    writeFileSync(
      join(oldMigrations, 'meta', '_journal.json'),
      JSON.stringify({
        version: '7',
        dialect: 'sqlite',
        entries: [{ idx: 0, version: '6', when: 1795838632038, tag: '0000_spend', breakpoints: true }],
      }),
    )
    const old = new Database(dbPath)
    migrate(drizzle(old), { migrationsFolder: oldMigrations })
    old
      .prepare(
        "INSERT INTO spend (ts, request_id, route, provider, key_alias, model_requested, model_served, stream, outcome, http_status, attempt, prompt_tokens, cached_tokens, cache_write_tokens, completion_tokens, reasoning_tokens, cost_microcents, latency_ms, usage_source, queued_ms) VALUES (1, 'old-trace', 'r', 'openai', 'openai#1', 'r', 'gpt-4.1-mini', 0, 'ok', 200, 1, 0, 0, 0, 0, 0, 5, 0, 'none', 0)",
      )
      .run()
    expect(
      (old.prepare('SELECT name FROM pragma_table_info(?)').all('spend') as Array<{ name: string }>).map((c) => c.name),
    ).not.toContain('client_request_id')
    old.close()

    const hr = await start({ dbPath })
    const r = await post(hr, { 'x-request-id': 'new-trace' })
    await r.text()
    expect(idRows(hr)).toEqual([
      { request_id: 'old-trace', client_request_id: null },
      { request_id: r.headers.get('x-request-id'), client_request_id: 'new-trace' },
    ])
  })
})
