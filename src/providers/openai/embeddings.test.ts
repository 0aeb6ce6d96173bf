import { describe, expect, it } from 'vitest'
import { RAW_JSON } from '../openai-schema.ts'
import type { Target } from '../types.ts'
import { fromEmbeddingsBody, toEmbeddingsBody } from './embeddings.ts'

const target = { provider: 'openai', model: 'text-embedding-3-small' } as Target

describe('OpenAI embeddings wire', () => {
  it("forwards the client's body with the target's model, unknown fields kept and nulls left out", () => {
    const body = toEmbeddingsBody(
      { model: 'vectors', input: ['a'], dimensions: null, encoding_format: 'base64', truncate_prompt_tokens: 8 },
      target,
    )
    expect(JSON.parse(body)).toEqual({
      model: 'text-embedding-3-small',
      input: ['a'],
      encoding_format: 'base64',
      truncate_prompt_tokens: 8,
    })
  })

  it('asks a compatible server (floatsOnly) for floats, the format every server has', () => {
    const req = { model: 'vectors', input: 'a', encoding_format: 'base64' as const }
    expect(JSON.parse(toEmbeddingsBody(req, target, true))).toEqual({ model: 'text-embedding-3-small', input: 'a' })
    expect(JSON.parse(toEmbeddingsBody(req, target))).toMatchObject({ encoding_format: 'base64' })
  })

  it('keeps the answer as it came, to send unchanged', () => {
    const text =
      '{"object":"list","data":[{"object":"embedding","index":0,"embedding":"AACAPw=="}],"model":"m","usage":{"prompt_tokens":1,"total_tokens":1}}'
    const r = fromEmbeddingsBody('openai', text, 'base64')
    expect(r[RAW_JSON]).toBe(text)
    expect(r.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 })
  })

  it('a vector in the other encoding than asked is turned into the one asked (some compatible servers ignore it)', () => {
    const answer = (e: string) =>
      `{"object":"list","data":[{"object":"embedding","index":0,"embedding":${e}}],"model":"m"}`
    // [1.0, -2.0] as little-endian float32: 00 00 80 3F 00 00 00 C0.
    const asBase64 = fromEmbeddingsBody('openai', answer('[1,-2]'), 'base64')
    expect(asBase64.data[0]!.embedding).toBe('AACAPwAAAMA=')
    expect(asBase64[RAW_JSON]).toBeUndefined()
    for (const asked of ['float', null, undefined] as const) {
      expect(fromEmbeddingsBody('openai', answer('"AACAPwAAAMA="'), asked).data[0]!.embedding).toEqual([1, -2])
    }
    expect(() => fromEmbeddingsBody('openai', answer('["x"]'), 'base64')).toThrow(/invalid response/)
  })

  it('a body of another shape is a bad upstream response', () => {
    for (const text of ['nope', '{"data":{}}', '{"data":[{"index":0}]}', '{"data":[{"embedding":[1]}]}']) {
      expect(() => fromEmbeddingsBody('openai', text, 'float')).toThrow(/invalid response/)
    }
  })
})
