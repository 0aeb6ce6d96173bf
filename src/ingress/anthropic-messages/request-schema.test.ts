import { describe, expect, it } from 'vitest'
import { parseRequest } from './decode-request.ts'
import { BLOCK_TYPES, ContentBlock, THINKING_TYPES, ThinkingConfig } from './request-schema.ts'

const base = { model: 'claude-haiku-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] }

function invalid(body: unknown): { message: string; param: string | null } {
  const r = parseRequest(body)
  if (r.ok) throw new Error('expected a validation error')
  expect([r.error.status, r.error.type]).toEqual([400, 'invalid_request_error'])
  return { message: r.error.message, param: r.error.param }
}

const user = (content: unknown) => ({ ...base, messages: [{ role: 'user', content }] })

/** pydantic's wording for a tagged union's unknown tag. */
const tagError = (path: string, tag: string, expected: string[]) =>
  `${path}: Input tag '${tag}' found using 'type' does not match any of the expected tags: ` +
  expected.map((t) => `'${t}'`).join(', ')

describe('validation errors, worded as Anthropic words them', () => {
  it.each([
    ['max_tokens missing', { model: 'm', messages: base.messages }, 'max_tokens: Field required'],
    ['max_tokens not an integer', { ...base, max_tokens: 1.5 }, 'max_tokens: Input should be a valid integer'],
    ['model missing', { max_tokens: 5, messages: base.messages }, 'model: Field required'],
    ['messages empty', { ...base, messages: [] }, 'messages: at least one message is required'],
    ['messages not a list', { ...base, messages: 'Hi' }, 'messages: Input should be a valid list'],
    [
      'a role Anthropic lacks',
      { ...base, messages: [{ role: 'tool', content: 'x' }] },
      "messages.0.role: Input should be 'user', 'assistant' or 'system'",
    ],
    ['content a number', user(5), 'messages.0.content: Input should be a valid string'],
    ['a text block without text', user([{ type: 'text' }]), 'messages.0.content.0.text: Field required'],
    ['a block without type', user([{ text: 'x' }]), 'messages.0.content.0.type: Field required'],
    [
      'an image type Anthropic does not take',
      user([{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA==' } }]),
      "messages.0.content.0.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or " +
        "'image/webp'",
    ],
    [
      'an image source of unknown type',
      user([{ type: 'image', source: { type: 'path', path: '/a.png' } }]),
      "messages.0.content.0.source.type: Input tag 'path' found using 'type' does not match any of the expected " +
        "tags: 'base64', 'url', 'file'",
    ],
    [
      'a tool_use block inside a tool result',
      user([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'tool_use', id: 'x', name: 'y', input: {} }] }]),
      tagError('messages.0.content.0.content.0.type', 'tool_use', ['text', 'image', 'document']),
    ],
    ['temperature above 1', { ...base, temperature: 1.5 }, 'temperature: Input should be less than or equal to 1'],
    ['top_k negative', { ...base, top_k: -1 }, 'top_k: Input should be greater than or equal to 0'],
    [
      'a thinking budget under 1,024',
      { ...base, thinking: { type: 'enabled', budget_tokens: 512 } },
      'thinking.budget_tokens: Input should be greater than or equal to 1024',
    ],
    ['a tool without input_schema', { ...base, tools: [{ name: 'x' }] }, 'tools.0.input_schema: Field required'],
    ['… of type custom', { ...base, tools: [{ type: 'custom', name: 'x' }] }, 'tools.0.input_schema: Field required'],
    [
      'an input_schema not of type object',
      { ...base, tools: [{ name: 'x', input_schema: { type: 'array' } }] },
      "tools.0.input_schema.type: Input should be 'object'",
    ],
    [
      'tool_choice of unknown type',
      { ...base, tool_choice: { type: 'required' } },
      tagError('tool_choice.type', 'required', ['auto', 'any', 'tool', 'none']),
    ],
    ['tool_choice tool without name', { ...base, tool_choice: { type: 'tool' } }, 'tool_choice.name: Field required'],
    ['user_id a number', { ...base, metadata: { user_id: 7 } }, 'metadata.user_id: Input should be a valid string'],
    ['stop_sequences a string', { ...base, stop_sequences: 'END' }, 'stop_sequences: Input should be a valid list'],
    ['a body that is not an object', [1, 2], 'Input should be a valid dictionary'],
  ])('%s', (_name, body, message) => {
    expect(invalid(body).message).toBe(message)
  })

  it('names the field as `param` (null for the body itself)', () => {
    expect(invalid({ model: 'm', messages: base.messages }).param).toBe('max_tokens')
    expect(invalid('nope').param).toBeNull()
  })
})

describe('what the schema lets through for an Anthropic target', () => {
  it.each([
    ['unknown top-level fields', { ...base, container: 'container_011C', context_management: { edits: [] } }],
    ['unknown fields on known blocks', user([{ type: 'text', text: 'x', citations: [], future_field: 1 }])],
    ['block types this code does not know', user([{ type: 'search_result', source: 's', title: 't', content: [] }])],
    ['server tools', { ...base, tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] }],
    ['thinking types this code does not know', { ...base, thinking: { type: 'between_tools' } }],
    ['nulls for optional fields', { ...base, system: null, temperature: null, stop_sequences: null, metadata: null }],
    ['max_tokens 0 (cache pre-warming)', { ...base, max_tokens: 0 }],
  ])('%s', (_name, body) => {
    const r = parseRequest(body)
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.body).toEqual(body)
  })
})

describe('the sets of types checked in full', () => {
  it('are the types of the unions they guard', () => {
    type Open = { options: readonly [{ options: ReadonlyArray<{ shape: { type: { value: unknown } } }> }, unknown] }
    const literals = (u: Open) => u.options[0].options.map((o) => o.shape.type.value)
    expect(new Set(literals(ContentBlock))).toEqual(BLOCK_TYPES)
    expect(new Set(literals(ThinkingConfig))).toEqual(THINKING_TYPES)
  })
})
