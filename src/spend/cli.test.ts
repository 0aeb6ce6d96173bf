import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UsageError } from '../cli-command.ts'
import { spendCommand } from './cli.ts'
import { openSpendDb } from './db.ts'
import { SpendWriter } from './writer.ts'
import { makeRow, tempDir, type TempDir } from './__fixtures__/spend-rows.ts'

const NOW = Date.UTC(2026, 10, 28, 12)
const HOUR = 3_600_000
let dir: TempDir
let path: string

beforeAll(() => {
  dir = tempDir()
  path = dir.file('fixture.db')
  const db = openSpendDb(path)
  const w = new SpendWriter(db)
  w.write(makeRow({ ts: NOW - 2 * HOUR, requestId: 'a', modelServed: 'gpt-4.1-mini', costMicrocents: 300_000_000, virtualKey: 'team-a' }))
  w.write(makeRow({ ts: NOW - 2 * HOUR, requestId: 'b', attempt: 1, outcome: 'failed_over', provider: 'anthropic', keyAlias: 'anthropic#1', modelServed: 'claude-haiku-4-5', costMicrocents: 0, virtualKey: 'team-b' }))
  w.write(makeRow({ ts: NOW - 2 * HOUR, requestId: 'b', attempt: 2, modelServed: 'gpt-4.1-mini', costMicrocents: 12_345, virtualKey: 'team-b' }))
  w.write(makeRow({ ts: NOW - 3 * 24 * HOUR, requestId: 'c', modelServed: 'gemini-2.5-flash', provider: 'google', keyAlias: 'google#1', costMicrocents: 999 }))
  w.close()
  db.close()
})
afterAll(() => dir.remove())

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  let text = ''
  await spendCommand(argv, { env, out: (t) => void (text += t), now: () => NOW })
  return text
}

async function usageError(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<UsageError> {
  const err = await run(argv, env).then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(UsageError)
  expect((err as UsageError).exitCode).toBe(2)
  return err as UsageError
}

describe('headroom spend', () => {
  it('prints a table by model by default, most expensive first', async () => {
    const lines = (await run(['--db', path])).trimEnd().split('\n')
    expect(lines[0]).toMatch(/^group\s+requests/)
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/)[0])).toEqual(['gpt-4.1-mini', 'gemini-2.5-flash', 'claude-haiku-4-5'])
    expect(lines[2]).toMatch(/\s2\s+2\s.*3\.00012345$/)
    expect(lines.at(-1)).toMatch(/^total\s.*3\.00013344$/)
  })

  it('groups, windows and formats as asked', async () => {
    const csv = await run(['--db', path, '--group-by', 'key', '--since', '24h', '--format', 'csv'])
    expect(csv.split('\n').slice(1, -1)).toEqual(['team-a,1,1,100,0,0,20,0,300000000,3.00000000,0', 'team-b,1,2,200,0,0,40,0,12345,0.00012345,0'])

    const json = JSON.parse(await run(['--db', path, '--group-by', 'day', '--format', 'json'])) as Array<{ group: string; costMicrocents: number }>
    expect(json.map((r) => [r.group, r.costMicrocents])).toEqual([['2026-11-25', 999], ['2026-11-28', 300_012_345]])

    const until = JSON.parse(await run(['--db', path, '--group-by', 'provider_key', '--until', '2026-11-27', '--format', 'json'])) as Array<{ group: string }>
    expect(until.map((r) => r.group)).toEqual(['google#1'])

    const filtered = JSON.parse(await run(['--db', path, '--key', 'team-b', '--route', 'fast', '--format', 'json'])) as Array<{ group: string }>
    expect(filtered.map((r) => r.group)).toEqual(['gpt-4.1-mini', 'claude-haiku-4-5'])
  })

  it('counts calls on a model without a price apart: "N calls unpriced" under the total, a column in CSV', async () => {
    const file = dir.file('unpriced.db')
    const db = openSpendDb(file)
    const w = new SpendWriter(db)
    w.write(makeRow({ ts: NOW - HOUR, requestId: 'p', costMicrocents: 5_000 }))
    for (const id of ['u1', 'u2']) w.write(makeRow({ ts: NOW - HOUR, requestId: id, modelServed: 'o1-mini', priceEntry: null, costMicrocents: 0 }))
    // A failed attempt has no price_entry either, but used no tokens: not an unpriced call.
    w.write(makeRow({ ts: NOW - HOUR, requestId: 'f', outcome: 'error', httpStatus: 500, priceEntry: null, costMicrocents: 0, usageSource: 'none', promptTokens: 0, completionTokens: 0 }))
    w.close()
    db.close()
    const table = (await run(['--db', file])).trimEnd().split('\n')
    expect(table.at(-2)).toMatch(/^total\s.*0\.00005000$/)
    expect(table.at(-1)).toMatch(/^2 calls unpriced: /)
    const csv = (await run(['--db', file, '--format', 'csv'])).split('\n')
    expect(csv[0]).toMatch(/,unpriced_calls$/)
    expect(csv.find((l) => l.startsWith('o1-mini,'))).toMatch(/,2$/)
  })

  it('finds the database through HEADROOM_DB', async () => {
    expect(await run(['--format', 'json'], { HEADROOM_DB: path })).toContain('"gpt-4.1-mini"')
  })

  it('refuses a missing database without creating one', async () => {
    const missing = dir.file('nope.db')
    const err = await usageError(['--db', missing])
    expect(err.message).toMatch(/nope\.db: no such database file/)
    expect(existsSync(missing)).toBe(false)
  })

  it('refuses bad flags with exit code 2', async () => {
    expect((await usageError(['--db', path, '--group-by', 'colour'])).message).toMatch(/--group-by must be one of model, provider, route, key, provider_key, user, day/)
    expect((await usageError(['--db', path, '--format', 'xml'])).message).toMatch(/--format must be one of table, csv, json/)
    expect((await usageError(['--db', path, '--since', 'last week'])).message).toMatch(/--since: "last week" is not a time/)
    expect((await usageError(['--db', path, '--since', '1d', '--until', '2d'])).message).toMatch(/--since .* must be before --until/)
    expect((await usageError(['--verbose'])).message).toBe("unknown option '--verbose'; see headroom spend --help")
    expect((await usageError(['extra'])).message).toBe('too many arguments: spend takes at most 0; see headroom spend --help')
  })

  it('prints usage for --help', async () => {
    expect(await run(['--help'])).toMatch(/^Usage: headroom spend \[options\]\n/)
  })
})
