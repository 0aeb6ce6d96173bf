import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UsageError } from '../lib/cli-command.ts'
import { makeRow, type TempDir, tempDir } from './__fixtures__/spend-rows.ts'
import { spendCommand } from './cli.ts'
import { openSpendDb } from './db.ts'
import { SpendWriter } from './writer.ts'

const NOW = Date.UTC(2026, 10, 28, 12)
const HOUR = 3_600_000
let dir: TempDir
let path: string

beforeAll(() => {
  dir = tempDir()
  path = dir.file('fixture.db')
  const db = openSpendDb(path)
  const w = new SpendWriter(db)
  w.write(
    makeRow({
      ts: NOW - 2 * HOUR,
      requestId: 'a',
      modelServed: 'gpt-4.1-mini',
      costMicrocents: 300_000_000,
      virtualKey: 'team-a',
    }),
  )
  w.write(
    makeRow({
      ts: NOW - 2 * HOUR,
      requestId: 'b',
      attempt: 1,
      outcome: 'failed_over',
      provider: 'anthropic',
      keyAlias: 'anthropic#1',
      modelServed: 'claude-haiku-4-5',
      costMicrocents: 0,
      virtualKey: 'team-b',
    }),
  )
  w.write(
    makeRow({
      ts: NOW - 2 * HOUR,
      requestId: 'b',
      attempt: 2,
      modelServed: 'gpt-4.1-mini',
      costMicrocents: 12_345,
      virtualKey: 'team-b',
    }),
  )
  w.write(
    makeRow({
      ts: NOW - 3 * 24 * HOUR,
      requestId: 'c',
      modelServed: 'gemini-2.5-flash',
      provider: 'google',
      keyAlias: 'google#1',
      costMicrocents: 999,
    }),
  )
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
  const err = await run(argv, env).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UsageError)
  expect((err as UsageError).exitCode).toBe(2)
  return err as UsageError
}

describe('headroom spend', () => {
  it('prints a table by model by default, most expensive first, with a total line of every column', async () => {
    const lines = (await run(['--db', path])).trimEnd().split('\n')
    expect(lines[0]).toMatch(
      /^model\s+requests\s+attempts\s+prompt\s+cached\s+cache_write\s+completion\s+reasoning\s+cost_usd$/,
    )
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/)[0])).toEqual([
      'gpt-4.1-mini',
      'gemini-2.5-flash',
      'claude-haiku-4-5',
    ])
    expect(lines[2]).toMatch(/\s2\s+2\s.*3\.00012345$/)
    // Request b failed over from claude-haiku-4-5 to gpt-4.1-mini: in both groups, once in the total (3, not 4).
    expect(lines.at(-1)).toMatch(/^total\s+3\s+4\s+400\s+0\s+0\s+80\s+0\s+3\.00013344$/)
  })

  it('groups, windows and formats as asked', async () => {
    const csv = await run(['--db', path, '--group-by', 'key', '--since', '24h', '--format', 'csv'])
    expect(csv.split('\n').slice(0, -1)).toEqual([
      'key,requests,attempts,prompt_tokens,cached_tokens,cache_write_tokens,completion_tokens,reasoning_tokens,cost_microcents,cost_usd,unpriced_calls',
      'team-a,1,1,100,0,0,20,0,300000000,3.00000000,0',
      'team-b,1,2,200,0,0,40,0,12345,0.00012345,0',
    ])

    const json = JSON.parse(await run(['--db', path, '--group-by', 'day', '--format', 'json'])) as {
      data: Array<{ day: string; cost_microcents: number }>
    }
    expect(json.data.map((r) => [r.day, r.cost_microcents])).toEqual([
      ['2026-11-25', 999],
      ['2026-11-28', 300_012_345],
    ])

    const until = JSON.parse(
      await run(['--db', path, '--group-by', 'provider_key', '--until', '2026-11-27', '--format', 'json']),
    ) as { data: Array<{ provider_key: string }> }
    expect(until.data.map((r) => r.provider_key)).toEqual(['google#1'])

    const filtered = JSON.parse(
      await run(['--db', path, '--key', 'team-b', '--route', 'fast', '--format', 'json']),
    ) as { data: Array<{ model: string }> }
    expect(filtered.data.map((r) => r.model)).toEqual(['gpt-4.1-mini', 'claude-haiku-4-5'])
  })

  it('--since today, yesterday, this-month, last-month: the start of that UTC day or month', async () => {
    const days = async (...window: string[]) =>
      (
        JSON.parse(await run(['--db', path, '--by', 'day', '--format', 'json', ...window])) as {
          data: Array<{ day: string }>
        }
      ).data.map((r) => r.day)
    expect(await days('--since', 'today')).toEqual(['2026-11-28'])
    expect(await days('--since', 'yesterday', '--until', 'today')).toEqual([])
    expect(await days('--since', 'this-month')).toEqual(['2026-11-25', '2026-11-28'])
    expect(await days('--since', 'last-month', '--until', 'this-month')).toEqual([])
    const doc = JSON.parse(
      await run(['--db', path, '--since', 'yesterday', '--until', 'today', '--format', 'json']),
    ) as { since: string; until: string }
    expect([doc.since, doc.until]).toEqual(['2026-11-27T00:00:00.000Z', '2026-11-28T00:00:00.000Z'])
  })

  it('--by day,model: a row per day and model, a column for each', async () => {
    const lines = (await run(['--db', path, '--by', 'day,model', '--format', 'csv'])).trimEnd().split('\n')
    expect(lines[0]).toMatch(/^day,model,requests,/)
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      '2026-11-25,gemini-2.5-flash,1,1',
      '2026-11-28,gpt-4.1-mini,2,2',
      '2026-11-28,claude-haiku-4-5,1,1',
    ])
    expect(await run(['--db', path, '--group-by', 'day,model', '--format', 'csv'])).toBe(`${lines.join('\n')}\n`)
    const table = (await run(['--db', path, '--by', 'model,day'])).trimEnd().split('\n')
    expect(table[0]).toMatch(/^model\s+day\s+requests\s/)
    expect(table.at(-1)).toMatch(/^total\s+3\s+4\s/)
  })

  it('counts calls on a model without a price apart: "N calls unpriced" under the total, a column in CSV', async () => {
    const file = dir.file('unpriced.db')
    const db = openSpendDb(file)
    const w = new SpendWriter(db)
    w.write(makeRow({ ts: NOW - HOUR, requestId: 'p', costMicrocents: 5_000 }))
    for (const id of ['u1', 'u2'])
      w.write(makeRow({ ts: NOW - HOUR, requestId: id, modelServed: 'o1-mini', priceEntry: null, costMicrocents: 0 }))
    // A failed attempt has no price_entry either, but used no tokens: not an unpriced call.
    w.write(
      makeRow({
        ts: NOW - HOUR,
        requestId: 'f',
        outcome: 'error',
        httpStatus: 500,
        priceEntry: null,
        costMicrocents: 0,
        usageSource: 'none',
        promptTokens: 0,
        completionTokens: 0,
      }),
    )
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
    expect((await usageError(['--db', path, '--group-by', 'colour'])).message).toMatch(
      /^--group-by: "colour" is not a group key: use one or more of model, provider, route, key, provider_key, user, day, separated by commas/,
    )
    expect((await usageError(['--db', path, '--by', 'day,day'])).message).toMatch(/^--group-by: "day" is given twice/)
    expect((await usageError(['--db', path, '--format', 'xml'])).message).toMatch(
      /--format must be one of table, csv, json/,
    )
    expect((await usageError(['--db', path, '--since', 'last week'])).message).toMatch(
      /--since: "last week" is not a time/,
    )
    expect((await usageError(['--db', path, '--since', '1d', '--until', '2d'])).message).toMatch(
      /--since .* must be before --until/,
    )
    expect((await usageError(['--verbose'])).message).toBe("unknown option '--verbose'; see headroom spend --help")
    expect((await usageError(['extra'])).message).toBe(
      'too many arguments: spend takes at most 0; see headroom spend --help',
    )
  })

  it('prints usage for --help', async () => {
    expect(await run(['--help'])).toMatch(/^Usage: headroom spend \[options\]\n/)
  })
})
