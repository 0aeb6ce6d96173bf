/**
 * The ready SQL queries in README run, as written, against a spend table with rows in it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSpendDb } from '../src/spend/db.ts'
import { SpendWriter } from '../src/spend/writer.ts'
import type { SpendRow } from '../src/spend/types.ts'

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
const section = readme.slice(readme.indexOf('**Ready queries**'), readme.indexOf('## ', readme.indexOf('**Ready queries**')))
const queries = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!)

function row(i: number): SpendRow {
  const model = ['gpt-4.1-mini', 'claude-haiku-4-5', 'gemini-2.5-flash'][i % 3]!
  return {
    ts: Date.now() - i * 3_600_000, requestId: `req_${Math.floor(i / 2)}`, clientRequestId: i % 3 ? `trace-${i % 4}` : null, virtualKey: 'team-a', endUser: `u${i % 4}`, route: 'r', provider: 'p',
    keyAlias: `p#${(i % 2) + 1}`, modelRequested: 'r', modelServed: model, stream: false, outcome: i % 2 ? 'ok' : 'failed_over', httpStatus: 200,
    errorCode: null, attempt: (i % 2) + 1, promptTokens: 1000, cachedTokens: 300, cacheWriteTokens: 0, completionTokens: 50, reasoningTokens: 0,
    costMicrocents: 12345 + i, latencyMs: 100 + i, ttftMs: null, usageSource: 'provider', priceEntry: model, queuedMs: 0,
  }
}

describe('README ready queries', () => {
  it('finds six of them', () => expect(queries).toHaveLength(6))

  it.each(queries.map((q, i) => [i + 1, q] as const))('query %i runs and returns rows', (_i, q) => {
    const db = openSpendDb(':memory:')
    const w = new SpendWriter(db)
    for (let i = 0; i < 40; i++) w.write(row(i))
    w.close()
    const out = db.sqlite.prepare(q).all()
    expect(out.length).toBeGreaterThan(0)
    db.close()
  })
})
