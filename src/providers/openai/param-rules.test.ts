import { describe, expect, it } from 'vitest'
import type { ChatRequest } from '../openai-schema.ts'
import { ProviderError, type Target } from '../types.ts'
import { toOpenAIBody } from './convert-request.ts'
import { applyQuirks, drop, isEmptyObject, type ParamRules, type Quirks, refuse, rename } from './param-rules.ts'

const RULES: ParamRules = {
  logprobs: drop((v) => v === false),
  logit_bias: drop(isEmptyObject),
  user: drop(),
  seed: rename('random_seed'),
  n: refuse((v) => v === 1, 'it answers one choice'),
}
const QUIRKS: Quirks = { type: 'acme', streamUsage: false, messageFields: ['name'], rules: () => RULES }

function apply(body: Record<string, unknown>) {
  const warnings: string[] = []
  const out: Record<string, unknown> = { messages: [{ role: 'user', content: 'hi' }], ...body }
  applyQuirks(out, QUIRKS, RULES, 'my-acme', warnings)
  return { body: out, warnings }
}

describe('applyQuirks', () => {
  it('drops a parameter and names it in a warning', () => {
    expect(apply({ logprobs: true, user: 'u1' })).toEqual({
      body: { messages: [{ role: 'user', content: 'hi' }] },
      warnings: [
        'logprobs is not supported by acme and was not sent',
        'user is not supported by acme and was not sent',
      ],
    })
  })

  it('drops without a word a value that changes nothing (the default, null, an empty bias)', () => {
    expect(apply({ logprobs: false, logit_bias: {}, user: null }).warnings).toEqual([])
    const bias = apply({ logit_bias: { '42': 5 } })
    expect(bias.warnings).toEqual(['logit_bias is not supported by acme and was not sent'])
  })

  it('renames what the server calls otherwise', () => {
    expect(apply({ seed: 7 }).body).toEqual({ messages: [{ role: 'user', content: 'hi' }], random_seed: 7 })
  })

  it('refuses a value it cannot send: a 400 naming the parameter and the provider (another target may serve)', () => {
    expect(apply({ n: 1 }).body['n']).toBe(1)
    let err: unknown
    try {
      apply({ n: 2 })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ProviderError)
    expect(err).toMatchObject({ status: 400, kind: 'unsupported', param: 'n', provider: 'my-acme' })
    expect(err).toMatchObject({ code: 'unsupported_parameter' })
    expect((err as Error).message).toBe('n = 2 is not supported by acme (it answers one choice)')
  })

  it('drops refused message fields from copies, leaving the client’s messages as they were', () => {
    const messages = [
      { role: 'user', content: 'hi', name: 'ann' },
      { role: 'assistant', content: 'yo' },
    ]
    const { body, warnings } = apply({ messages })
    expect(body['messages']).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'yo' },
    ])
    expect((body['messages'] as unknown[])[1]).toBe(messages[1])
    expect(messages[0]).toEqual({ role: 'user', content: 'hi', name: 'ann' })
    expect(warnings).toEqual(['messages[].name is not supported by acme and was not sent'])
  })
})

describe('toOpenAIBody with quirks', () => {
  const target: Target = {
    id: 'my-acme/m',
    provider: 'my-acme',
    type: 'acme',
    model: 'm',
    keyAlias: 'my-acme#1',
    stateId: 'my-acme#1/m',
    apiKey: 'k',
    baseUrl: 'http://127.0.0.1:9/v1',
    timeoutMs: 1000,
  }
  const messages = [{ role: 'user', content: 'hi' }]
  const req = { model: 'x', messages, seed: 3, stream_options: { include_usage: true } }

  it('a server without stream_options gets none, the client’s neither; the rules apply', () => {
    const warnings: string[] = []
    const body = JSON.parse(toOpenAIBody(req as ChatRequest, target, true, warnings, { quirks: QUIRKS, rules: RULES }))
    expect(body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, random_seed: 3 })
    expect(warnings).toEqual([])
  })

  it('without quirks the request goes as it is, usage asked for', () => {
    const body = JSON.parse(toOpenAIBody(req as ChatRequest, target, true, []))
    expect(body).toEqual({ ...req, model: 'm', stream: true, stream_options: { include_usage: true } })
  })
})
