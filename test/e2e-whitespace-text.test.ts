/**
 * Whitespace-only text, which Anthropic refuses ("messages: text content blocks must contain non-whitespace
 * text", https://docs.claude.com/en/api/messages) and OpenAI clients send: an assistant turn's `content: "\n"`
 * beside its tool calls, or a blank user turn. Translated for Anthropic, such text is left out, end to end
 * with the `openai` SDK against the real server and simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack } from './harness.ts'

let stack: Stack
beforeAll(async () => {
  stack = await startStack()
})
afterAll(() => stack.close())

const SCHEMA = { type: 'object', properties: { city: { type: 'string' } } }

describe('chat completions → Anthropic with whitespace-only text', () => {
  it('an assistant turn with content "\\n" beside its tool call', async () => {
    const r = await stack.client.chat.completions.create({
      model: 'anthropic/claude-haiku-4-5',
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: SCHEMA } }],
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: '\n',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'rain' },
      ],
    })
    expect(r.choices[0]!.message.content).toBeTruthy()
  })

  it('a blank text part beside another, and a blank assistant turn', async () => {
    const r = await stack.client.chat.completions.create({
      model: 'anthropic/claude-haiku-4-5',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hello' },
            { type: 'text', text: '  ' },
          ],
        },
        { role: 'assistant', content: ' ' },
        { role: 'user', content: 'again' },
      ],
    })
    expect(r.choices[0]!.message.content).toBeTruthy()
  })
})
