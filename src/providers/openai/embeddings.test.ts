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

  it('keeps the answer as it came, to send unchanged', () => {
    const text =
      '{"object":"list","data":[{"object":"embedding","index":0,"embedding":"AACAPw=="}],"model":"m","usage":{"prompt_tokens":1,"total_tokens":1}}'
    const r = fromEmbeddingsBody('openai', text)
    expect(r[RAW_JSON]).toBe(text)
    expect(r.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 })
  })

  it('a body of another shape is a bad upstream response', () => {
    for (const text of ['nope', '{"data":{}}', '{"data":[{"index":0}]}', '{"data":[{"embedding":[1]}]}']) {
      expect(() => fromEmbeddingsBody('openai', text)).toThrow(/invalid response/)
    }
  })
})
