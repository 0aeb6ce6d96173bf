/**
 * The official SDK (@anthropic-ai/sdk) reads what the ingress writes: the SSE bytes through its own stream
 * machinery (`messages.stream().finalMessage()`), whole answers through `messages.create()`, errors into
 * its error classes. Its `fetch` is replaced by one that answers with our bytes: no socket at all.
 */

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Anthropic, { APIError } from '@anthropic-ai/sdk'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  AnthropicStreamTransform,
  type AnthropicStreamEvent as UpstreamEvent,
} from '../../providers/anthropic/stream-transform.ts'
import type { ChatChunk } from '../../providers/openai-schema.ts'
import { SseDecoder } from '../../providers/sse.ts'
import { answers, CTX, collect, replay, sse } from './__fixtures__/answers.ts'
import { encodeError } from './encode-error.ts'
import { encodeResponse } from './encode-response.ts'
import { type AnthropicStreamEvent, encodeStream, encodeStreamError } from './encode-stream.ts'

beforeAll(() => {
  // SDK 1.14 warns that some model ids are deprecated; keep the output readable.
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

const params = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Hi' }] }

/** A client whose every request is answered with `answer()`. */
function client(answer: () => Response): Anthropic {
  return new Anthropic({
    apiKey: 'sk-ant-test',
    baseURL: 'http://127.0.0.1:9',
    maxRetries: 0,
    fetch: async () => answer(),
  })
}

const sseAnswer = (events: readonly AnthropicStreamEvent[]) => () =>
  new Response(sse(events), { headers: { 'content-type': 'text/event-stream' } })

const jsonAnswer = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** The SDK's objects carry non-enumerable extras (`_request_id`); compare the JSON a client would log. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v))

describe('streams, read by the SDK', () => {
  it.each(answers)('$name: finalMessage() is the same content’s unstreamed answer', async ({ chunks, completion }) => {
    const events = await collect(encodeStream(replay(chunks), CTX))
    // The SDK adds `parsed_output` (its structured-output helper's field) to the messages it assembles.
    const { parsed_output: _parsed, ...final } = await client(sseAnswer(events)).messages.stream(params).finalMessage()
    expect(plain(final)).toEqual(encodeResponse(completion, CTX))
  })

  it('surfaces a mid-stream error event as an APIError of its type', async () => {
    const events = await collect(encodeStream(replay(answers[0]!.chunks.slice(0, 2)), CTX))
    const cut = [...events.slice(0, -2), encodeStreamError(Object.assign(new Error('Overloaded'), { status: 503 }))]
    const err = await client(sseAnswer(cut))
      .messages.stream(params)
      .finalMessage()
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(err).toBeInstanceOf(APIError)
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }
    expect((err as APIError).error).toEqual(body)
  })
})

describe('whole answers and errors, read by the SDK', () => {
  it.each(answers)('$name: messages.create() returns the message as sent', async ({ completion }) => {
    const message = encodeResponse(completion, CTX)
    expect(plain(await client(jsonAnswer(200, message)).messages.create(params))).toEqual(message)
  })

  it.each([
    [400, Anthropic.BadRequestError],
    [401, Anthropic.AuthenticationError],
    [404, Anthropic.NotFoundError],
    [429, Anthropic.RateLimitError],
    [503, Anthropic.OverloadedError],
    [500, Anthropic.InternalServerError],
  ])('%i → the SDK’s %O', async (status, errorClass) => {
    const { status: sent, body } = encodeError(status, { message: 'what went wrong' })
    const err = await client(jsonAnswer(sent, body))
      .messages.create(params)
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(err).toBeInstanceOf(errorClass)
    expect((err as APIError).message).toContain('what went wrong')
  })
})

/**
 * Anthropic's own recorded streams, through the Anthropic adapter into canonical chunks and back out
 * through the ingress: what a client of a translated route sees next to what Anthropic sent. Thinking
 * leaves no block (its signature is lost to translation, and an unsigned block would be refused when sent
 * back to Anthropic), and cache writes are not in canonical usage (they count as input): the prompt's total
 * is kept.
 */
describe('Anthropic → canonical → Anthropic, on recorded Anthropic streams', () => {
  const dir = join(import.meta.dirname, '../../providers/anthropic/__fixtures__')

  async function viaCanonical(raw: Buffer): Promise<Anthropic.Message> {
    const decoder = new SseDecoder()
    const transform = new AnthropicStreamTransform({
      provider: 'anthropic',
      created: 1,
      fallbackId: 'x',
      fallbackModel: 'x',
      jsonToolName: null,
    })
    const chunks: ChatChunk[] = []
    for (const ev of [...decoder.push(raw), ...decoder.end()]) {
      chunks.push(...transform.push(JSON.parse(ev.data) as UpstreamEvent))
    }
    const events = await collect(encodeStream(replay(chunks), CTX))
    return client(sseAnswer(events)).messages.stream(params).finalMessage()
  }

  const original = (raw: Buffer) =>
    client(() => new Response(raw, { headers: { 'content-type': 'text/event-stream' } }))
      .messages.stream(params)
      .finalMessage()

  const prompt = (u: Anthropic.Usage) => [
    u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
    u.cache_read_input_tokens,
  ]

  it.each(['text', 'tool-call', 'parallel-tools', 'max-tokens', 'usage', 'thinking'])('%s', async (name) => {
    const raw = readFileSync(join(dir, `${name}.chunks.txt`))
    const [before, after] = await Promise.all([original(raw), viaCanonical(raw)])
    const content = (m: Anthropic.Message) =>
      m.content
        .filter((b) => b.type !== 'thinking')
        .map((b) => (b.type === 'text' ? { type: 'text', text: b.text } : plain(b)))
    expect(after.content.map(plain)).toEqual(content(before))
    expect([after.stop_reason, after.usage.output_tokens]).toEqual([before.stop_reason, before.usage.output_tokens])
    expect(prompt(after.usage)).toEqual(prompt(before.usage))
  })
})
