import { describe, expect, it } from 'vitest'
import { redactKeys, scrubError, targetSecrets, upstreamText, upstreamToken } from './redact.ts'
import { ProviderError } from './types.ts'

const OPENAI = 'sk-proj-A1b2C3d4E5f6G7h8I9j0'
const ANTHROPIC = 'sk-ant-api03-Zz9Yy8Xx7Ww6'
const GOOGLE = 'AIzaSyA1234567890abcdefghij'

describe('redactKeys', () => {
  it.each([
    [`Incorrect API key provided: ${OPENAI}.`, 'Incorrect API key provided: [redacted].'],
    [`invalid x-api-key ${ANTHROPIC}`, 'invalid x-api-key [redacted]'],
    [`key=${GOOGLE}&alt=sse`, 'key=[redacted]&alt=sse'],
    // OpenAI's masked echo: no part of a key goes on.
    ['Incorrect API key provided: sk-abc12***********************xyz9.', 'Incorrect API key provided: [redacted].'],
    // Glued to an identifier by `_`, `:`, `/` or `.`: still a key.
    [`invalid_key_${OPENAI}`, 'invalid_key_[redacted]'],
    [`a:${ANTHROPIC}/b.${GOOGLE}`, 'a:[redacted]/b.[redacted]'],
  ])('%s', (input, want) => expect(redactKeys(input)).toBe(want))

  it('leaves words that merely contain "sk-" alone', () => {
    expect(redactKeys('a risk-free task-based plan; desk-side AIza')).toBe(
      'a risk-free task-based plan; desk-side AIza',
    )
  })

  it('scrubs configured secrets, whatever their shape, but not ones too short to mean anything', () => {
    expect(redactKeys('token hr-secret-123 and hr-secret-123 again', ['hr-secret-123'])).toBe(
      'token [redacted] and [redacted] again',
    )
    expect(redactKeys('the abc plan', ['abc'])).toBe('the abc plan')
  })
})

describe('upstreamToken and upstreamText', () => {
  it('a token is scrubbed, kept to printable ASCII (it may reach a header) and bounded', () => {
    expect(upstreamToken(`code\r\nx-injected: 1 ${OPENAI}`, [])).toBe('code??x-injected: 1 [redacted]')
    expect(upstreamToken('modèle', [])).toBe('mod?le')
    expect(upstreamToken('x'.repeat(10_000), [])).toHaveLength(256)
  })

  it('a text keeps its language and is bounded, saying so', () => {
    expect(upstreamText(`clé invalide ${GOOGLE}`, [])).toBe('clé invalide [redacted]')
    const long = upstreamText('y'.repeat(1 << 20), [])
    expect(long.length).toBeLessThan(2100)
    expect(long).toMatch(/… \(cut at 2000 characters\)$/)
  })
})

describe('targetSecrets', () => {
  it('is the key and the values of credential headers (with and without their auth scheme)', () => {
    const headers = {
      'api-key': 'azure-secret-1',
      authorization: 'Bearer proxy-token-2',
      'anthropic-version': '2023-06-01',
      'openai-organization': 'org-1',
    }
    expect(targetSecrets({ apiKey: 'k-123456', headers })).toEqual([
      'k-123456',
      'azure-secret-1',
      'Bearer proxy-token-2',
      'proxy-token-2',
    ])
    expect(targetSecrets({ apiKey: 'k-123456' })).toEqual(['k-123456'])
  })
})

describe('scrubError', () => {
  const pe = (over: Partial<ConstructorParameters<typeof ProviderError>[0]> = {}) =>
    new ProviderError({
      provider: 'openai',
      status: 400,
      upstreamStatus: 400,
      kind: 'bad_request',
      message: 'bad',
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'messages',
      retryAfterMs: 1500,
      raw: '{}',
      ...over,
    })

  it('returns a clean error as it is', () => {
    const e = pe()
    expect(scrubError(e, ['hr-secret-123'])).toBe(e)
  })

  it('scrubs message, type, code and param, and keeps everything else', () => {
    const e = scrubError(
      pe({
        message: `key hr-secret-123 ${OPENAI}`,
        type: `t_${ANTHROPIC}`,
        code: `hr-secret-123:x`,
        param: `p.${GOOGLE}`,
        retryable: false,
      }),
      ['hr-secret-123'],
    )
    expect(e).toBeInstanceOf(ProviderError)
    expect({ message: e.message, type: e.type, code: e.code, param: e.param }).toEqual({
      message: 'key [redacted] [redacted]',
      type: 't_[redacted]',
      code: '[redacted]:x',
      param: 'p.[redacted]',
    })
    expect([e.provider, e.status, e.upstreamStatus, e.kind, e.retryable, e.retryAfterMs, e.raw]).toEqual([
      'openai',
      400,
      400,
      'bad_request',
      false,
      1500,
      '{}',
    ])
  })
})
