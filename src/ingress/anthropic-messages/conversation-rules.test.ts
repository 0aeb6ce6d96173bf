import { describe, expect, it } from 'vitest'
import { conversationRule, toolsRule } from './conversation-rules.ts'
import type { MessageParamT } from './request-schema.ts'

const use = (id: string) => ({ type: 'tool_use', id, name: 'f', input: {} })
const result = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'ok' })
const user = (content: MessageParamT['content']): MessageParamT => ({ role: 'user', content })
const assistant = (content: MessageParamT['content']): MessageParamT => ({ role: 'assistant', content })

describe('conversationRule', () => {
  it.each<[string, MessageParamT[]]>([
    ['text turns', [user('a'), assistant('b'), user('c')]],
    ['an empty final assistant message (a prefill)', [user('a'), assistant('')]],
    [
      'parallel calls answered in one turn, in any order',
      [user('a'), assistant([use('1'), use('2')]), user([result('2'), result('1')])],
    ],
    [
      'results split over consecutive user messages (one turn)',
      [user('a'), assistant([use('1'), use('2')]), user([result('1')]), user([result('2')])],
    ],
    ['a call in the final assistant message', [user('a'), assistant([use('1')])]],
    [
      'a blank text block beside other text (Anthropic takes it)',
      [
        user([
          { type: 'text', text: 'a' },
          { type: 'text', text: ' \n' },
        ]),
        assistant('b'),
        user('c'),
      ],
    ],
    ['a final assistant message (a prefill) ending in a word', [user('a'), assistant([{ type: 'text', text: 'b c' }])]],
    [
      'a system message between a call and its result',
      [user('a'), assistant([use('1')]), { role: 'system', content: 'note' }, user([result('1')])],
    ],
    [
      'calls split over consecutive assistant messages',
      [user('a'), assistant([use('1')]), assistant([use('2')]), user([result('1'), result('2')])],
    ],
  ])('passes %s', (_name, messages) => {
    expect(conversationRule(messages)).toBeNull()
  })

  it.each<[string, MessageParamT[], string]>([
    ['an empty user message', [user([])], 'messages.0'],
    ['an empty assistant message before the last', [user('a'), assistant(''), user('b')], 'messages.1'],
    ['tool_use from the user', [user([use('1')])], 'messages.0.content.0'],
    ['a message of empty text blocks only', [user([{ type: 'text', text: '' }])], 'messages'],
    // Anthropic refuses an empty text block even beside other content; it was once left out in translation.
    [
      'an empty text block beside a call',
      [user('a'), assistant([{ type: 'text', text: '' }, use('1')]), user([result('1')])],
      'messages',
    ],
    ['a blank user message', [user(' \n')], 'messages'],
    [
      'a blank text block beside a call',
      [user('a'), assistant([{ type: 'text', text: ' ' }, use('1')]), user([result('1')])],
      'messages',
    ],
    ['a result with no call before it', [user('a'), assistant('b'), user([result('1')])], 'messages.2.content.0'],
    [
      'a result two turns after its call',
      [user('a'), assistant([use('1')]), user([result('1')]), assistant('x'), user([result('1')])],
      'messages.4.content.0',
    ],
    ['a call left unanswered', [user('a'), assistant([use('1'), use('2')]), user([result('1')])], 'messages.2'],
  ])('refuses %s, naming %s', (_name, messages, param) => {
    expect(conversationRule(messages)?.param).toBe(param)
  })

  it('words empty and blank text, and a prefill ending in whitespace, as Anthropic does, naming no index', () => {
    expect(
      conversationRule([
        user([
          { type: 'text', text: 'a' },
          { type: 'text', text: '' },
        ]),
      ]),
    ).toEqual({
      param: 'messages',
      message: 'messages: text content blocks must be non-empty',
    })
    expect(
      conversationRule([user('a'), assistant([{ type: 'text', text: '\t' }, use('1')]), user([result('1')])]),
    ).toEqual({
      param: 'messages',
      message: 'messages: text content blocks must contain non-whitespace text',
    })
    expect(conversationRule([user('a'), assistant(' ')])).toEqual({
      param: 'messages',
      message: 'messages: final assistant content cannot end with trailing whitespace',
    })
    expect(conversationRule([user('a'), assistant([{ type: 'text', text: 'b\n' }])])?.message).toContain('trailing')
  })

  it('words a missing result as Anthropic does, listing each id', () => {
    const r = conversationRule([user('a'), assistant([use('1'), use('2')]), user('b')])
    expect(r?.message).toBe(
      'messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: 1, 2. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    )
  })
})

describe('toolsRule', () => {
  const custom = (name: string) => ({ name, input_schema: { type: 'object' as const } })
  it('takes distinct names, and tools without one', () => {
    expect(toolsRule([custom('a'), custom('b'), { type: 'bash_20250124' }])).toBeNull()
    expect(toolsRule(undefined)).toBeNull()
  })
  it("refuses a name twice, a server tool's included, in Anthropic's words", () => {
    const twice = { param: 'tools', message: 'tools: Tool names must be unique.' }
    expect(toolsRule([custom('a'), custom('a')])).toEqual(twice)
    expect(toolsRule([{ type: 'web_search_20250305', name: 'web_search' }, custom('web_search')])).toEqual(twice)
  })
})
