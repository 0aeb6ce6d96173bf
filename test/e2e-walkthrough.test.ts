/**
 * A new user's walk-through of the shipped routes.yaml: every route, with each of its targets tried first
 * in turn (as failover, strategies and live state can make any of them first), gets a set of ordinary
 * valid OpenAI requests. None may be answered 400 when another target of the route would answer it 200:
 * what one target cannot take, it passes on.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { silentLogger } from '../src/lib/logger.ts'
import { startHeadroom } from '../src/start.ts'
import { PIXEL_PNG, useServers, useSimulator, WEATHER_TOOL } from './harness.ts'

const SHIPPED = parse(readFileSync(new URL('../routes.yaml', import.meta.url), 'utf8')) as {
  routes: Record<string, { targets?: string[]; tiers?: string[][] }>
  [k: string]: unknown
}

/** Each shipped route, and for each of its targets a copy of it (strategy ordered) that tries that one first. */
function walkthroughConfig(): { text: string; routes: Array<{ name: string; targets: string[] }> } {
  const routes: Record<string, unknown> = { ...SHIPPED.routes }
  const list: Array<{ name: string; targets: string[] }> = []
  for (const [name, r] of Object.entries(SHIPPED.routes)) {
    const targets = r.targets ?? r.tiers!.flat()
    list.push({ name, targets })
    targets.forEach((first, i) => {
      const ordered = [first, ...targets.filter((t) => t !== first)]
      routes[`${name}-first-${i}`] = { strategy: 'ordered', targets: ordered }
      list.push({ name: `${name}-first-${i}`, targets: ordered })
    })
  }
  return { text: stringify({ ...SHIPPED, routes }), routes: list }
}

const user = (content: string) => ({ role: 'user', content })
const JSON_SCHEMA = {
  type: 'json_schema',
  json_schema: {
    name: 'answer',
    schema: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
    strict: true,
  },
}
const TOOL_TURNS = [
  user('What is the weather in Paris?'),
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
]

/** Ordinary, valid OpenAI Chat Completions requests, as clients send them. */
const REQUESTS: ReadonlyArray<[string, Record<string, unknown>]> = [
  ['plain', { messages: [user('Hello!')] }],
  [
    'system + history',
    {
      messages: [
        { role: 'system', content: 'Be brief.' },
        user('Hi'),
        { role: 'assistant', content: 'Hello!' },
        user('How are you?'),
      ],
    },
  ],
  ['temperature 0.2', { messages: [user('Hello!')], temperature: 0.2 }],
  ['temperature 1.5', { messages: [user('Hello!')], temperature: 1.5 }],
  ['top_p 0.9', { messages: [user('Hello!')], top_p: 0.9 }],
  ['temperature and top_p', { messages: [user('Hello!')], temperature: 0.7, top_p: 0.9 }],
  ['max_tokens', { messages: [user('Hello!')], max_tokens: 100 }],
  ['max_completion_tokens', { messages: [user('Hello!')], max_completion_tokens: 100 }],
  ['a large max_tokens', { messages: [user('Hello!')], max_tokens: 40_000 }],
  ['stop', { messages: [user('Hello!')], stop: ['\n\n', 'END'] }],
  ['penalties', { messages: [user('Hello!')], presence_penalty: 0.5, frequency_penalty: 0.5 }],
  ['seed and user', { messages: [user('Hello!')], seed: 42, user: 'user-1' }],
  ['logprobs', { messages: [user('Hello!')], logprobs: true, top_logprobs: 2 }],
  ['n 2', { messages: [user('Hello!')], n: 2 }],
  ['tools', { messages: [user('What is the weather in Paris?')], tools: [WEATHER_TOOL] }],
  [
    'tools required, not parallel',
    {
      messages: [user('What is the weather in Paris?')],
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
      parallel_tool_calls: false,
    },
  ],
  ['tool result', { messages: TOOL_TURNS, tools: [WEATHER_TOOL] }],
  ['json_object', { messages: [user('Reply in JSON with a city.')], response_format: { type: 'json_object' } }],
  ['json_schema', { messages: [user('Name a city.')], response_format: JSON_SCHEMA }],
  [
    'image',
    {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: PIXEL_PNG } },
          ],
        },
      ],
    },
  ],
  ['stream', { messages: [user('Hello!')], stream: true, stream_options: { include_usage: true } }],
  ['stream with sampling and a cap', { messages: [user('Hello!')], stream: true, temperature: 0.3, max_tokens: 50 }],
]

const sim = useSimulator()
const track = useServers()

interface Outcome {
  status: number
  detail: string
}

async function send(url: string, model: string, body: Record<string, unknown>): Promise<Outcome> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, ...body }),
  })
  const text = await res.text()
  // A stream that broke after its 200 is no success either.
  if (res.status === 200 && body['stream'] === true && (!text.includes('data: [DONE]') || text.includes('"error"')))
    return { status: 502, detail: text.slice(-300) }
  return {
    status: res.status,
    detail: res.status === 200 ? '' : `${res.headers.get('x-headroom-decision') ?? ''} ${text.slice(0, 300)}`,
  }
}

describe('walk-through of the shipped routes.yaml', () => {
  it('no route answers an ordinary request 400 when another of its targets would answer it 200', {
    timeout: 120_000,
  }, async () => {
    const { text, routes } = walkthroughConfig()
    const hr = track(
      await startHeadroom({
        dbPath: ':memory:',
        configText: text,
        port: 0,
        env: {},
        log: silentLogger,
        simulatorUrl: sim.url,
      }),
    )
    const direct = new Map<string, number>()
    const directStatus = async (target: string, name: string, body: Record<string, unknown>) => {
      const key = `${target} ${name}`
      if (!direct.has(key)) direct.set(key, (await send(hr.url, target, body)).status)
      return direct.get(key)!
    }
    const wrong: string[] = []
    let served = 0
    for (const route of routes) {
      for (const [name, body] of REQUESTS) {
        const got = await send(hr.url, route.name, body)
        if (got.status === 200) {
          served++
          continue
        }
        const would: string[] = []
        for (const t of route.targets) if ((await directStatus(t, name, body)) === 200) would.push(t)
        if (would.length > 0)
          wrong.push(`${route.name} / ${name}: ${got.status} (${got.detail}), but ${would.join(', ')} answers 200`)
      }
    }
    expect(wrong).toEqual([])
    expect(served).toBe(routes.length * REQUESTS.length)
  })
})
