import { describe, expect, it } from 'vitest'
import type { EmbeddingRequest } from '../embeddings-schema.ts'
import { ProviderError, type Target } from '../types.ts'
import { fromBatchEmbedBody, GEMINI_MAX_BATCH, toBatchEmbedBody } from './embeddings.ts'

const target = { provider: 'google', model: 'gemini-embedding-001' } as Target
const RESOURCE = 'models/gemini-embedding-001'
const req = (over: Partial<EmbeddingRequest>): EmbeddingRequest => ({ model: 'vectors', input: 'hi', ...over })

describe('OpenAI embeddings request → batchEmbedContents', () => {
  it('one request per text, dimensions as outputDimensionality', () => {
    const warnings: string[] = []
    const body = JSON.parse(toBatchEmbedBody(req({ input: ['a', 'b'], dimensions: 256 }), target, RESOURCE, warnings))
    expect(body).toEqual({
      requests: [
        { model: RESOURCE, content: { parts: [{ text: 'a' }] }, outputDimensionality: 256 },
        { model: RESOURCE, content: { parts: [{ text: 'b' }] }, outputDimensionality: 256 },
      ],
    })
    expect(warnings).toEqual([])
    expect(GEMINI_MAX_BATCH).toBe(100)
  })

  it('refuses token ids with a 400 naming input, of kind unsupported (another target may take them)', () => {
    for (const input of [
      [1, 2, 3],
      [[1], [2]],
    ]) {
      let err: unknown
      try {
        toBatchEmbedBody(req({ input }), target, RESOURCE, [])
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ProviderError)
      expect(err).toMatchObject({ status: 400, kind: 'unsupported', param: 'input' })
    }
  })

  it('says which fields it could not send', () => {
    const warnings: string[] = []
    toBatchEmbedBody(
      req({ user: 'u-1', truncate_prompt_tokens: 10, encoding_format: 'base64' }),
      target,
      RESOURCE,
      warnings,
    )
    expect(warnings).toEqual([
      'user is not supported by Gemini embeddings and was not sent',
      'truncate_prompt_tokens is not supported by Gemini embeddings and was not sent',
    ])
  })
})

describe('batchEmbedContents answer → OpenAI embeddings', () => {
  const answer = JSON.stringify({ embeddings: [{ values: [1, -2] }, { values: [3, 4] }] })

  it('floats as they came, in order, with the target model and no usage (Gemini counts none)', () => {
    expect(fromBatchEmbedBody(answer, req({}), target)).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [1, -2] },
        { object: 'embedding', index: 1, embedding: [3, 4] },
      ],
      model: 'gemini-embedding-001',
    })
  })

  it('base64 as OpenAI encodes it: little-endian float32', () => {
    const r = fromBatchEmbedBody(answer, req({ encoding_format: 'base64' }), target)
    expect(r.data[0]!.embedding).toBe('AACAPwAAAMA=')
  })

  it('a shortened vector comes back unit length, as OpenAI shortens, in float32', () => {
    const r = fromBatchEmbedBody(answer, req({ dimensions: 2 }), target)
    expect(r.data[1]!.embedding).toEqual([Math.fround(0.6), Math.fround(0.8)])
  })

  it('a body of another shape is a bad upstream response', () => {
    for (const text of ['{', '{"embedding":{"values":[1]}}', '{"embeddings":[{"values":["x"]}]}']) {
      expect(() => fromBatchEmbedBody(text, req({}), target)).toThrow(/invalid response/)
    }
  })
})
