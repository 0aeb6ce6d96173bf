import { describe, expect, it } from 'vitest'
import { decodeRequest } from './decode-request.ts'

/** The client's name for `canonical`, a parameter of the translation of `body`. */
function named(body: Record<string, unknown>, canonical: string, carried = 0): string {
  const d = decodeRequest({ model: 'fast', ...body }, { carried })
  if (!d.ok) throw new Error(d.error.message)
  return d.param!(canonical)
}

const user = (content: unknown) => ({ role: 'user', content })
const call = (id: string) => ({ type: 'function_call', call_id: id, name: 'f', arguments: '{}' })
const output = (id: string, out: unknown = 'ok') => ({ type: 'function_call_output', call_id: id, output: out })
const image = { type: 'input_image', image_url: 'https://x/a.png' }

describe('responsesParam: a parameter of the translated request → the one the client sent', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    [
      'instructions are the first message',
      { instructions: 'Be brief.', input: 'hi' },
      'messages[0].content',
      'instructions',
    ],
    ['a string input, after instructions', { instructions: 'Be brief.', input: 'hi' }, 'messages[1]', 'input'],
    [
      'an image part, one message later for the instructions',
      { instructions: 'I', input: [user([{ type: 'input_text', text: 'x' }, image])] },
      'messages[1].content[1].image_url.url',
      'input[0].content[1].image_url',
    ],
    [
      "an image's detail",
      { input: [user([image])] },
      'messages[0].content[0].image_url.detail',
      'input[0].content[0].detail',
    ],
    [
      "a file part's field",
      { input: [user([{ type: 'input_file', file_id: 'file-1' }])] },
      'messages[0].content[0].file.file_id',
      'input[0].content[0].file_id',
    ],
    [
      'a file part',
      { input: [user([{ type: 'input_file', file_id: 'file-1' }])] },
      'messages[0].content[0].file',
      'input[0].content[0]',
    ],
    [
      'the second of two calls in one assistant turn, after its text',
      { input: [user('hi'), { role: 'assistant', content: 'on it' }, call('a'), call('b'), output('a'), output('b')] },
      'messages[1].tool_calls[1].function.arguments',
      'input[3].arguments',
    ],
    [
      "a call's id",
      { input: [user('hi'), call('a'), output('a')] },
      'messages[1].tool_calls[0].id',
      'input[1].call_id',
    ],
    [
      "a tool result's content",
      { input: [user('hi'), call('a'), output('a')] },
      'messages[2].content',
      'input[2].output',
    ],
    [
      'a part of a tool result',
      { input: [user('hi'), call('a'), output('a', [{ type: 'input_text', text: 'x' }])] },
      'messages[2].content[0]',
      'input[2].output[0]',
    ],
    [
      'a reasoning item takes no message',
      { input: [{ type: 'reasoning', summary: [] }, user('hi')] },
      'messages[0].content',
      'input[1].content',
    ],
    ['the conversation', { input: 'hi' }, 'messages', 'input'],
    ['max_tokens', { input: 'hi' }, 'max_tokens', 'max_output_tokens'],
    ['max_completion_tokens', { input: 'hi' }, 'max_completion_tokens', 'max_output_tokens'],
    ['reasoning_effort', { input: 'hi' }, 'reasoning_effort', 'reasoning.effort'],
    ['the schema of a response format', { input: 'hi' }, 'response_format.json_schema.schema', 'text.format.schema'],
    ["a tool's parameters", { input: 'hi' }, 'tools[2].function.parameters', 'tools[2].parameters'],
    ["a named tool choice's name", { input: 'hi' }, 'tool_choice.function.name', 'tool_choice.name'],
    ['a name the Responses API shares', { input: 'hi' }, 'temperature', 'temperature'],
    ['a message past the end, as it is', { input: 'hi' }, 'messages[7].content', 'messages[7].content'],
  ]
  it.each(cases)('%s', (_name, body, canonical, expected) => {
    expect(named(body, canonical)).toBe(expected)
  })

  it("items the server carried from previous_response_id are that parameter's", () => {
    const input = [user('first'), { role: 'assistant', content: 'yes' }, user([image])]
    expect(named({ input }, 'messages[0].content', 2)).toBe('previous_response_id')
    expect(named({ input }, 'messages[2].content[0].image_url.url', 2)).toBe('input[2].content[0].image_url')
    const calls = [user('hi'), call('a'), output('a')]
    expect(named({ input: calls }, 'messages[1].tool_calls[0].function.arguments', 2)).toBe('previous_response_id')
    expect(named({ input: calls }, 'messages[2].content', 2)).toBe('input[2].output')
  })
})
