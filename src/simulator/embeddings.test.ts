import type OpenAI from 'openai'
import { APIError } from 'openai'
import { describe, expect, it } from 'vitest'
import type { Simulator } from './index.ts'
import { openaiClient, rawPost, useFileSimulator } from './test-utils.ts'

let sim: Simulator
let client: OpenAI

useFileSimulator(5, (s) => {
  sim = s
  client = openaiClient(s)
})

const AUTH = { authorization: 'Bearer sk-test' }
const REFERENCE = 'https://platform.openai.com/docs/api-reference.'
const norm = (v: readonly number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))

async function apiError(p: Promise<unknown>): Promise<APIError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(APIError)
  return err as APIError
}

type Params = OpenAI.EmbeddingCreateParams

/** Floats from the SDK (`encoding_format: 'float'` unless the params say otherwise). */
function embed(model: string, input: Params['input'], extra: Partial<Params> = {}) {
  return client.embeddings.create({ model, input, encoding_format: 'float', ...extra })
}

const SMALL = 'text-embedding-3-small'
const LARGE = 'text-embedding-3-large'

interface Raw {
  status: number
  headers: Headers
  json: { error: Record<string, unknown> }
}

async function post(body: unknown): Promise<Raw> {
  const r = await rawPost(`${sim.url}/v1/embeddings`, body, AUTH)
  return { status: r.status, headers: r.headers, json: JSON.parse(r.text) as { error: Record<string, unknown> } }
}

describe('OpenAI embeddings via the openai SDK', () => {
  it('answers unit vectors of the model length, the same for the same text alone or in a batch', async () => {
    const one = await embed(SMALL, 'hello world')
    expect(one.object).toBe('list')
    expect(one.model).toBe(SMALL)
    const v = one.data[0]?.embedding ?? []
    expect(v).toHaveLength(1536)
    expect(norm(v)).toBeCloseTo(1, 5)
    expect(one.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 })

    const batch = await embed(SMALL, ['other', 'hello world'])
    expect(batch.data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
    ])
    expect(batch.data[1]?.embedding).toEqual(v)
    expect(batch.data[0]?.embedding).not.toEqual(v)
    expect(batch.usage.prompt_tokens).toBe(2 + 3)

    const large = await embed(LARGE, 'hello world')
    expect(large.data[0]?.embedding).toHaveLength(3072)
    const ada = await embed('text-embedding-ada-002', 'hello world')
    expect(ada.data[0]?.embedding).toHaveLength(1536)
    expect(ada.data[0]?.embedding).not.toEqual(v)
  })

  it('sends base64 when the caller names no encoding and decodes it to the same floats', async () => {
    const floats = await embed(SMALL, 'decode me')
    const decoded = await client.embeddings.create({ model: SMALL, input: 'decode me' })
    expect(sim.log[1]?.body).toMatchObject({ encoding_format: 'base64' })
    expect(Array.from(decoded.data[0]?.embedding ?? [])).toEqual(floats.data[0]?.embedding)

    const raw = await embed(SMALL, 'decode me', { encoding_format: 'base64' })
    const b64 = raw.data[0]?.embedding as unknown as string
    expect(typeof b64).toBe('string')
    const bytes = Buffer.from(b64, 'base64')
    const back = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4))
    expect(back).toEqual(floats.data[0]?.embedding)
  })

  it('shortens -3 vectors to `dimensions`: the first components, renormalised', async () => {
    const full = await embed(LARGE, 'shorten')
    const short = await embed(LARGE, 'shorten', { dimensions: 256 })
    const head = (full.data[0]?.embedding ?? []).slice(0, 256)
    const s = short.data[0]?.embedding ?? []
    expect(s).toHaveLength(256)
    expect(norm(s)).toBeCloseTo(1, 5)
    const scale = norm(head)
    s.forEach((x, i) => {
      expect(x).toBeCloseTo((head[i] as number) / scale, 6)
    })

    const e = await apiError(embed('text-embedding-ada-002', 'x', { dimensions: 1536 }))
    expect(e.status).toBe(400)
    expect(e.message).toContain('This model does not support specifying dimensions.')
  })

  it('takes token ids: one array is one input, an array of arrays several; tokens are counted as sent', async () => {
    const one = await embed(SMALL, [1, 2, 3])
    expect(one.data).toHaveLength(1)
    expect(one.usage.prompt_tokens).toBe(3)
    const two = await embed(SMALL, [[1, 2, 3], [4]])
    expect(two.data).toHaveLength(2)
    expect(two.data[0]?.embedding).toEqual(one.data[0]?.embedding)
    expect(two.usage.prompt_tokens).toBe(4)
  })

  it('lists the embedding models among the OpenAI models', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id)
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o', SMALL, LARGE, 'text-embedding-ada-002']))
  })
})

describe('OpenAI embeddings errors, limits and faults', () => {
  it('400s for inputs the API cannot read, with its words', async () => {
    const long = 'x'.repeat(40_000)
    const cases: Array<[Record<string, unknown>, number, string, string | null]> = [
      [{}, 400, "Missing required parameter: 'input'.", 'input'],
      [{ input: '' }, 400, `'$.input' is invalid. Please check the API reference: ${REFERENCE}`, null],
      [{ input: ['a', ''] }, 400, "'$.input' is invalid.", null],
      [{ input: [] }, 400, "'$.input' is invalid.", null],
      [{ input: ['a', 1] }, 400, "'$.input' is invalid.", null],
      [{ input: long }, 400, "Invalid 'input': maximum input length is 8192 tokens.", 'input'],
      [{ input: ['a', long] }, 400, "Invalid 'input[1]': maximum input length is 8192 tokens.", 'input[1]'],
      [{ input: 'a', stream: true }, 400, 'Unrecognized request argument supplied: stream', null],
      [{ input: 'a', encoding_format: 'int8' }, 400, "Supported values are: 'float' and 'base64'.", 'encoding_format'],
      [{ input: 'a', dimensions: 0 }, 400, "Invalid 'dimensions': integer below minimum value.", 'dimensions'],
      [{ input: 'a', dimensions: 1537 }, 400, 'Expected a value <= 1536, but got 1537 instead.', 'dimensions'],
      [{ model: undefined, input: 'a' }, 400, 'you must provide a model parameter', null],
      [{ model: 'text-embedding-9', input: 'a' }, 404, 'The model `text-embedding-9` does not exist', null],
      [{ model: 'gpt-4o', input: 'a' }, 400, 'This model does not support embeddings.', 'model'],
    ]
    for (const [fields, status, message, param] of cases) {
      const body = { model: SMALL, ...fields }
      const r = await post(body)
      expect([r.status, r.json.error['param']], JSON.stringify(body).slice(0, 80)).toEqual([status, param])
      expect(r.json.error['message']).toContain(message)
      expect(r.json.error['type']).toBe('invalid_request_error')
    }
  })

  it('chat completions refuse an embedding model as the real API does', async () => {
    const chat = client.chat.completions.create({ model: SMALL, messages: [{ role: 'user', content: 'hi' }] })
    const e = await apiError(chat)
    expect(e.status).toBe(404)
    expect(e.message).toContain('This is not a chat model and thus not supported in the v1/chat/completions endpoint.')
  })

  it('rate limits per key and model with x-ratelimit headers, then 429; inputs count against tpm', async () => {
    sim.configure('openai', SMALL, { rpm: 2, tpm: 1000 })
    const a = await post({ model: SMALL, input: 'x'.repeat(400) })
    expect(a.status).toBe(200)
    expect(a.headers.get('x-ratelimit-limit-requests')).toBe('2')
    expect(a.headers.get('x-ratelimit-remaining-requests')).toBe('1')
    // 100 tokens of input plus the request's own 3.
    expect(a.headers.get('x-ratelimit-remaining-tokens')).toBe('897')
    await post({ model: SMALL, input: 'b' })
    const limited = await post({ model: SMALL, input: 'c' })
    expect(limited.status).toBe(429)
    expect(limited.json.error['code']).toBe('rate_limit_exceeded')
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    sim.configure('openai', SMALL, { rpm: undefined, tpm: undefined })
  })

  it('faults: scripted 500 and 503, a cut connection, a truncated body, error_event as 503', async () => {
    const kinds = ['server_error', 'overloaded', 'malformed', 'error_event', 'cut'] as const
    sim.script(
      'openai',
      SMALL,
      kinds.map((kind) => ({ kind })),
    )
    const body = { model: SMALL, input: 'faulty' }
    expect((await rawPost(`${sim.url}/v1/embeddings`, body, AUTH)).status).toBe(500)
    expect((await rawPost(`${sim.url}/v1/embeddings`, body, AUTH)).status).toBe(503)
    const malformed = await rawPost(`${sim.url}/v1/embeddings`, body, AUTH)
    expect(malformed.status).toBe(200)
    expect(() => JSON.parse(malformed.text)).toThrow()
    expect((await rawPost(`${sim.url}/v1/embeddings`, body, AUTH)).status).toBe(503)
    await expect(rawPost(`${sim.url}/v1/embeddings`, body, AUTH)).rejects.toThrow()
    expect((await rawPost(`${sim.url}/v1/embeddings`, body, AUTH)).status).toBe(200)
    expect(sim.stats({ api: 'openai', model: SMALL, status: 0 })).toBe(1)
  })
})
