import { describe, expect, it } from 'vitest'
import { answers, CTX, collect, replay } from './__fixtures__/answers.ts'
import { anthropicMessages } from './index.ts'

describe('the Anthropic Messages ingress', () => {
  it('decodes a request and encodes the answer, stream and error back in Anthropic’s shapes', async () => {
    const body = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }
    expect(anthropicMessages.decode(body)).toEqual({ ok: true, request: body, warnings: [] })
    const { completion, chunks, message, events } = answers[0]!
    expect(anthropicMessages.encode(completion, CTX)).toEqual(message)
    expect(await collect(anthropicMessages.encodeStream(replay(chunks), CTX))).toEqual(events)
    expect(anthropicMessages.encodeError(429, { message: 'Slow down' })).toEqual({
      status: 429,
      body: { type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } },
    })
    expect(anthropicMessages.name).toBe('anthropic-messages')
  })
})
