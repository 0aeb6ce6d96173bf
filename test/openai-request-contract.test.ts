/**
 * One contract, two implementations: Headroom's edge validation (what every request meets, whatever its
 * target) and the simulator's OpenAI (what tests take for OpenAI) answer each body OpenAI rejects with
 * OpenAI's error, and let through each body it serves. They are written apart on purpose — a rule one of
 * them gets wrong shows up here as a disagreement instead of passing both.
 */
import { describe, expect, it } from 'vitest'
import { ApiError } from '../src/lib/api-error.ts'
import { validateChatRequest } from '../src/server/validate.ts'
import { ModelRegistry } from '../src/simulator/models.ts'
import { parseOpenAI } from '../src/simulator/openai-request.ts'
import { ACCEPTED, BASE, REJECTIONS } from './openai-rejections.ts'

const model = new ModelRegistry({}).lookup('openai', BASE.model)!

function edge(body: Record<string, unknown>) {
  try {
    validateChatRequest(body)
    return null
  } catch (e) {
    if (!(e instanceof ApiError)) throw e
    return { status: e.status, param: e.param, code: e.code, message: e.message, type: e.type }
  }
}

function simulator(body: Record<string, unknown>) {
  const r = parseOpenAI(body, model)
  if (!('status' in r)) return null
  const { error } = r.body as { error: { param: string | null; code: string | null; message: string; type: string } }
  return { status: r.status, param: error.param, code: error.code, message: error.message, type: error.type }
}

describe.each([
  ['Headroom’s edge', edge],
  ['the simulator', simulator],
])('%s', (_name, answer) => {
  it.each(REJECTIONS.map((r) => [r.name, r] as const))('rejects %s as OpenAI does', (_n, r) => {
    expect(answer({ ...BASE, ...r.body })).toEqual({
      status: 400,
      type: 'invalid_request_error',
      param: r.param,
      code: r.code,
      message: r.message,
    })
  })

  it.each(ACCEPTED.map((a) => [a.name, a] as const))('accepts %s', (_n, a) => {
    expect(answer({ ...BASE, ...a.body })).toBeNull()
  })
})

describe('Headroom’s edge', () => {
  it('hands on what it accepted as the client sent it, unknown fields included', () => {
    for (const a of ACCEPTED) {
      const body = { ...BASE, ...a.body }
      expect(validateChatRequest(structuredClone(body))).toMatchObject(body)
    }
  })

  it('never echoes more than a bounded piece of a long bad value', () => {
    const role = 'r'.repeat(100_000)
    const e = edge({ ...BASE, messages: [{ role, content: 'hi' }] })!
    expect(e.code).toBe('invalid_value')
    expect(e.message.length).toBeLessThan(400)
    const key = 'k'.repeat(100_000)
    expect(edge({ ...BASE, logit_bias: { [key]: 1 } })!.message.length).toBeLessThan(200)
  })
})
