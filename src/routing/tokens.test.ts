import { readFileSync } from 'node:fs'
import { getEncoding } from 'js-tiktoken'
import { describe, expect, it } from 'vitest'
import type { ChatRequest } from '../providers/openai-schema.ts'
import { estimatePromptTokens, estimateTextTokens } from './tokens.ts'

// The real tokenizers, in tests only: the router must not load a vocabulary on its request path.
const o200k = getEncoding('o200k_base')
const cl100k = getEncoding('cl100k_base')

const sample = (name: string) => readFileSync(new URL(`./__fixtures__/token-samples/${name}`, import.meta.url), 'utf8')

interface Bound {
  /** Allowed relative error against each tokenizer: [lowest, highest]. */
  o200k: [number, number]
  cl100k: [number, number]
}
const LATIN: Bound = { o200k: [-0.05, 0.25], cl100k: [-0.05, 0.25] }
const EUROPEAN: Bound = { o200k: [-0.05, 0.3], cl100k: [-0.25, 0.3] }
const CJK: Bound = { o200k: [-0.05, 0.75], cl100k: [-0.05, 0.75] }
const EMOJI: Bound = { o200k: [-0.05, 0.5], cl100k: [-0.05, 0.5] }
const OPAQUE: Bound = { o200k: [-0.05, 0.35], cl100k: [-0.05, 0.35] }

const CASES: ReadonlyArray<[string, Bound]> = [
  ['prose-en.txt', LATIN],
  ['markdown.md', LATIN],
  ['code-typescript.txt', LATIN],
  ['code-python.txt', LATIN],
  ['data.json', LATIN],
  ['numbers-table.txt', LATIN],
  ['french.txt', EUROPEAN],
  ['german.txt', EUROPEAN],
  ['chinese.txt', CJK],
  ['japanese.txt', CJK],
  ['emoji.txt', EMOJI],
  ['opaque-ids.txt', OPAQUE],
]

describe('estimateTextTokens against the real tokenizers', () => {
  it.each(CASES)('%s stays within its class bound', (name, bound) => {
    const text = sample(name)
    const estimate = estimateTextTokens(text)
    const errO = estimate / o200k.encode(text).length - 1
    const errC = estimate / cl100k.encode(text).length - 1
    expect(errO).toBeGreaterThanOrEqual(bound.o200k[0])
    expect(errO).toBeLessThanOrEqual(bound.o200k[1])
    expect(errC).toBeGreaterThanOrEqual(bound.cl100k[0])
    expect(errC).toBeLessThanOrEqual(bound.cl100k[1])
  })

  it('over-estimates English, code and data rather than under-estimating them', () => {
    for (const name of [
      'prose-en.txt',
      'markdown.md',
      'code-typescript.txt',
      'code-python.txt',
      'data.json',
      'numbers-table.txt',
    ]) {
      const text = sample(name)
      expect(estimateTextTokens(text)).toBeGreaterThan(Math.max(o200k.encode(text).length, cl100k.encode(text).length))
    }
  })

  it('does not fall far behind on long padding or a long run of one script', () => {
    for (const text of [' '.repeat(1000), '\n'.repeat(500), '\t'.repeat(200), '字'.repeat(300), '😀'.repeat(100)]) {
      expect(estimateTextTokens(text)).toBeGreaterThanOrEqual(o200k.encode(text).length)
    }
  })

  it('counts nothing for nothing', () => {
    expect(estimateTextTokens('')).toBe(0)
  })

  it('grows with the text', () => {
    const prose = sample('prose-en.txt')
    expect(estimateTextTokens(prose + prose)).toBeGreaterThanOrEqual(2 * estimateTextTokens(prose) - 1)
  })
})

const req = (over: Partial<ChatRequest>): ChatRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: 'Hi' }],
  ...over,
})

/** OpenAI's documented count for plain chat messages: 3 per message + role + content, + 3 for the reply. */
function openAiCount(messages: ReadonlyArray<{ role: string; content: string }>): number {
  let n = 3
  for (const m of messages) n += 3 + o200k.encode(m.role).length + o200k.encode(m.content).length
  return n
}

describe('estimatePromptTokens', () => {
  it('is a mild over-estimate of OpenAI’s count for a plain conversation', () => {
    const messages = [
      { role: 'system', content: 'You are a careful assistant. Answer briefly.' },
      { role: 'user', content: sample('prose-en.txt') },
      { role: 'assistant', content: 'Here is a summary of the story so far.' },
      { role: 'user', content: sample('code-typescript.txt') },
      { role: 'user', content: 'Thanks!' },
    ] as const
    const estimate = estimatePromptTokens(req({ messages: [...messages] }))
    const real = openAiCount(messages)
    expect(estimate).toBeGreaterThanOrEqual(real)
    expect(estimate).toBeLessThanOrEqual(real * 1.25)
  })

  it('counts a text part like a string', () => {
    const text = sample('markdown.md')
    expect(estimatePromptTokens(req({ messages: [{ role: 'user', content: [{ type: 'text', text }] }] }))).toBe(
      estimatePromptTokens(req({ messages: [{ role: 'user', content: text }] })),
    )
  })

  it('charges a per-message overhead', () => {
    const one = estimatePromptTokens(req({ messages: [{ role: 'user', content: 'Hi' }] }))
    const two = estimatePromptTokens(
      req({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'user', content: 'Hi' },
        ],
      }),
    )
    expect(two - one).toBeGreaterThanOrEqual(4)
  })

  it('charges images a fixed cost by detail', () => {
    const base = estimatePromptTokens(
      req({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }] }] }),
    )
    const withImage = (detail: 'low' | 'high' | 'auto' | null) =>
      estimatePromptTokens(
        req({
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is this?' },
                { type: 'image_url', image_url: { url: 'https://x/y.png', detail } },
              ],
            },
          ],
        }),
      )
    expect(withImage('low') - base).toBe(85)
    expect(withImage('high') - base).toBe(765)
    expect(withImage('auto') - base).toBe(765)
    expect(withImage(null) - base).toBe(765)
  })

  it('counts tool definitions, tool calls and tool results', () => {
    const tool = {
      type: 'function' as const,
      function: {
        name: 'get_weather',
        description: 'Current weather for a city, in metric units.',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string', description: 'City name' } },
          required: ['city'],
        },
      },
    }
    const plain = estimatePromptTokens(req({}))
    const withTools = estimatePromptTokens(req({ tools: [tool] }))
    expect(withTools - plain).toBeGreaterThanOrEqual(o200k.encode(JSON.stringify(tool.function)).length)

    const args = JSON.stringify({ city: 'Bristol', units: 'metric', include: ['wind', 'rain', 'humidity'] })
    const conversation = (toolArgs: string, result: string) =>
      estimatePromptTokens(
        req({
          messages: [
            { role: 'user', content: 'Weather in Bristol?' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: toolArgs } }],
            },
            { role: 'tool', tool_call_id: 'call_1', content: result },
          ],
        }),
      )
    const short = conversation('{}', 'ok')
    expect(conversation(args, 'ok') - short).toBeGreaterThanOrEqual(
      o200k.encode(args).length - o200k.encode('{}').length,
    )
    const result = sample('data.json')
    expect(conversation('{}', result) - short).toBeGreaterThanOrEqual(o200k.encode(result).length)
  })

  it('counts a json_schema response format', () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string' }, confidence: { type: 'number' } },
      required: ['answer', 'confidence'],
    }
    const withSchema = estimatePromptTokens(
      req({ response_format: { type: 'json_schema', json_schema: { name: 'reply', schema } } }),
    )
    expect(withSchema - estimatePromptTokens(req({}))).toBeGreaterThanOrEqual(
      o200k.encode(JSON.stringify(schema)).length,
    )
  })

  it('sizes audio and files by their payload', () => {
    const audio = Buffer.alloc(160_000).toString('base64') // 10 s at 16 kB/s
    const withAudio = estimatePromptTokens(
      req({
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: audio, format: 'mp3' } }] }],
      }),
    )
    expect(withAudio - estimatePromptTokens(req({ messages: [{ role: 'user', content: [] }] }))).toBe(320)
    const pdf = Buffer.alloc(16_000).toString('base64')
    const withFile = estimatePromptTokens(
      req({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: pdf } }] }] }),
    )
    expect(withFile - estimatePromptTokens(req({ messages: [{ role: 'user', content: [] }] }))).toBe(1_000)
  })
})
