/**
 * Tool names a target refuses, end to end with the real SDKs against the real server and simulator: Claude
 * Code's MCP tools (`mcp__<server>__<tool>`) pass 64 characters, which Anthropic takes (up to 128,
 * https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use) but OpenAI
 * (https://platform.openai.com/docs/api-reference/chat/create, `^[a-zA-Z0-9_-]{1,64}$`) and Gemini
 * (https://ai.google.dev/api/caching#FunctionDeclaration: a letter or `_` first, at most 64) refuse; and
 * an OpenAI name starting with a digit, which Gemini refuses; and earlier calls named with `.` or `:`, which
 * Anthropic (`^[a-zA-Z0-9_-]{1,128}$`) refuses. The target is sent an alias, and the client
 * sees only its own names: in answers, streams, and in the history and tool_choice it sends back.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack, testConfig } from './harness.ts'

const CLIENT_KEY = 'client-secret-names-123'
let stack: Stack
let anthropic: Anthropic

beforeAll(async () => {
  stack = await startStack({ config: (u) => testConfig(u, `keys:\n  - { name: team, key: ${CLIENT_KEY} }\n`) })
  anthropic = new Anthropic({ baseURL: stack.hr.url, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 15_000 })
})
afterAll(() => stack.close())

/** 90 characters, as Claude Code names a tool of an MCP server with a long name. */
const LONG =
  `mcp__${'claude_ai_company_knowledge_base'}__${'search_documents_by_semantic_similarity_and_rank_x'}`.padEnd(90, 'z')
const SCHEMA = { type: 'object' as const, properties: { q: { type: 'string' } }, required: ['q'] }
const TOOLS: Anthropic.Tool[] = [
  { name: LONG, description: 'Search the knowledge base', input_schema: SCHEMA },
  { name: 'get_weather', description: 'Current weather', input_schema: SCHEMA },
]

type Api = 'openai' | 'gemini'
const TARGETS: Array<[string, Api]> = [
  ['openai/gpt-4.1-mini', 'openai'],
  ['google/gemini-2.5-flash', 'gemini'],
]

function lastBody(api: Api): Record<string, unknown> {
  const l = [...stack.sim.log].reverse().find((x) => x.api === api)
  return l?.body as Record<string, unknown>
}

/** The tool names the upstream was declared, in order. */
function sentToolNames(api: Api): string[] {
  const b = lastBody(api)
  if (api === 'openai') return (b['tools'] as Array<{ function: { name: string } }>).map((t) => t.function.name)
  const decl = (b['tools'] as Array<{ functionDeclarations: Array<{ name: string }> }>)[0]!.functionDeclarations
  return decl.map((d) => d.name)
}

function toolUses(m: Anthropic.Message): Anthropic.ToolUseBlock[] {
  return m.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
}

expect(LONG.length).toBe(90)

describe.each(TARGETS)('messages → %s with a 90-character MCP tool name', (model, api) => {
  it.each([false, true])(
    'stream %s: the call comes back under the client’s name; the short name is sent as is',
    async (stream) => {
      const req = {
        model,
        max_tokens: 128,
        tools: TOOLS,
        messages: [{ role: 'user' as const, content: 'call: all' }],
      }
      const message = stream
        ? await anthropic.messages.stream(req).finalMessage()
        : await anthropic.messages.create(req)
      expect(message.stop_reason).toBe('tool_use')
      expect(toolUses(message).map((u) => u.name)).toEqual([LONG, 'get_weather'])
      const [alias, short] = sentToolNames(api)
      expect(alias!.length).toBeLessThanOrEqual(64)
      expect(alias).toMatch(/^mcp__claude_ai_company_knowledge_base__search/)
      expect(short).toBe('get_weather')
    },
  )

  it('the history and tool_choice name the long tool: sent as the same alias, the forced call mapped back', async () => {
    const first = await anthropic.messages.create({
      model,
      max_tokens: 128,
      tools: TOOLS,
      messages: [{ role: 'user', content: 'call: all' }],
    })
    const alias = sentToolNames(api)[0]!
    const uses = toolUses(first)
    const second = await anthropic.messages.create({
      model,
      max_tokens: 128,
      tools: TOOLS,
      tool_choice: { type: 'tool', name: LONG },
      messages: [
        { role: 'user', content: 'call: all' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: 'found 3' })),
        },
        { role: 'assistant', content: 'Found 3.' },
        { role: 'user', content: 'search again' },
      ],
    })
    expect(toolUses(second).map((u) => u.name)).toEqual([LONG])
    const sent = lastBody(api)
    expect(sentToolNames(api)[0]).toBe(alias)
    if (api === 'openai') {
      const calls = (sent['messages'] as Array<{ tool_calls?: Array<{ function: { name: string } }> }>).flatMap(
        (m) => m.tool_calls ?? [],
      )
      expect(calls.map((c) => c.function.name)).toEqual([alias, 'get_weather'])
      expect(sent['tool_choice']).toEqual({ type: 'function', function: { name: alias } })
    } else {
      const parts = (sent['contents'] as Array<{ parts: Array<Record<string, { name: string }>> }>).flatMap(
        (c) => c.parts,
      )
      expect(parts.flatMap((p) => (p['functionCall'] ? [p['functionCall'].name] : []))).toEqual([alias, 'get_weather'])
      expect(parts.flatMap((p) => (p['functionResponse'] ? [p['functionResponse'].name] : []))).toEqual([
        alias,
        'get_weather',
      ])
      expect(sent['toolConfig']).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [alias] } })
    }
  })
})

/** Valid for OpenAI (digits first, `-`), refused by Gemini (a letter or `_` first). */
const DIGIT_FIRST = '2fa-code-lookup'
const CHAT_TOOLS = [
  { type: 'function' as const, function: { name: DIGIT_FIRST, parameters: SCHEMA } },
  { type: 'function' as const, function: { name: 'get-weather', parameters: SCHEMA } },
]

describe('chat completions → Gemini with a name Gemini refuses', () => {
  it.each([false, true])('stream %s: the call comes back under the client’s name', async (stream) => {
    const client = stack.client.withOptions({ apiKey: CLIENT_KEY })
    const req = {
      model: 'google/gemini-2.5-flash',
      tools: CHAT_TOOLS,
      messages: [{ role: 'user' as const, content: 'call: all' }],
    }
    let names: string[]
    if (stream) {
      names = []
      for await (const c of await client.chat.completions.create({ ...req, stream: true }))
        for (const t of c.choices[0]?.delta.tool_calls ?? []) if (t.function?.name) names.push(t.function.name)
    } else {
      const r = await client.chat.completions.create(req)
      names = (r.choices[0]!.message.tool_calls ?? []).map((t) => (t.type === 'function' ? t.function.name : ''))
    }
    expect(names).toEqual([DIGIT_FIRST, 'get-weather'])
    const [alias, second] = sentToolNames('gemini')
    expect(alias).toMatch(/^_2fa-code-lookup/)
    expect(second).toBe('get-weather')
  })
})

describe('Responses → Gemini with a name Gemini refuses', () => {
  it.each([false, true])('stream %s: function_call items under the client’s name', async (stream) => {
    const client = stack.client.withOptions({ apiKey: CLIENT_KEY })
    const tools = CHAT_TOOLS.map((t) => ({
      type: 'function' as const,
      name: t.function.name,
      parameters: SCHEMA,
      strict: false,
    }))
    const req = { model: 'google/gemini-2.5-flash', tools, input: 'call: all' }
    const names: string[] = []
    if (stream) {
      for await (const e of await client.responses.create({ ...req, stream: true })) {
        if (e.type === 'response.output_item.added' && e.item.type === 'function_call') names.push(e.item.name)
        if (e.type === 'response.output_item.done' && e.item.type === 'function_call') names.push(e.item.name)
        if (e.type === 'response.completed')
          for (const o of e.response.output) if (o.type === 'function_call') names.push(o.name)
      }
      expect(names).toEqual([DIGIT_FIRST, DIGIT_FIRST, 'get-weather', 'get-weather', DIGIT_FIRST, 'get-weather'])
    } else {
      const r = await client.responses.create(req)
      for (const o of r.output) if (o.type === 'function_call') names.push(o.name)
      expect(names).toEqual([DIGIT_FIRST, 'get-weather'])
    }
    expect(sentToolNames('gemini')[0]).toMatch(/^_2fa-code-lookup/)
  })
})

/**
 * The chat and Responses edges take only OpenAI's tool names (`^[a-zA-Z0-9_-]{1,64}$`, which Anthropic takes
 * too), but not the names of earlier calls in the history: a conversation begun elsewhere may hold `a.b`.
 */
describe('history → Anthropic naming calls Anthropic refuses', () => {
  const model = 'anthropic/claude-haiku-4-5'
  const HISTORY_NAMES = ['a.b', 'ns:tool']

  function sentToolUseNames(): string[] {
    const b = [...stack.sim.log].reverse().find((x) => x.api === 'anthropic')?.body as {
      messages: Array<{ content: Array<{ type: string; name?: string }> | string }>
    }
    return b.messages.flatMap((m) =>
      typeof m.content === 'string' ? [] : m.content.flatMap((x) => (x.type === 'tool_use' ? [x.name!] : [])),
    )
  }

  it('chat completions: earlier tool_calls are sent as aliases', async () => {
    const client = stack.client.withOptions({ apiKey: CLIENT_KEY })
    const r = await client.chat.completions.create({
      model,
      messages: [
        { role: 'user', content: 'look it up' },
        {
          role: 'assistant',
          content: null,
          tool_calls: HISTORY_NAMES.map((name, i) => ({
            id: `call_${i}`,
            type: 'function' as const,
            function: { name, arguments: '{"q":"x"}' },
          })),
        },
        { role: 'tool', tool_call_id: 'call_0', content: 'one' },
        { role: 'tool', tool_call_id: 'call_1', content: 'two' },
        { role: 'user', content: 'thanks' },
      ],
    })
    expect(r.choices[0]!.message.content).toBeTruthy()
    const [a, b] = sentToolUseNames()
    expect(a).toMatch(/^a_b_[0-9a-f]{8}$/)
    expect(b).toMatch(/^ns_tool_[0-9a-f]{8}$/)
  })

  it('Responses: earlier function_call items are sent as aliases', async () => {
    const client = stack.client.withOptions({ apiKey: CLIENT_KEY })
    const r = await client.responses.create({
      model,
      input: [
        { role: 'user', content: 'look it up' },
        ...HISTORY_NAMES.map((name, i) => ({
          type: 'function_call' as const,
          call_id: `call_${i}`,
          name,
          arguments: '{"q":"x"}',
        })),
        ...HISTORY_NAMES.map((_, i) => ({ type: 'function_call_output' as const, call_id: `call_${i}`, output: 'ok' })),
        { role: 'user', content: 'thanks' },
      ],
    })
    expect(r.output_text).toBeTruthy()
    const [a, b] = sentToolUseNames()
    expect(a).toMatch(/^a_b_[0-9a-f]{8}$/)
    expect(b).toMatch(/^ns_tool_[0-9a-f]{8}$/)
  })
})
