/**
 * Spend in PostgreSQL, end to end: `headroom start` as users run it (the bin launcher, its own process)
 * with HEADROOM_DB=postgres://…, requests through the simulator, GET /v1/spend and `headroom spend`
 * reading PostgreSQL, and the rows still queued at SIGTERM flushed before exit. Skipped without a
 * PostgreSQL server (see src/spend/__fixtures__/pg.ts), failed in CI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { dropSchema, PG_TEST_URL, postgresForTests, uniqueSchema } from '../src/spend/__fixtures__/pg.ts'
import { spendCommand } from '../src/spend/cli.ts'
import { SIM_KEY, spawnCli, useSimulator } from './harness.ts'

const sim = useSimulator()
const available = await postgresForTests()

describe.skipIf(!available)('HEADROOM_DB=postgres://…', () => {
  const schema = uniqueSchema()
  const dbUrl = `${PG_TEST_URL}?schema=${schema}`
  afterAll(() => dropSchema(schema))

  it('records spend in PostgreSQL, reports it, and flushes what is queued on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-pg-'))
    const config = join(dir, 'routes.yaml')
    writeFileSync(
      config,
      `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\nkeys:\n  - { name: team-a, key: team-a-secret-123, routes: ["openai/*"] }\nadmin_key: admin-secret-123\n`,
    )
    const cli = spawnCli(config, { HEADROOM_DB: dbUrl, HEADROOM_DRAIN_MS: '5000' })
    const ask = (id: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id, authorization: 'Bearer team-a-secret-123' },
        body: JSON.stringify({ model: 'openai/gpt-4.1-mini', messages: [{ role: 'user', content: 'reply: ok' }] }),
      }).then(async (res) => {
        expect(res.status).toBe(200)
        await res.text()
      })
    let url = ''
    const client = new pg.Client({ connectionString: PG_TEST_URL })
    await client.connect()
    try {
      url = await cli.listening()
      for (let i = 0; i < 3; i++) await ask(`pg-req-${i}`)

      const res = await fetch(`${url}/v1/spend?group_by=model&format=json`, {
        headers: { authorization: 'Bearer admin-secret-123' },
      })
      expect(res.status).toBe(200)
      const report = (await res.json()) as { data: Array<Record<string, unknown>>; total: Record<string, unknown> }
      expect(report.data.map((r) => r['model'])).toEqual(['gpt-4.1-mini-2025-04-14'])
      expect(report.total).toMatchObject({ requests: 3, attempts: 3 })
      const health = (await (await fetch(`${url}/health`)).json()) as { status: string; spend: { ok: boolean } }
      expect(health).toMatchObject({ status: 'ok', spend: { ok: true } })

      // The last request's row is queued, not yet written: SIGTERM must flush it.
      await ask('pg-req-last')
      expect(await cli.terminate()).toEqual({ code: 0, signal: null })
      const { rows } = await client.query(
        `SELECT client_request_id, outcome, stream FROM "${schema}".spend ORDER BY client_request_id`,
      )
      expect(rows).toEqual(
        ['pg-req-0', 'pg-req-1', 'pg-req-2', 'pg-req-last'].map((client_request_id) => ({
          client_request_id,
          outcome: 'ok',
          stream: false,
        })),
      )

      // `headroom spend` reads the same ledger.
      let text = ''
      await spendCommand(['--db', dbUrl, '--format', 'json'], { env: {}, out: (t) => void (text += t) })
      expect(JSON.parse(text).total).toMatchObject({ requests: 4, attempts: 4 })
      expect(cli.stderr()).not.toContain('error')
    } finally {
      await client.end()
      cli.killGroup()
    }
  }, 60_000)

  it('takes the rows of three replicas started together in one table, and loses none at SIGTERM', async () => {
    const schema3 = uniqueSchema()
    const dir = mkdtempSync(join(tmpdir(), 'headroom-pg3-'))
    const config = join(dir, 'routes.yaml')
    writeFileSync(
      config,
      `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\nkeys:\n  - { name: team-a, key: team-a-secret-123, routes: ["openai/*"] }\n`,
    )
    // Started at once on a schema that does not exist yet: their migrations must not race.
    const env = { HEADROOM_DB: `${PG_TEST_URL}?schema=${schema3}`, HEADROOM_DRAIN_MS: '5000' }
    const clis = [spawnCli(config, env), spawnCli(config, env), spawnCli(config, env)]
    const client = new pg.Client({ connectionString: PG_TEST_URL })
    await client.connect()
    try {
      const urls = await Promise.all(clis.map((c) => c.listening()))
      const ids = Array.from({ length: 24 }, (_, i) => `r3-${String(i).padStart(2, '0')}`)
      // Eight at a time, round robin over the replicas; the last rows are still queued when SIGTERM comes.
      for (let i = 0; i < ids.length; i += 8) {
        await Promise.all(
          ids.slice(i, i + 8).map(async (id, j) => {
            const res = await fetch(`${urls[j % 3]}/v1/chat/completions`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'x-request-id': id,
                authorization: 'Bearer team-a-secret-123',
              },
              body: JSON.stringify({
                model: 'openai/gpt-4.1-mini',
                messages: [{ role: 'user', content: 'reply: ok' }],
              }),
            })
            expect(res.status).toBe(200)
            await res.text()
          }),
        )
      }
      expect(await Promise.all(clis.map((c) => c.terminate()))).toEqual(clis.map(() => ({ code: 0, signal: null })))
      const { rows } = await client.query(`SELECT client_request_id FROM "${schema3}".spend ORDER BY client_request_id`)
      expect(rows.map((r: { client_request_id: string }) => r.client_request_id)).toEqual(ids)
      for (const c of clis) expect(c.stderr()).not.toContain('error')
    } finally {
      await client.end()
      for (const c of clis) c.killGroup()
      await dropSchema(schema3)
    }
  }, 60_000)
})
