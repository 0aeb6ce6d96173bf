import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { headerSource } from '../types.ts'
import { httpError } from './errors.ts'

interface Answer {
  name: string
  status: number
  body: unknown
}
const answers = JSON.parse(readFileSync(join(import.meta.dirname, '__fixtures__', 'error-answers.json'), 'utf8')) as {
  target: Answer[]
  request: Answer[]
}
const NOW = Date.parse('2025-08-21T12:40:00Z')
const error = (a: Answer) => httpError('openai', a.status, headerSource({}), JSON.stringify(a.body), NOW)

describe('httpError: a 4xx about the target or about the request', () => {
  it.each(answers.target.map((a) => [a.name, a] as const))(
    '%s → unsupported (fails over), kept as OpenAI said it',
    (_name, a) => {
      const e = error(a)
      expect(e.kind).toBe('unsupported')
      expect(e.retryable).toBe(false)
      const inner = (a.body as { error?: { message: string; param: string | null; code: string | null } }).error
      if (inner)
        expect({ status: e.status, message: e.message, param: e.param, code: e.code }).toEqual({
          status: a.status,
          message: inner.message,
          param: inner.param,
          code: inner.code,
        })
    },
  )

  it.each(answers.request.map((a) => [a.name, a] as const))(
    '%s → bad_request (straight back to the client)',
    (_name, a) => {
      expect(error(a).kind).toBe('bad_request')
    },
  )

  it('insufficient_quota is a quota, other 429s a rate limit', () => {
    const quota = httpError(
      'openai',
      429,
      headerSource({}),
      JSON.stringify({
        error: {
          message: 'You exceeded your current quota',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      }),
      NOW,
    )
    expect(quota.kind).toBe('quota')
    expect(httpError('openai', 429, headerSource({}), '{}', NOW)).toMatchObject({
      kind: 'rate_limit',
      code: 'rate_limit_exceeded',
    })
  })
})
