/**
 * The ready SQL queries (docs/spend.md, "Ready queries") run, as written, against a spend table with rows
 * in it — and so does any other SQL block in README or docs/.
 */
import { describe, expect, it } from 'vitest'
import { openSpendDb } from '../src/spend/db.ts'
import type { SpendRow } from '../src/spend/types.ts'
import { SpendWriter } from '../src/spend/writer.ts'
import { fences, pages } from './docs-pages.ts'

const spendPage = pages.find((p) => p.path === 'docs/spend.md')!.text
const start = spendPage.indexOf('\n## Ready queries\n')
const end = spendPage.indexOf('\n## ', start + 1)
const section = spendPage.slice(start, end === -1 ? undefined : end)
const readyQueries = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!)
const queries = fences.filter((f) => f.lang === 'sql')

function row(i: number): SpendRow {
  const model = ['gpt-4.1-mini', 'claude-haiku-4-5', 'gemini-2.5-flash'][i % 3]!
  return {
    ts: Date.now() - i * 3_600_000,
    requestId: `req_${Math.floor(i / 2)}`,
    clientRequestId: i % 3 ? `trace-${i % 4}` : null,
    virtualKey: 'team-a',
    endUser: `u${i % 4}`,
    route: 'r',
    provider: 'p',
    keyAlias: `p#${(i % 2) + 1}`,
    modelRequested: 'r',
    modelServed: model,
    stream: false,
    outcome: i % 2 ? 'ok' : 'failed_over',
    httpStatus: 200,
    errorCode: null,
    attempt: (i % 2) + 1,
    promptTokens: 1000,
    cachedTokens: 300,
    cacheWriteTokens: 0,
    completionTokens: 50,
    reasoningTokens: 0,
    costMicrocents: 12345 + i,
    latencyMs: 100 + i,
    ttftMs: null,
    usageSource: 'provider',
    priceEntry: model,
    queuedMs: 0,
  }
}

describe('ready SQL queries', () => {
  it('finds six of them in docs/spend.md, "Ready queries", and no SQL block elsewhere left out', () => {
    expect(start).toBeGreaterThan(-1)
    expect(readyQueries).toHaveLength(6)
    expect(queries.map((q) => q.body)).toEqual(expect.arrayContaining(readyQueries))
  })

  it.each(queries.map((q, i) => [i + 1, q.page, q.body] as const))(
    'query %i (%s) runs and returns rows',
    (_i, _page, q) => {
      const db = openSpendDb(':memory:')
      const w = new SpendWriter(db)
      for (let i = 0; i < 40; i++) w.write(row(i))
      w.close()
      const out = db.sqlite.prepare(q).all()
      expect(out.length).toBeGreaterThan(0)
      db.close()
    },
  )
})
