/**
 * `POST /v1/responses/input_tokens` with the openai SDK over real HTTP: a Responses request's input tokens,
 * counted by OpenAI's own endpoint (the simulator's) for an OpenAI target and estimated for the others; what
 * `previous_response_id` carries is counted; no spend row; bad bodies are 4xx in OpenAI's shape.
 */
import type OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openaiClient, rawPost, type Stack, startStack, testConfig } from './harness.ts'

const KEY_A = 'client-secret-tokens-a1'
const MODELS = ['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash']

let stack: Stack
let a: OpenAI

beforeAll(async () => {
  stack = await startStack({ config: (u) => testConfig(u, `keys:\n  - { name: team-a, key: ${KEY_A} }\n`) })
  a = openaiClient(stack.hr, KEY_A)
})
afterAll(() => stack.close())

describe('POST /v1/responses/input_tokens', () => {
  it.each(MODELS)('%s: counts a Responses request, and writes no spend row', async (model) => {
    stack.hr.spend.flush()
    const before = stack.hr.db.sqlite.prepare('select count(*) as n from spend').get() as { n: number }
    const small = await a.responses.inputTokens.count({ model, input: 'hi' })
    expect(small.object).toBe('response.input_tokens')
    expect(small.input_tokens).toBeGreaterThan(0)
    const big = await a.responses.inputTokens.count({
      model,
      instructions: 'Be terse.',
      input: [{ role: 'user', content: 'word '.repeat(500) }],
    })
    expect(big.input_tokens).toBeGreaterThan(small.input_tokens + 300)
    stack.hr.spend.flush()
    const after = stack.hr.db.sqlite.prepare('select count(*) as n from spend').get() as { n: number }
    expect(after.n).toBe(before.n)
  })

  it('OpenAI counts for an OpenAI target (what /v1/responses then bills); Headroom estimates for the others', async () => {
    const req = { instructions: 'Be terse.', input: 'reply: counted' }
    for (const model of MODELS) {
      const { data, response } = await a.responses.inputTokens.count({ model, ...req }).withResponse()
      const exact = model.startsWith('openai/')
      expect(response.headers.get('x-headroom-count')).toBe(exact ? 'exact' : 'estimated')
      if (!exact) continue
      expect(response.headers.get('x-headroom-target')).toBe(model)
      const made = await a.responses.create({ model, ...req })
      expect(data.input_tokens).toBe(made.usage?.input_tokens)
    }
  })

  it('takes the very body a client will send: generation-only fields are dropped before counting', async () => {
    for (const model of MODELS) {
      const body = { model, input: 'hi', stream: true, max_output_tokens: 64, temperature: 0.2, store: false }
      const r = await rawPost(`${stack.hr.url}/v1/responses/input_tokens`, JSON.stringify(body), {
        'content-type': 'application/json',
        authorization: `Bearer ${KEY_A}`,
      })
      expect([r.status, (r.json as unknown as { object: string }).object]).toEqual([200, 'response.input_tokens'])
    }
  })

  it('counts what previous_response_id carries', async () => {
    const first = await a.responses.create({
      model: 'anthropic/claude-haiku-4-5',
      input: `reply: ${'long '.repeat(300)}`,
    })
    const alone = await a.responses.inputTokens.count({ model: 'anthropic/claude-haiku-4-5', input: 'next' })
    const chained = await a.responses.inputTokens.count({
      model: 'anthropic/claude-haiku-4-5',
      input: 'next',
      previous_response_id: first.id,
    })
    expect(chained.input_tokens).toBeGreaterThan(alone.input_tokens + 300)
  })

  it.each([
    ['not an object', '[1]', null],
    ['input of the wrong type', JSON.stringify({ model: 'anthropic/claude-haiku-4-5', input: 42 }), 'input'],
    ['unknown model', JSON.stringify({ model: 'nope/nothing', input: 'hi' }), 'model'],
    [
      'unknown previous response',
      JSON.stringify({ model: 'anthropic/claude-haiku-4-5', input: 'hi', previous_response_id: 'resp_x' }),
      'previous_response_id',
    ],
  ])('%s is a 4xx in OpenAI shape', async (_name, body, param) => {
    const r = await rawPost(`${stack.hr.url}/v1/responses/input_tokens`, body, {
      'content-type': 'application/json',
      authorization: `Bearer ${KEY_A}`,
    })
    expect(r.status).toBeGreaterThanOrEqual(400)
    expect(r.status).toBeLessThan(500)
    expect(r.json.error?.type).toBeTypeOf('string')
    if (param !== null) expect(r.json.error?.param).toBe(param)
  })
})
