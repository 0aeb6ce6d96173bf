/**
 * decode (Anthropic → canonical) then the Anthropic adapter's converter (canonical → Anthropic) gives back
 * the request the client sent, for everything both directions translate: text, images, tool calls and
 * results, tools and tool_choice, sampling, stops, the user id. Compared in a normal form: string content
 * as one text block, consecutive turns of one role as one turn (Anthropic merges them itself).
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../lib/random.ts'
import { testTarget } from '../../providers/anthropic/__fixtures__/upstream.ts'
import { toAnthropicRequest } from '../../providers/anthropic/convert-request.ts'
import { decodeRequest } from './decode-request.ts'

const target = testTarget()

type Json = Record<string, unknown>
type Block = Json & { type: string }
type Turn = { role: string; content: string | Block[] }

/** The form both sides are compared in. */
function normal(body: Json): Json {
  const { stream: _stream, ...rest } = body
  const blocks = (c: string | Block[]): Block[] => (typeof c === 'string' ? [{ type: 'text', text: c }] : c)
  const turns: Turn[] = []
  for (const t of body['messages'] as Turn[]) {
    const last = turns[turns.length - 1]
    if (last && last.role === t.role) last.content = [...blocks(last.content), ...blocks(t.content)]
    else turns.push({ role: t.role, content: blocks(t.content) })
  }
  const out: Json = { ...rest, messages: turns }
  if (typeof body['system'] === 'string') out['system'] = blocks(body['system'])
  return out
}

function roundTrip(body: Json): Json {
  const d = decodeRequest(body)
  if (!d.ok) throw new Error(d.error.message)
  expect(d.warnings).toEqual([])
  const back = toAnthropicRequest(d.request, target)
  expect(back.warnings).toEqual([])
  return back.params as unknown as Json
}

const weather = {
  name: 'get_weather',
  description: 'Weather now',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}

describe('decode, then the Anthropic adapter: the same request', () => {
  const hi = [{ role: 'user', content: 'Hi' }]
  it.each<[string, Json]>([
    ['a string', { messages: hi }],
    [
      'a system prompt of blocks',
      {
        system: [
          { type: 'text', text: 'A' },
          { type: 'text', text: 'B' },
        ],
        messages: hi,
      },
    ],
    [
      'images, by data and by URL',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'UklGRg==' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
              { type: 'text', text: 'Same cat?' },
            ],
          },
        ],
      },
    ],
    [
      'a tool loop with parallel calls, results as text and blocks',
      {
        tools: [weather],
        tool_choice: { type: 'any' },
        messages: [
          { role: 'user', content: 'Paris and Rome?' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking both.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: '21 °C' },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '25 °C' }] },
              { type: 'text', text: 'Which is warmer?' },
            ],
          },
        ],
      },
    ],
    [
      'sampling, stops, user id',
      { temperature: 0.3, top_p: 0.8, stop_sequences: ['END'], metadata: { user_id: 'u' }, messages: hi },
    ],
    [
      'a named tool, one call at most',
      {
        tools: [weather],
        tool_choice: { type: 'tool', name: weather.name, disable_parallel_tool_use: true },
        messages: hi,
      },
    ],
    ['tools off', { tools: [weather], tool_choice: { type: 'none' }, messages: hi }],
  ])('%s', (_name, body) => {
    const full = { model: target.model, max_tokens: 300, ...body }
    expect(normal(roundTrip(full))).toEqual(normal(full))
  })
})

describe('the same, for generated requests', () => {
  it('holds for 300 seeded random requests in the translatable subset', () => {
    const seen = new Set<string>()
    for (let seed = 1; seed <= 300; seed++) {
      const body = generate(seededRandom(seed))
      expect(normal(roundTrip(body)), `seed ${seed}`).toEqual(normal(body))
      for (const [k, v] of Object.entries(body)) if (v !== undefined) seen.add(k)
      for (const m of body['messages'] as Turn[]) {
        if (typeof m.content === 'string') seen.add('string content')
        else for (const b of m.content) seen.add(b.type)
      }
    }
    // The generator reaches every feature it is meant to (a property over a narrow input proves little).
    expect([...seen].sort()).toEqual([
      'image',
      'max_tokens',
      'messages',
      'metadata',
      'model',
      'stop_sequences',
      'stream',
      'string content',
      'system',
      'temperature',
      'text',
      'tool_choice',
      'tool_result',
      'tool_use',
      'tools',
      'top_p',
    ])
  })
})

/** A random request of what both directions translate: the property's input. */
function generate(random: () => number): Json {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const chance = (p: number) => random() < p
  const word = () => pick(['alpha', 'beta', 'gamma', 'delta', 'Δ', '漢字', 'a "quote"', 'line\nbreak'])
  const textBlock = (): Block => ({ type: 'text', text: word() })
  const base64 = () => ({ type: 'base64', media_type: pick(['image/png', 'image/jpeg', 'image/gif']), data: 'AAAA' })
  const url = () => ({ type: 'url', url: `https://example.com/${word().length}.png` })
  const image = (): Block => ({ type: 'image', source: chance(0.5) ? base64() : url() })
  const tools = Array.from({ length: Math.floor(random() * 3) }, (_, i) => ({
    name: `tool_${i}`,
    description: word(),
    input_schema: { type: 'object', properties: { q: { type: 'string' } } },
    ...(chance(0.3) ? { strict: true } : {}),
  }))

  const messages: Turn[] = []
  let pending: string[] = []
  let ids = 0
  const turns = 1 + Math.floor(random() * 3)
  for (let t = 0; t < turns; t++) {
    const user: Block[] = pending.map((id) => ({
      type: 'tool_result',
      tool_use_id: id,
      content: chance(0.5) ? word() : [textBlock()],
    }))
    pending = []
    if (user.length === 0 || chance(0.5)) {
      for (let k = 0; k < 1 + Math.floor(random() * 2); k++) user.push(chance(0.7) ? textBlock() : image())
    }
    const only = user.length === 1 && user[0]!.type === 'text' ? String(user[0]!['text']) : null
    messages.push({ role: 'user', content: only !== null && chance(0.5) ? only : user })
    if (t === turns - 1) break
    const assistant: Block[] = chance(0.6) ? [textBlock()] : []
    if (tools.length > 0 && (assistant.length === 0 || chance(0.5))) {
      for (let k = 0; k < 1 + Math.floor(random() * 2); k++) {
        const id = `toolu_${++ids}`
        pending.push(id)
        assistant.push({ type: 'tool_use', id, name: pick(tools).name, input: chance(0.5) ? {} : { q: word() } })
      }
    }
    if (assistant.length === 0) assistant.push(textBlock())
    messages.push({ role: 'assistant', content: assistant })
  }

  const body: Json = { model: target.model, max_tokens: 1 + Math.floor(random() * 4000), messages }
  if (chance(0.5)) body['system'] = chance(0.5) ? word() : [textBlock(), textBlock()]
  if (chance(0.5)) body['temperature'] = Math.round(random() * 100) / 100
  if (chance(0.3)) body['top_p'] = Math.round(random() * 100) / 100
  if (chance(0.3)) body['stop_sequences'] = [word()]
  if (chance(0.3)) body['metadata'] = { user_id: `user-${Math.floor(random() * 1e6).toString(36)}` }
  if (chance(0.3)) body['stream'] = true
  if (tools.length > 0) {
    body['tools'] = tools
    const parallel = chance(0.5) ? { disable_parallel_tool_use: true } : {}
    const choice = pick([null, 'auto', 'any', 'tool', 'none'])
    if (choice === 'tool') body['tool_choice'] = { type: 'tool', name: pick(tools).name, ...parallel }
    else if (choice === 'none') body['tool_choice'] = { type: 'none' }
    else if (choice) body['tool_choice'] = { type: choice, ...parallel }
  }
  return body
}
