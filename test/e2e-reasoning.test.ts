/**
 * Reasoning effort across providers, end to end: the `openai` SDK's `reasoning_effort` (chat) and
 * `reasoning.effort` (Responses) reach Anthropic as extended thinking and Gemini as a thinking budget or
 * level, through the real server and the simulator, which enforces each provider's rules for them.
 */
import Anthropic from '@anthropic-ai/sdk'
import type OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack, TIME_TOOL } from './harness.ts'

let stack: Stack
let client: OpenAI

beforeAll(async () => {
  stack = await startStack()
  client = stack.client
})
afterAll(() => stack.close())

const ask = (model: string, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content: 'reply: ok' }], ...extra }).withResponse()

describe('reasoning_effort → Anthropic thinking', () => {
  it('thinks: output tokens grow, and the raised max_tokens and dropped temperature are named', async () => {
    const plain = await ask('anthropic/claude-haiku-4-5')
    const { data, response } = await ask('anthropic/claude-haiku-4-5', {
      reasoning_effort: 'low',
      temperature: 0.5,
    })
    expect(data.choices[0]!.message.content).toBe('ok')
    expect(data.usage!.completion_tokens).toBeGreaterThan(plain.data.usage!.completion_tokens)
    const warning = response.headers.get('x-headroom-warning')
    expect(warning).toContain('max_tokens was sent as 5120')
    expect(warning).toContain('temperature was not sent')
    expect(warning).not.toContain('reasoning_effort is not supported')
  })

  it('a small max_tokens: the budget below it, as Anthropic requires (the simulator answers 400 otherwise)', async () => {
    const { data, response } = await ask('anthropic/claude-haiku-4-5', { reasoning_effort: 'high', max_tokens: 3000 })
    expect(data.choices[0]!.message.content).toBe('ok')
    expect(response.headers.get('x-headroom-warning')).toContain('thinking budget of 1500 tokens, not 24576')
  })

  it('answering tool calls: no thinking, since chat carries no thinking blocks back (Anthropic would answer 400)', async () => {
    const { data, response } = await ask('anthropic/claude-haiku-4-5', {
      reasoning_effort: 'medium',
      tools: [TIME_TOOL],
      messages: [
        { role: 'user', content: 'time in UTC?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '12:00' },
      ],
    })
    expect(data.choices[0]!.finish_reason).toBe('stop')
    expect(response.headers.get('x-headroom-warning')).toContain(
      'reasoning_effort was not sent: Anthropic wants the thinking',
    )
  })

  it('xhigh on a model that writes at most 32,000 tokens: within it (it would answer 400 past it)', async () => {
    const { data, response } = await ask('anthropic/claude-opus-4-1', { reasoning_effort: 'xhigh' })
    expect(data.choices[0]!.message.content).toBe('ok')
    expect(response.headers.get('x-headroom-warning')).toContain('max_tokens was sent as 32000')
  })

  it('Responses: reasoning.effort, the warnings in Responses names', async () => {
    const { data, response } = await client.responses
      .create({ model: 'anthropic/claude-haiku-4-5', input: 'reply: ok', reasoning: { effort: 'medium' } })
      .withResponse()
    expect(data.output_text).toBe('ok')
    const warning = response.headers.get('x-headroom-warning')
    expect(warning).toContain('max_output_tokens was sent as 12288: 4096 for the answer plus a thinking budget of 8192')
    expect(warning).not.toContain('max_tokens')
  })

  it('a model that does not think: answered, reasoning_effort named as not sent', async () => {
    const { response } = await ask('anthropic/claude-3-5-haiku-20241022', { reasoning_effort: 'low' })
    expect(response.headers.get('x-headroom-warning')).toContain(
      'reasoning_effort is not supported by claude-3-5-haiku-20241022 (it does not think)',
    )
  })
})

describe('reasoning_effort → Gemini thinkingConfig', () => {
  it('none turns 2.5 Flash thinking off (budget 0): no thought tokens; high thinks', async () => {
    const off = await ask('google/gemini-2.5-flash', { reasoning_effort: 'none' })
    expect(off.data.usage!.completion_tokens_details?.reasoning_tokens ?? 0).toBe(0)
    expect(off.response.headers.get('x-headroom-warning')).toBeNull()
    const on = await ask('google/gemini-2.5-flash', { reasoning_effort: 'high' })
    const reasoning = on.data.usage!.completion_tokens_details!.reasoning_tokens!
    expect(reasoning).toBeGreaterThan(0)
    // The spend row counts them too.
    stack.hr.spend.flush()
    const row = stack.hr.db.sqlite
      .prepare('SELECT reasoning_tokens FROM spend WHERE request_id = ?')
      .get(on.response.headers.get('x-request-id')) as { reasoning_tokens: number }
    expect(row.reasoning_tokens).toBe(reasoning)
  })

  it('none on 2.5 Pro, which cannot stop thinking: its smallest budget, not 0 (which it answers 400)', async () => {
    const { data, response } = await ask('google/gemini-2.5-pro', { reasoning_effort: 'none' })
    expect(data.choices[0]!.message.content).toBe('ok')
    expect(response.headers.get('x-headroom-warning')).toContain(
      'thinking budget of 128: gemini-2.5-pro cannot stop thinking',
    )
  })

  it('an effort OpenAI does not define: 400 naming reasoning_effort', async () => {
    const err = await ask('google/gemini-2.5-flash', { reasoning_effort: 'ultra' as 'high' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 400, param: 'reasoning_effort' })
  })
})

describe('the reasoning comes back as reasoning_content (as DeepSeek and LiteLLM send it)', () => {
  it.each(['anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash'])('%s: answer and stream', async (model) => {
    const { data } = await ask(model, { reasoning_effort: 'low' })
    const message = data.choices[0]!.message as { content: string; reasoning_content?: string }
    expect(message.content).toBe('ok')
    expect(message.reasoning_content?.length).toBeGreaterThan(0)
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'reply: ok' }],
      reasoning_effort: 'low',
      stream: true,
    })
    let reasoning = ''
    let content = ''
    for await (const c of stream) {
      const d = c.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined
      reasoning += d?.reasoning_content ?? ''
      content += d?.content ?? ''
    }
    expect([content, reasoning.length > 0]).toEqual(['ok', true])
  })

  it('none, or no effort: no reasoning text', async () => {
    for (const extra of [{ reasoning_effort: 'none' as const }, {}]) {
      const { data } = await ask('google/gemini-2.5-flash', extra)
      expect(data.choices[0]!.message).not.toHaveProperty('reasoning_content')
    }
  })
})

describe('Responses: reasoning.summary shows the target reasoning as a reasoning item', () => {
  it.each(['anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash'])('%s: answer and stream', async (model) => {
    const body = { model, input: 'reply: ok', reasoning: { effort: 'low' as const, summary: 'auto' as const } }
    const r = await client.responses.create(body)
    expect(r.output.map((o) => o.type)).toEqual(['reasoning', 'message'])
    const summary = (r.output[0] as OpenAI.Responses.ResponseReasoningItem).summary
    expect(summary[0]!.text.length).toBeGreaterThan(0)
    expect(r.output_text).toBe('ok')
    if (model.startsWith('google/')) expect(r.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0)

    const stream = await client.responses.create({ ...body, stream: true })
    let deltas = ''
    let done: OpenAI.Responses.Response | null = null
    for await (const e of stream) {
      if (e.type === 'response.reasoning_summary_text.delta') deltas += e.delta
      if (e.type === 'response.completed') done = e.response
    }
    expect(deltas.length).toBeGreaterThan(0)
    expect(done!.output.map((o) => o.type)).toEqual(['reasoning', 'message'])
    expect((done!.output[0] as OpenAI.Responses.ResponseReasoningItem).summary[0]!.text).toBe(deltas)
  })

  it('without reasoning.summary: the message alone', async () => {
    const r = await client.responses.create({
      model: 'google/gemini-2.5-flash',
      input: 'reply: ok',
      reasoning: { effort: 'low' },
    })
    expect(r.output.map((o) => o.type)).toEqual(['message'])
  })
})

it('a turn chained by previous_response_id to one with a reasoning item: no warning about it', async () => {
  const body = { model: 'google/gemini-2.5-flash', reasoning: { effort: 'low' as const, summary: 'auto' as const } }
  const first = await client.responses.create({ ...body, input: 'reply: ok' })
  expect(first.output[0]!.type).toBe('reasoning')
  const { data, response } = await client.responses
    .create({ ...body, input: 'reply: again', previous_response_id: first.id })
    .withResponse()
  expect(data.output_text).toBe('again')
  expect(response.headers.get('x-headroom-warning') ?? '').not.toContain('reasoning item')
})

it("Messages: thinking's own budget reaches Gemini 2.5 as its thinkingBudget, the thought tokens in the usage", async () => {
  const anthropic = new Anthropic({ baseURL: stack.hr.url, apiKey: 'client-key', maxRetries: 0 })
  const m = await anthropic.messages.create({
    model: 'google/gemini-2.5-flash',
    max_tokens: 8000,
    thinking: { type: 'enabled', budget_tokens: 5000 },
    messages: [{ role: 'user', content: 'reply: ok' }],
  })
  // No thinking block: Gemini's thoughts carry no Anthropic signature.
  expect(m.content).toEqual([{ type: 'text', text: 'ok' }])
  const sent = stack.sim.log.findLast((r) => r.api === 'gemini')!.body as {
    generationConfig: { thinkingConfig: unknown }
  }
  expect(sent.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 5000, includeThoughts: true })
})
