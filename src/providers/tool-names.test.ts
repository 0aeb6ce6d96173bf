import { describe, expect, it } from 'vitest'
import { type ChatChunk, type ChatCompletion, type ChatRequest, RAW_JSON } from './openai-schema.ts'
import { ANTHROPIC_TOOL_NAMES, GEMINI_TOOL_NAMES, OPENAI_TOOL_NAMES, ToolNames } from './tool-names.ts'

const LONG = `mcp__knowledge_base__${'x'.repeat(70)}`
const fn = (name: string) => ({ type: 'function' as const, function: { name, parameters: {} } })
const call = (name: string) => ({
  id: `call_${name.length}`,
  type: 'function' as const,
  function: { name, arguments: '{}' },
})

function request(names: string[], choice?: string): ChatRequest {
  return {
    model: 'm',
    tools: names.map(fn),
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: null, tool_calls: names.map(call) },
      { role: 'user', content: 'again' },
    ],
    ...(choice ? { tool_choice: { type: 'function' as const, function: { name: choice } } } : {}),
  }
}

const wireNames = (r: ChatRequest) => (r.tools ?? []).map((t) => t.function.name)

describe('ToolNames', () => {
  it('is null when the provider takes every name: nothing is copied or mapped', () => {
    expect(ToolNames.of(request(['get_weather', 'a-b']), OPENAI_TOOL_NAMES)).toBeNull()
    expect(ToolNames.of(request(['get.weather', 'ns:tool']), GEMINI_TOOL_NAMES)).toBeNull()
    expect(ToolNames.of(request([LONG, '2fa']), ANTHROPIC_TOOL_NAMES)).toBeNull()
  })

  it('Anthropic: `.` and `:` refused, names up to 128 characters kept', () => {
    const req = request(['a.b', 'ns:tool', `${LONG}${'y'.repeat(40)}`])
    const [dot, colon, long] = wireNames(ToolNames.of(req, ANTHROPIC_TOOL_NAMES)!.request(req))
    expect(dot).toMatch(/^a_b_[0-9a-f]{8}$/)
    expect(colon).toMatch(/^ns_tool_[0-9a-f]{8}$/)
    expect(long).toHaveLength(128)
  })

  it('aliases only refused names, the same way in tools, earlier calls and tool_choice', () => {
    const req = request([LONG, 'get_weather'], LONG)
    const sent = ToolNames.of(req, OPENAI_TOOL_NAMES)!.request(req)
    const [alias, short] = wireNames(sent)
    expect(alias).toMatch(/^mcp__knowledge_base__x+_[0-9a-f]{8}$/)
    expect(alias).toHaveLength(64)
    expect(short).toBe('get_weather')
    const assistant = sent.messages[1] as { tool_calls: Array<{ function: { name: string } }> }
    expect(assistant.tool_calls.map((c) => c.function.name)).toEqual([alias, 'get_weather'])
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: alias } })
    // The client's request is left as it was.
    expect(wireNames(req)).toEqual([LONG, 'get_weather'])
  })

  it('gives a name the same alias in every request (turn after turn)', () => {
    const a = ToolNames.of(request([LONG]), OPENAI_TOOL_NAMES)!.request(request([LONG]))
    const b = ToolNames.of(request(['other', LONG]), OPENAI_TOOL_NAMES)!.request(request(['other', LONG]))
    expect(wireNames(a)[0]).toBe(wireNames(b)[1])
  })

  it("follows each provider's characters: Gemini wants a letter or _ first and takes . and :", () => {
    const req = request(['2fa-lookup', 'ns:tool.v2'])
    expect(wireNames(ToolNames.of(req, GEMINI_TOOL_NAMES)!.request(req))).toEqual([
      expect.stringMatching(/^_2fa-lookup_[0-9a-f]{8}$/),
      'ns:tool.v2',
    ])
    const openai = wireNames(ToolNames.of(req, OPENAI_TOOL_NAMES)!.request(req))
    expect(openai).toEqual(['2fa-lookup', expect.stringMatching(/^ns_tool_v2_[0-9a-f]{8}$/)])
  })

  it('keeps aliases unique: names that read alike, or an alias some tool already has', () => {
    const taken = ToolNames.of(request(['a.b']), OPENAI_TOOL_NAMES)!.request(request(['a.b']))
    const clash = ['a.b', 'a:b', wireNames(taken)[0]!]
    const sent = wireNames(ToolNames.of(request(clash), OPENAI_TOOL_NAMES)!.request(request(clash)))
    expect(new Set(sent).size).toBe(3)
    expect(sent[2]).toBe(clash[2])
  })

  it('maps answers and chunks back, dropping the upstream bytes only when a name changed', () => {
    const names = ToolNames.of(request([LONG, 'get_weather']), OPENAI_TOOL_NAMES)!
    const alias = wireNames(names.request(request([LONG])))[0]!
    const completion = {
      [RAW_JSON]: '{}',
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, tool_calls: [call(alias)] } }],
    } as unknown as ChatCompletion
    names.completion(completion)
    expect(completion.choices[0]!.message.tool_calls![0]!.function.name).toBe(LONG)
    expect(completion[RAW_JSON]).toBeUndefined()

    const chunk = (name?: string) =>
      ({
        [RAW_JSON]: '{}',
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name, arguments: '' } }] } }],
      }) as unknown as ChatChunk
    const first = chunk(alias)
    const later = chunk(undefined)
    const unchanged = chunk('get_weather')
    for (const c of [first, later, unchanged]) names.chunk(c)
    expect(first.choices[0]!.delta.tool_calls![0]!.function!.name).toBe(LONG)
    expect(first[RAW_JSON]).toBeUndefined()
    expect(later[RAW_JSON]).toBe('{}')
    expect(unchanged[RAW_JSON]).toBe('{}')
  })
})
