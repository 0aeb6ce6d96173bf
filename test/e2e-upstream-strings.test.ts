/**
 * What an upstream says never carries a key out of Headroom: error messages, codes, params and types,
 * the model it reports, and errors inside a stream are scrubbed of key-shaped strings and of the
 * configured key before they reach the client (body and headers), the spend table or the logs.
 * The simulator's `custom` fault plays an upstream (or a proxy before it) that echoes keys.
 */
import { describe, expect, it } from 'vitest'
import type { Logger } from '../src/lib/logger.ts'
import { useRecordedUpstream } from '../src/providers/__fixtures__/recorded-upstream.ts'
import type { Api } from '../src/simulator/types.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { useServers, useSimulator } from './harness.ts'

/** The key Headroom is configured with: not key-shaped, so only the configured-secret scrub can catch it. */
const SECRET = 'hr-configured-secret-4f2a9c1e7b'
const OPENAI_KEY = 'sk-proj-A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6'
const ANTHROPIC_KEY = 'sk-ant-api03-Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0'
const GOOGLE_KEY = 'AIzaSyA1234567890abcdefghijklmnopqrstu'
/** A credential sent as a configured header (a proxy's token). */
const HEADER_SECRET = 'proxy-token-9d8c7b6a5f4e'
const ALL = [SECRET, OPENAI_KEY, ANTHROPIC_KEY, GOOGLE_KEY, HEADER_SECRET]

const sim = useSimulator({ validKeys: [SECRET] })
const raw = useRecordedUpstream()
const rawUrl = () => raw.base()
const track = useServers()

interface Captured {
  hr: Running
  logs: string[]
}

async function start(): Promise<Captured> {
  const logs: string[] = []
  const keep = (msg: string, fields?: Record<string, unknown>) => logs.push(JSON.stringify({ msg, ...fields }))
  const log: Logger = { info: keep, warn: keep, error: keep }
  const configText = `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SECRET} }
  compat: { type: openai-compatible, base_url: "${sim.url}/v1", api_key: ${SECRET} }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SECRET} }
  google: { type: gemini, base_url: "${sim.url}", api_key: ${SECRET} }
  proxied: { type: openai, base_url: "${sim.url}/v1", api_key: ${SECRET}, headers: { x-proxy-token: "${HEADER_SECRET}" } }
  raw-openai: { type: openai, base_url: "${rawUrl()}/v1", api_key: ${SECRET} }
  raw-anthropic: { type: anthropic, base_url: "${rawUrl()}", api_key: ${SECRET} }
  raw-google: { type: gemini, base_url: "${rawUrl()}", api_key: ${SECRET} }
`
  const hr = track(await startHeadroom({ dbPath: ':memory:', configText, port: 0, env: {}, log }))
  return { hr, logs }
}

interface Answer {
  status: number
  /** The whole answer as text: status, every header, the body. */
  all: string
  body: string
  headers: Headers
}

async function ask(hr: Running, model: string, stream = false): Promise<Answer> {
  const r = await fetch(`${hr.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'reply: ok' }] }),
  })
  const body = await r.text()
  const head = [...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n')
  return { status: r.status, all: `${r.status}\n${head}\n\n${body}`, body, headers: r.headers }
}

function spendText(hr: Running): string {
  hr.spend.flush()
  return JSON.stringify(hr.db.sqlite.prepare('SELECT * FROM spend').all())
}

/** No key, and no tell-tale part of one (a prefix cut short would still be a leak). */
function expectNoKeys(where: string, text: string): void {
  for (const k of ALL) {
    expect(text, where).not.toContain(k)
    expect(text, where).not.toContain(k.slice(-12))
  }
}

interface ProviderCase {
  provider: string
  api: Api
  model: string
  /** An error body in the provider's own shape, keys everywhere a string can go. */
  error: (status: number) => unknown
  /** Which fields of the error come from the upstream's strings (so the scrub has something to do). */
  upstreamCode: boolean
  /** A 200 answer whose reported model carries keys. */
  answer: unknown
}

const openaiError = (status: number) => ({
  error: {
    message: `Incorrect API key provided: ${SECRET}. Also seen: ${OPENAI_KEY}, ${ANTHROPIC_KEY}, ${GOOGLE_KEY} (${status})`,
    type: `invalid_request_error_${OPENAI_KEY}`,
    param: `messages[0].${GOOGLE_KEY}`,
    code: `${SECRET}:${ANTHROPIC_KEY}`,
  },
})
const openaiAnswer = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: `gpt-4.1-mini-${OPENAI_KEY}-${SECRET}`,
  choices: [
    { index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop', logprobs: null },
  ],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
}

const CASES: ProviderCase[] = [
  {
    provider: 'openai',
    api: 'openai',
    model: 'gpt-4.1-mini',
    error: openaiError,
    upstreamCode: true,
    answer: openaiAnswer,
  },
  {
    provider: 'compat',
    api: 'openai',
    model: 'gpt-4.1-mini',
    error: openaiError,
    upstreamCode: true,
    answer: openaiAnswer,
  },
  {
    provider: 'anthropic',
    api: 'anthropic',
    model: 'claude-haiku-4-5',
    // A 4xx names its code in details.error_code; a 5xx without details makes the type the code.
    error: (status) => ({
      type: 'error',
      error: {
        type: status < 500 ? 'invalid_request_error' : `api_error_${ANTHROPIC_KEY}`,
        message: `invalid x-api-key ${SECRET} (${OPENAI_KEY} ${ANTHROPIC_KEY} ${GOOGLE_KEY})`,
        ...(status < 500 ? { details: { error_code: `${OPENAI_KEY}/${SECRET}` } } : {}),
      },
    }),
    upstreamCode: true,
    answer: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: `claude-${ANTHROPIC_KEY}-${SECRET}`,
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 1 },
    },
  },
  {
    provider: 'google',
    api: 'gemini',
    model: 'gemini-2.5-flash',
    error: (status) => ({
      error: {
        code: status,
        message: `API key not valid: ${SECRET} ${GOOGLE_KEY} ${OPENAI_KEY} ${ANTHROPIC_KEY}`,
        status: `INVALID_${GOOGLE_KEY}`,
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: GOOGLE_KEY,
            domain: 'googleapis.com',
            metadata: { key: SECRET },
          },
        ],
      },
    }),
    upstreamCode: false, // Gemini's codes are Headroom's own (from the status)
    answer: {
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
      modelVersion: `gemini-${GOOGLE_KEY}-${SECRET}`,
      responseId: 'resp-1',
    },
  },
]

describe.each(CASES)('upstream strings: $provider', ({ provider, api, model, error, upstreamCode, answer }) => {
  const id = `${provider}/${model}`

  it('a 4xx echoing keys in message, code, param and type: none reaches the answer, its headers, the spend row or the logs', async () => {
    const { hr, logs } = await start()
    sim.script(api, model, [{ kind: 'custom', status: 400, body: error(400) }])
    const a = await ask(hr, id)
    expect(a.status).toBe(400)
    expectNoKeys('answer', a.all)
    expectNoKeys('spend', spendText(hr))
    expectNoKeys('logs', logs.join('\n'))
    const e = (JSON.parse(a.body) as { error: { message: string; code: string | null } }).error
    expect(e.message).toContain('[redacted]')
    if (upstreamCode) expect(e.code).toContain('[redacted]')
  })

  it('a 5xx, retried: the failed codes in x-headroom-decision and error_code are scrubbed too', async () => {
    const { hr, logs } = await start()
    sim.script(api, model, [
      { kind: 'custom', status: 500, body: error(500) },
      { kind: 'custom', status: 500, body: error(500) },
    ])
    const a = await ask(hr, id)
    expect(a.status).toBe(500)
    expect(a.headers.get('x-headroom-attempts')).toBe('2')
    expect(a.headers.get('x-headroom-decision')).toMatch(/failed: /)
    expectNoKeys('answer', a.all)
    expectNoKeys('spend', spendText(hr))
    expectNoKeys('logs', logs.join('\n'))
    if (upstreamCode) expect(a.headers.get('x-headroom-decision')).toContain('[redacted]')
  })

  it('a stream refused before its first token: the same', async () => {
    const { hr, logs } = await start()
    sim.script(api, model, [{ kind: 'custom', status: 400, body: error(400) }])
    const a = await ask(hr, id, true)
    expect(a.status).toBe(400)
    expectNoKeys('answer', a.all)
    expectNoKeys('spend', spendText(hr))
    expectNoKeys('logs', logs.join('\n'))
  })

  it('the model an upstream reports is scrubbed and bounded in the spend row', async () => {
    const { hr } = await start()
    sim.script(api, model, [{ kind: 'custom', status: 200, body: answer }])
    const a = await ask(hr, id)
    expect(a.status).toBe(200)
    hr.spend.flush()
    const row = hr.db.sqlite.prepare('SELECT model_served FROM spend').get() as { model_served: string }
    expect(row.model_served).toContain('[redacted]')
    expectNoKeys('spend', spendText(hr))
  })
})

describe('upstream strings: configured credential headers', () => {
  it('a proxy echoing the token it was sent, in message and code: scrubbed like a key', async () => {
    const { hr, logs } = await start()
    const echo = {
      error: {
        message: `token ${HEADER_SECRET} rejected`,
        type: 'invalid_request_error',
        param: null,
        code: `bad_token:${HEADER_SECRET}`,
      },
    }
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'custom', status: 400, body: echo }])
    const a = await ask(hr, 'proxied/gpt-4.1-mini')
    expect(a.status).toBe(400)
    expect(JSON.parse(a.body)).toMatchObject({
      error: { message: 'token [redacted] rejected', code: 'bad_token:[redacted]' },
    })
    expectNoKeys('answer', a.all)
    expectNoKeys('spend', spendText(hr))
    expectNoKeys('logs', logs.join('\n'))
  })
})

/** SSE: one content event, then the provider's own in-band error, keys in every string of it. */
const STREAMS: Array<{ provider: string; model: string; path: RegExp; events: string }> = [
  {
    provider: 'raw-openai',
    model: 'gpt-4.1-mini',
    path: /\/v1\/chat\/completions$/,
    events:
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] })}\n\n` +
      `data: ${JSON.stringify(openaiError(500))}\n\n`,
  },
  {
    provider: 'raw-anthropic',
    model: 'claude-haiku-4-5',
    path: /\/v1\/messages$/,
    events:
      `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } })}\n\n` +
      `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n` +
      `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } })}\n\n` +
      `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: `overloaded_error_${ANTHROPIC_KEY}`, message: `overloaded ${SECRET} ${OPENAI_KEY} ${GOOGLE_KEY}` } })}\n\n`,
  },
  {
    provider: 'raw-google',
    model: 'gemini-2.5-flash',
    path: /:streamGenerateContent/,
    events:
      `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, index: 0 }], modelVersion: 'gemini-2.5-flash' })}\n\n` +
      `data: ${JSON.stringify({ error: { code: 503, message: `unavailable ${SECRET} ${GOOGLE_KEY} ${OPENAI_KEY} ${ANTHROPIC_KEY}`, status: `UNAVAILABLE_${GOOGLE_KEY}` } })}\n\n`,
  },
]

describe.each(STREAMS)(
  'upstream strings: an error frame mid-stream from $provider',
  ({ provider, model, path, events }) => {
    it('ends the stream with an error frame that carries no key; the row and the logs neither', async () => {
      const { hr, logs } = await start()
      raw.upstream.handler = (req, res) => {
        expect(req.url).toMatch(path)
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end(events)
      }
      const a = await ask(hr, `${provider}/${model}`, true)
      expect(a.status).toBe(200)
      expect(a.body).toContain('Hello')
      expect(a.body).toMatch(/data: \{"error":/)
      expectNoKeys('answer', a.all)
      expectNoKeys('spend', spendText(hr))
      expectNoKeys('logs', logs.join('\n'))
    })
  },
)
