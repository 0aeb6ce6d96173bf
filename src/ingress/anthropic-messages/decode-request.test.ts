import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ChatRequestSchema, THINKING_BUDGET, type WithThinkingBudget } from '../../providers/openai-schema.ts'
import { decodeRequest, effortForBudget, parseRequest } from './decode-request.ts'

const dir = join(import.meta.dirname, '__fixtures__', 'requests')
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f, ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture) }))

interface Fixture {
  anthropic: Record<string, unknown>
  openai: Record<string, unknown>
  warnings: string[]
}

const base = { model: 'claude-haiku-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] }

function ok(body: Record<string, unknown>) {
  const d = decodeRequest({ ...base, ...body })
  if (!d.ok) throw new Error(`expected a translation, got ${d.error.message}`)
  return d
}

function refused(body: Record<string, unknown>) {
  const d = decodeRequest({ ...base, ...body })
  if (d.ok) throw new Error('expected a refusal')
  expect([d.error.status, d.error.type]).toEqual([400, 'invalid_request_error'])
  return d.error
}

describe('recorded requests (Anthropic documentation shapes)', () => {
  it('has them', () => expect(fixtures.length).toBeGreaterThanOrEqual(5))

  it.each(fixtures)('$name: the OpenAI request and warnings', ({ anthropic, openai, warnings }) => {
    const d = decodeRequest(anthropic)
    expect(d).toEqual({ ok: true, request: openai, warnings })
  })

  it.each(fixtures)('$name: a request the chat-completions schema accepts as it is', ({ anthropic }) => {
    const d = decodeRequest(anthropic)
    if (!d.ok) throw new Error(d.error.message)
    expect(ChatRequestSchema.parse(d.request)).toEqual(d.request)
  })
})

describe('parameters', () => {
  const thinking = (budget_tokens: number) => ({ type: 'enabled', budget_tokens })
  const schema = { type: 'object', properties: { a: { type: 'string' } } }
  const ignored = (field: string) => `${field} was ignored: it has no equivalent outside Anthropic's API`

  it.each([
    ['stop_sequences → stop', { stop_sequences: ['\n\nHuman:', 'END'] }, { stop: ['\n\nHuman:', 'END'] }],
    ['no stop for an empty list', { stop_sequences: [] }, {}],
    [
      'temperature and top_p as they are (0–1 is inside OpenAI’s range)',
      { temperature: 0.2, top_p: 0.9 },
      {
        temperature: 0.2,
        top_p: 0.9,
      },
    ],
    ['metadata.user_id → user', { metadata: { user_id: 'u-1' } }, { user: 'u-1' }],
    [
      'stream asks for the closing usage chunk',
      { stream: true },
      {
        stream: true,
        stream_options: { include_usage: true },
      },
    ],
    ['stream: false is the default', { stream: false }, {}],
    ['thinking by budget: low', { thinking: thinking(1024) }, { reasoning_effort: 'low' }],
    ['thinking by budget: high', { thinking: thinking(32_000) }, { reasoning_effort: 'high' }],
    ['thinking disabled: the target’s default', { thinking: { type: 'disabled' } }, {}],
    ['thinking adaptive: the target’s default', { thinking: { type: 'adaptive' } }, {}],
    [
      'output_config.effort wins over the budget',
      { output_config: { effort: 'low' }, thinking: thinking(20_000) },
      {
        reasoning_effort: 'low',
      },
    ],
    [
      'structured output → a strict json_schema',
      { output_config: { format: { type: 'json_schema', schema } } },
      {
        response_format: { type: 'json_schema', json_schema: { name: 'output', schema, strict: true } },
      },
    ],
    ['cache_control (top level) is a cost hint, dropped quietly', { cache_control: { type: 'ephemeral' } }, {}],
    ['service_tier auto is the default, dropped quietly', { service_tier: 'auto' }, {}],
  ])('%s', (_name, body, expected) => {
    const d = ok(body)
    expect(d.request).toEqual({ ...base, ...expected })
    expect(d.warnings).toEqual([])
  })

  it.each([
    ['top_k', { top_k: 40 }, ignored('top_k')],
    ['service_tier standard_only', { service_tier: 'standard_only' }, ignored('service_tier')],
    ['a field this code does not know', { context_management: { edits: [] } }, ignored('context_management')],
    [
      'effort above OpenAI’s scale',
      { output_config: { effort: 'max' } },
      'output_config.effort "max" was sent as reasoning_effort "high", the top of OpenAI\'s scale',
    ],
    [
      'a thinking type this code does not know',
      { thinking: { type: 'between_tools' } },
      ignored('thinking.type "between_tools"'),
    ],
  ])('%s: dropped with a warning', (_name, body, warning) => {
    expect(ok(body).warnings).toEqual([warning])
  })

  it('keeps the thinking budget itself beside the effort, out of the JSON; not when an effort is said outright', () => {
    const d = ok({ thinking: thinking(5000) })
    expect((d.request as WithThinkingBudget)[THINKING_BUDGET]).toBe(5000)
    expect(JSON.stringify(d.request)).not.toContain('5000')
    const said = ok({ thinking: thinking(5000), output_config: { effort: 'high' } })
    expect((said.request as WithThinkingBudget)[THINKING_BUDGET]).toBeUndefined()
  })

  it('maps thinking budgets to efforts at the documented thresholds', () => {
    const budgets = [1024, 4095, 4096, 16_383, 16_384, 64_000]
    expect(budgets.map(effortForBudget)).toEqual(['low', 'low', 'medium', 'medium', 'high', 'high'])
  })
})

describe('messages', () => {
  it('keeps a user turn’s blocks in order after its tool results, and marks an error result', () => {
    const d = ok({
      messages: [
        { role: 'user', content: 'Run it' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 't1', name: 'run', input: {} },
            { type: 'tool_use', id: 't2', name: 'run', input: { x: 1 } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'exit 1', is_error: true },
            { type: 'tool_result', tool_use_id: 't2' },
            { type: 'text', text: 'Go on' },
          ],
        },
      ],
    })
    expect(d.request.messages).toEqual([
      { role: 'user', content: 'Run it' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 't1', type: 'function', function: { name: 'run', arguments: '{}' } },
          { id: 't2', type: 'function', function: { name: 'run', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 't1', content: 'Error: exit 1' },
      { role: 'tool', tool_call_id: 't2', content: '' },
      { role: 'user', content: [{ type: 'text', text: 'Go on' }] },
    ])
  })

  it('leaves out thinking and redacted thinking, and an assistant turn with nothing else', () => {
    // No empty text here: Anthropic refuses it beside other blocks, so conversationRule does too.
    const d = ok({
      messages: [
        { role: 'user', content: 'Q1' },
        {
          role: 'assistant',
          content: [
            { type: 'redacted_thinking', data: 'EmwKAhgB' },
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          ],
        },
        { role: 'user', content: 'Q2' },
      ],
    })
    expect(d.request.messages).toEqual([
      { role: 'user', content: 'Q1' },
      { role: 'user', content: 'Q2' },
    ])
  })

  it('makes consecutive assistant messages one, their text and calls in order', () => {
    const call = (id: string) => ({ type: 'tool_use', id, name: 'f', input: { n: id } })
    const d = ok({
      messages: [
        { role: 'user', content: 'Q' },
        { role: 'assistant', content: 'Let me see.' },
        { role: 'assistant', content: [call('a'), { type: 'text', text: 'and' }, call('b')] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'a' },
            { type: 'tool_result', tool_use_id: 'b' },
          ],
        },
      ],
    })
    const fn = (id: string) => ({ id, type: 'function', function: { name: 'f', arguments: `{"n":"${id}"}` } })
    expect(d.request.messages.slice(1, 3)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me see.' },
          { type: 'text', text: 'and' },
        ],
        tool_calls: [fn('a'), fn('b')],
      },
      { role: 'tool', tool_call_id: 'a', content: '' },
    ])
  })

  it('takes a system turn inside messages where it stands', () => {
    const d = ok({
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
      ],
    })
    expect(d.request.messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Hi' },
    ])
  })

  it('lets the final assistant message be empty (Anthropic does), and leaves it out', () => {
    const d = ok({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: '' },
      ],
    })
    expect(d.request.messages).toEqual([{ role: 'user', content: 'Hi' }])
  })
})

describe('refusals: a 400 naming the field', () => {
  const userBlocks = (...content: unknown[]) => ({ messages: [{ role: 'user', content }] })

  it.each([
    [
      'a server tool',
      { tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }] },
      'tools.0: the web_search_20250305 tool can only be served by an Anthropic target',
    ],
    [
      'an Anthropic-defined client tool',
      { tools: [{ type: 'bash_20250124', name: 'bash' }] },
      'tools.0: the bash_20250124 tool can only be served by an Anthropic target',
    ],
    [
      'remote MCP servers',
      { mcp_servers: [{ type: 'url', url: 'https://example.com/sse', name: 'x' }] },
      'mcp_servers: mcp_servers (tools on remote MCP servers that Anthropic calls) can only be served',
    ],
    ['max_tokens 0', { max_tokens: 0 }, 'max_tokens: max_tokens 0 (pre-warming the prompt cache) can only be served'],
    ['tool_choice any without tools', { tool_choice: { type: 'any' } }, 'tool_choice.type "any" requires tools'],
    [
      'a prefill',
      {
        messages: [
          { role: 'user', content: 'JSON please' },
          { role: 'assistant', content: '{' },
        ],
      },
      'messages.1: a final assistant message (prefill) can only be served by an Anthropic target',
    ],
    [
      'an empty user message',
      { messages: [{ role: 'user', content: [] }] },
      'messages.0: all messages must have non-empty content except for the optional final assistant message',
    ],
    [
      'an image from the Files API',
      userBlocks({ type: 'image', source: { type: 'file', file_id: 'file_011C' } }),
      "messages.0.content.0.source: an image from Anthropic's Files API (file_id) can only be served",
    ],
    [
      'a PDF by URL',
      userBlocks({ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }),
      'messages.0.content.0.source: a document by URL can only be served',
    ],
    [
      'an image from the Files API in a tool result',
      {
        messages: [
          { role: 'user', content: 'Look' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't1',
                content: [{ type: 'image', source: { type: 'file', file_id: 'file_011C' } }],
              },
            ],
          },
        ],
      },
      "messages.2.content.0.content.0.source: an image from Anthropic's Files API (file_id) can only be served",
    ],
    [
      'a block type this code does not know',
      userBlocks({ type: 'search_result', source: 'https://example.com', title: 'T', content: [] }),
      'messages.0.content.0: a search_result block can only be served by an Anthropic target',
    ],
    [
      'a tool_use block in a user message',
      userBlocks({ type: 'tool_use', id: 't', name: 'n', input: {} }),
      'messages.0.content.0: `tool_use` blocks can only be in `assistant` messages',
    ],
    [
      'a tool_result block in an assistant message',
      {
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 't' }] },
          { role: 'user', content: 'x' },
        ],
      },
      'messages.1.content.0: unexpected `tool_use_id` found in `tool_result` blocks: t.',
    ],
  ])('%s', (_name, body, message) => {
    expect(refused(body).message).toContain(message)
  })

  it('names the field as `param` too', () => {
    expect(refused({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }).param).toBe('tools.0')
  })

  it('leaves the body valid for an Anthropic target (parseRequest accepts what decode refuses)', () => {
    const body = { ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }
    expect(parseRequest(body).ok).toBe(true)
    expect(decodeRequest(body).ok).toBe(false)
  })
})
