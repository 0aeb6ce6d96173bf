import { GoogleGenerativeAI, GoogleGenerativeAIFetchError, TaskType } from '@google/generative-ai'
import { describe, expect, it } from 'vitest'
import type { Simulator } from './index.ts'
import { rawPost, useFileSimulator } from './test-utils.ts'

let sim: Simulator
let genai: GoogleGenerativeAI

useFileSimulator(9, (s) => {
  sim = s
  genai = new GoogleGenerativeAI('gm-test-key')
})

const embedder = (model: string) => genai.getGenerativeModel({ model }, { baseUrl: sim.url })
const norm = (v: readonly number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))
const text = (t: string) => ({ role: 'user', parts: [{ text: t }] })
const KEY = { 'x-goog-api-key': 'k' }

async function fetchError(p: Promise<unknown>): Promise<GoogleGenerativeAIFetchError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(GoogleGenerativeAIFetchError)
  return err as GoogleGenerativeAIFetchError
}

interface GoogleError {
  error: { code: number; status: string; message: string; details?: Array<Record<string, unknown>> }
}

async function post(model: string, method: string, body: unknown) {
  const r = await rawPost(`${sim.url}/v1beta/models/${model}:${method}`, body, KEY)
  return { status: r.status, body: JSON.parse(r.text) as GoogleError & Record<string, unknown> }
}

describe('Gemini embeddings via @google/generative-ai', () => {
  it('embedContent answers a unit vector of the model length, the same text giving the same values', async () => {
    const a = await embedder('gemini-embedding-001').embedContent('hello world')
    expect(a.embedding.values).toHaveLength(3072)
    expect(norm(a.embedding.values)).toBeCloseTo(1, 5)
    const again = await embedder('gemini-embedding-001').embedContent('hello world')
    expect(again.embedding.values).toEqual(a.embedding.values)
    const other = await embedder('gemini-embedding-001').embedContent('hello there')
    expect(other.embedding.values).not.toEqual(a.embedding.values)
    const small = await embedder('text-embedding-004').embedContent('hello world')
    expect(small.embedding.values).toHaveLength(768)
  })

  it('takes taskType and title; the task type changes the vector, as it does on the real models', async () => {
    const m = embedder('gemini-embedding-001')
    const query = await m.embedContent({ content: text('what is a cat?'), taskType: TaskType.RETRIEVAL_QUERY })
    const content = text('what is a cat?')
    const doc = await m.embedContent({ content, taskType: TaskType.RETRIEVAL_DOCUMENT, title: 'Cats' })
    expect(query.embedding.values).toHaveLength(3072)
    expect(doc.embedding.values).not.toEqual(query.embedding.values)
    expect(sim.log[0]?.body).toEqual({ content: text('what is a cat?'), taskType: 'RETRIEVAL_QUERY' })
  })

  it('batchEmbedContents answers one vector per request, each as embedContent would', async () => {
    const m = embedder('text-embedding-004')
    const batch = await m.batchEmbedContents({ requests: [{ content: text('one') }, { content: text('two') }] })
    expect(batch.embeddings).toHaveLength(2)
    const named = { model: 'models/text-embedding-004' }
    expect(sim.log[0]?.body).toMatchObject({ requests: [named, named] })
    const two = await m.embedContent('two')
    expect(batch.embeddings[1]?.values).toEqual(two.embedding.values)
    expect(batch.embeddings[0]?.values).not.toEqual(two.embedding.values)
  })

  it('outputDimensionality shortens the vector (first components, not renormalised, as Gemini says); snake_case works too', async () => {
    const full = await post('gemini-embedding-001', 'embedContent', { content: text('shorten me') })
    const body = { content: text('shorten me'), output_dimensionality: 768 }
    const short = await post('gemini-embedding-001', 'embedContent', body)
    expect(short.status).toBe(200)
    const head = (full.body['embedding'] as { values: number[] }).values.slice(0, 768)
    const s = (short.body['embedding'] as { values: number[] }).values
    expect(s).toHaveLength(768)
    // https://ai.google.dev/gemini-api/docs/embeddings#quality-for-smaller-dimensions: only 3072 comes normalised.
    expect(s).toEqual(head)
    expect(norm(s)).toBeLessThan(0.99)
  })

  it('lists the embedding models with their methods', async () => {
    const r = await fetch(`${sim.url}/v1beta/models?key=k`)
    const { models } = (await r.json()) as { models: Array<{ name: string; supportedGenerationMethods: string[] }> }
    const embed = models.find((m) => m.name === 'models/gemini-embedding-001')
    expect(embed?.supportedGenerationMethods).toContain('embedContent')
    expect(embed?.supportedGenerationMethods).not.toContain('generateContent')
    expect(models.find((m) => m.name === 'models/text-embedding-004')).toBeDefined()
  })
})

describe('Gemini embeddings errors, limits and faults', () => {
  it('google.rpc 400s for unknown fields, bad task types, empty content and mismatched batch models', async () => {
    const unknown = await post('gemini-embedding-001', 'embedContent', { content: text('x'), dims: 3 })
    expect([unknown.status, unknown.body.error.status]).toEqual([400, 'INVALID_ARGUMENT'])
    expect(unknown.body.error.message).toBe('Invalid JSON payload received. Unknown name "dims": Cannot find field.')
    const task = await post('gemini-embedding-001', 'embedContent', { content: text('x'), taskType: 'SEARCH' })
    expect(task.body.error.message).toContain("Invalid value at 'task_type'")
    expect(task.body.error.details?.[0]?.['@type']).toBe('type.googleapis.com/google.rpc.BadRequest')
    const empty = await post('gemini-embedding-001', 'embedContent', { content: { parts: [] } })
    expect(empty.status).toBe(400)
    const wrong = { requests: [{ model: 'models/text-embedding-004', content: text('x') }] }
    const mismatch = await post('gemini-embedding-001', 'batchEmbedContents', wrong)
    expect(mismatch.status).toBe(400)
    expect(mismatch.body.error.message).toContain('requests[0].model')
    const many = { requests: Array.from({ length: 101 }, () => ({ content: text('x') })) }
    expect((await post('gemini-embedding-001', 'batchEmbedContents', many)).body.error.message).toContain('at most 100')
    const dims = await post('text-embedding-004', 'embedContent', { content: text('x'), outputDimensionality: 769 })
    expect(dims.status).toBe(400)
  })

  it('404 NOT_FOUND naming the method for a model of the other kind or an unknown one; keys as the rest', async () => {
    const chat = await fetchError(embedder('gemini-2.5-flash').embedContent('x'))
    expect(chat.status).toBe(404)
    expect(chat.message).toContain('is not supported for embedContent')
    const batch = await post('gemini-2.5-flash', 'batchEmbedContents', { requests: [{ content: text('x') }] })
    expect(batch.body.error.message).toContain('is not supported for batchEmbedContents')
    expect((await post('gemini-embedding-9', 'embedContent', { content: text('x') })).status).toBe(404)
    const generate = await fetchError(embedder('gemini-embedding-001').generateContent('x'))
    expect(generate.status).toBe(404)
    expect(generate.message).toContain('is not supported for generateContent')

    const url = `${sim.url}/v1beta/models/gemini-embedding-001:embedContent`
    expect((await rawPost(url, { content: text('x') }, {})).status).toBe(403)
    expect((await rawPost(`${url}?key=k`, { content: text('x') }, {})).status).toBe(200)
  })

  it('429 RESOURCE_EXHAUSTED with RetryInfo past the rpm; scripted faults as for generateContent', async () => {
    sim.configure('gemini', 'text-embedding-004', { rpm: 1 })
    await embedder('text-embedding-004').embedContent('x')
    const e = await fetchError(embedder('text-embedding-004').embedContent('x'))
    expect(e.status).toBe(429)
    expect(e.errorDetails?.some((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo')).toBe(true)
    sim.configure('gemini', 'text-embedding-004', { rpm: undefined })

    sim.script('gemini', 'gemini-embedding-001', [{ kind: 'server_error' }, { kind: 'overloaded' }, { kind: 'cut' }])
    const m = embedder('gemini-embedding-001')
    expect((await fetchError(m.embedContent('x'))).status).toBe(500)
    expect((await fetchError(m.batchEmbedContents({ requests: [{ content: text('x') }] }))).status).toBe(503)
    await expect(m.embedContent('x')).rejects.toThrow()
    expect(sim.stats({ api: 'gemini', model: 'gemini-embedding-001', status: 0 })).toBe(1)
  })
})
