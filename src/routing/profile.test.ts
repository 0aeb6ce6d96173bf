import { describe, expect, it } from 'vitest'
import type { ChatMessage, ChatRequest } from '../providers/openai-schema.ts'
import { buildProfile, SIGNAL_SCAN_CHARS, textSignals } from './profile.ts'
import { estimatePromptTokens } from './tokens.ts'

const OPTS = { defaultExpectedOutput: 500 }
const user = (content: string): ChatMessage => ({ role: 'user', content })
const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'fast',
  messages: [user('Hello there')],
  ...over,
})
const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }

describe('buildProfile: size and output', () => {
  it('uses the prompt estimate and the default output when no cap is set', () => {
    const r = req()
    const p = buildProfile(r, OPTS)
    expect(p.promptTokens).toBe(estimatePromptTokens(r))
    expect(p.complexity.promptTokens).toBe(p.promptTokens)
    expect(p.maxOutputTokens).toBeNull()
    expect(p.expectedOutputTokens).toBe(500)
    expect(p.stream).toBe(false)
    expect(p.complexity.messages).toBe(1)
  })

  it('takes max_completion_tokens over max_tokens, and expects the cap', () => {
    const p = buildProfile(req({ max_tokens: 100, max_completion_tokens: 2000, stream: true }), OPTS)
    expect([p.maxOutputTokens, p.expectedOutputTokens, p.complexity.maxOutputTokens, p.stream]).toEqual([
      2000,
      2000,
      2000,
      true,
    ])
    expect(buildProfile(req({ max_tokens: 100 }), OPTS).maxOutputTokens).toBe(100)
  })
})

describe('buildProfile: needs', () => {
  it('needs nothing for plain text', () => {
    expect(buildProfile(req(), OPTS).needs).toEqual({ tools: false, vision: false, jsonSchema: false })
  })

  it('needs tools when tools are offered, unless tool_choice is none', () => {
    expect(buildProfile(req({ tools: [weather] }), OPTS).needs.tools).toBe(true)
    expect(buildProfile(req({ tools: [weather], tool_choice: 'required' }), OPTS).complexity.tools).toBe(true)
    expect(buildProfile(req({ tools: [weather], tool_choice: 'none' }), OPTS).needs.tools).toBe(false)
    expect(buildProfile(req({ tools: [] }), OPTS).needs.tools).toBe(false)
  })

  it('needs tools when the conversation already holds tool traffic', () => {
    const messages: ChatMessage[] = [
      user('Weather?'),
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: '12°C' },
    ]
    expect(buildProfile(req({ messages }), OPTS).needs.tools).toBe(true)
    expect(buildProfile(req({ messages: messages.slice(0, 2) }), OPTS).needs.tools).toBe(true)
  })

  it('needs vision for an image part anywhere in the conversation', () => {
    const messages: ChatMessage[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
      { role: 'assistant', content: 'A cat.' },
      user('What colour is it?'),
    ]
    expect(buildProfile(req({ messages }), OPTS).needs.vision).toBe(true)
  })

  it('needs jsonSchema for a json_schema response format only', () => {
    expect(
      buildProfile(req({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }), OPTS)
        .needs.jsonSchema,
    ).toBe(true)
    expect(buildProfile(req({ response_format: { type: 'json_object' } }), OPTS).needs.jsonSchema).toBe(false)
  })
})

describe('complexity: code', () => {
  it.each([
    ['a fenced block', 'Why does this fail?\n```ts\nconst x: number = "a"\n```'],
    ['a Python traceback', 'I get:\nTraceback (most recent call last):\n  oops'],
    ['C-like lines', 'int main() {\n  printf("hi");\n  return 0;\n}'],
    ['Python definitions', 'def load(path):\n    pass\nclass Loader:\n    pass\nimport os'],
    [
      'a JS stack trace',
      'TypeError: x is undefined\n    at run (app.js:3:9)\n    at main (app.js:9:1)\n    at start (node:internal/x:1:1)',
    ],
    [
      'a Python stack trace body',
      'File "a.py", line 3, in f\nFile "b.py", line 9, in g\nFile "c.py", line 1, in <module>',
    ],
    ['SQL', 'SELECT id FROM t\nSELECT name FROM u\nSELECT 1;'],
  ])('sees %s', (_label, text) => {
    expect(textSignals(text).code).toBe(true)
  })

  it.each([
    [
      'prose',
      'The harbour town woke slowly that spring. Fishing boats knocked against the pilings.\nShe noticed it first on the stairs.',
    ],
    ['two code-looking lines', 'x = 1;\ny = 2;\nand that is all'],
    ['a sentence ending in a brace', 'Use a set like {a, b}\nor a list.'],
  ])('does not see code in %s', (_label, text) => {
    expect(textSignals(text).code).toBe(false)
  })
})

describe('complexity: multiStep', () => {
  it.each([
    ['step by step', 'Explain it Step by Step please'],
    ['step-by-step', 'a step-by-step guide'],
    ['first … then', 'First install the package. Then configure it.'],
    ['firstly … finally', 'Firstly, read the file; finally, print it.'],
    ['first … after that', 'first clean it, and after that paint it'],
    ['a numbered list', 'Do this:\n1. install\n2. configure\n  3) run'],
    ['three questions', 'Why? How? When?'],
    ['full-width questions', '为什么？怎么做？什么时候？'],
  ])('sees %s', (_label, text) => {
    expect(textSignals(text).multiStep).toBe(true)
  })

  it.each([
    ['a single question', 'What is the capital of France?'],
    ['two questions', 'Is it cold? Is it wet?'],
    ['"then" before "first"', 'And then we went home, first of all tired.'],
    ['a two-item list', '1. apples\n2. pears'],
    ['numbers that are not a list', 'In 2024. we grew.\n3.5 is a number\n10 items'],
    ['"first" alone', 'This is my first question'],
  ])('does not see it in %s', (_label, text) => {
    expect(textSignals(text).multiStep).toBe(false)
  })
})

describe('complexity: which text is read', () => {
  it('reads the last user message, not the system prompt or earlier turns', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Think step by step.\n1. Be kind\n2. Be brief\n3. Be right' },
      user('```py\nprint(1)\n```'),
      { role: 'assistant', content: 'Done.' },
      user('Thanks, what time is it?'),
    ]
    const p = buildProfile(req({ messages }), OPTS)
    expect(p.complexity).toMatchObject({ code: false, multiStep: false, messages: 4 })
    const last = buildProfile(req({ messages: messages.slice(0, 2) }), OPTS)
    expect(last.complexity.code).toBe(true)
  })

  it('reads the text parts of a multi-part message', () => {
    const messages: ChatMessage[] = [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://x/y.png' } },
          { type: 'text', text: 'Describe it step by step' },
        ],
      },
    ]
    expect(buildProfile(req({ messages }), OPTS).complexity.multiStep).toBe(true)
  })

  it('reads only the first 20,000 characters', () => {
    const padding = 'word '.repeat(SIGNAL_SCAN_CHARS / 5)
    const late = buildProfile(req({ messages: [user(`${padding}\n\`\`\`\ncode\n\`\`\`\nstep by step? ? ?`)] }), OPTS)
    expect(late.complexity).toMatchObject({ code: false, multiStep: false })
    const early = buildProfile(req({ messages: [user(`step by step\n${padding}`)] }), OPTS)
    expect(early.complexity.multiStep).toBe(true)
  })

  it('copes with no user message', () => {
    const p = buildProfile(req({ messages: [{ role: 'system', content: 'You are terse.' }] }), OPTS)
    expect(p.complexity).toMatchObject({ code: false, multiStep: false, messages: 1 })
  })
})
