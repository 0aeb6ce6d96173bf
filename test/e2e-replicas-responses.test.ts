/**
 * Two replicas sharing one Redis (HEADROOM_REDIS_URL), a client's requests landing on either: a response made
 * on one is continued (`previous_response_id`), referred to (`item_reference`), read (its input items too) and
 * deleted on the other, with the openai SDK, against translated targets (Anthropic, Gemini: Headroom expands the
 * conversation itself) and OpenAI (passed through, expanded the same way). Another client key's ids stay unknown; a replica
 * whose Redis does not answer gives OpenAI's not-found answers, as after a restart.
 * Skipped without a Redis (except in CI): see src/admission/redis-test-utils.ts.
 */
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { REDIS_URL, redisAvailable, relay, usePrefixes } from '../src/admission/redis-test-utils.ts'
import { silentLogger } from '../src/lib/logger.ts'
import type { Api } from '../src/simulator/types.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { SIM_KEY, testConfig, useServers, useSimulator } from './harness.ts'

const available = await redisAvailable()
const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()
const newPrefix = usePrefixes(available)

const KEY_A = 'client-secret-replica-a1'
const KEY_B = 'client-secret-replica-b2'
const KEYS = `keys:
  - { name: team-a, key: ${KEY_A} }
  - { name: team-b, key: ${KEY_B} }
`
const MODELS: Array<[string, Api]> = [
  ['anthropic/claude-haiku-4-5', 'anthropic'],
  ['google/gemini-2.5-flash', 'gemini'],
  ['openai/gpt-4.1-mini', 'openai'],
]

async function replica(url: string, prefix: string): Promise<Running> {
  const hr = await startHeadroom({
    dbPath: ':memory:',
    configText: testConfig(sim.url, KEYS),
    port: 0,
    host: '127.0.0.1',
    env: { HEADROOM_REDIS_URL: url, HEADROOM_REDIS_PREFIX: prefix },
    log: silentLogger,
    simulatorUrl: sim.url,
  })
  return track(hr)
}

async function two(url = REDIS_URL): Promise<[Running, Running]> {
  const prefix = newPrefix()
  return [await replica(url, prefix), await replica(url, prefix)]
}

const client = (hr: Running, key = KEY_A) =>
  new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 })

/** The body the simulator last got for an API. */
const lastBody = (api: Api) => JSON.stringify([...sim.log].reverse().find((l) => l.api === api)?.body)

/**
 * `check` again until it passes, for at most 5 s. All of this test runs on one event loop (both replicas, the
 * simulator, the client): a pause of it past Redis's 50 ms timeout degrades a replica to its memory alone (the
 * documented behaviour), and it asks Redis again a second later.
 */
async function eventually<T>(check: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5000
  for (;;) {
    try {
      return await check()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}

/** The error a call fails with (its status and code), or null. */
async function failure(call: Promise<unknown>) {
  try {
    await call
    return null
  } catch (err) {
    if (!(err instanceof OpenAI.APIError)) throw err
    return { status: err.status, code: err.code ?? null }
  }
}

describe.skipIf(!available)('two replicas sharing Redis: kept responses', () => {
  it.each(MODELS)('%s: made on A, continued on B by previous_response_id', async (model, api) => {
    const [a, b] = await two()
    const first = await client(a).responses.create({ model, input: 'reply: The capital is Lyon' })
    expect(first.output_text).toBe('The capital is Lyon')
    const second = await eventually(() =>
      client(b).responses.create({ model, previous_response_id: first.id, input: 'reply: Noted' }),
    )
    expect(second.output_text).toBe('Noted')
    // A translated answer echoes it; OpenAI's own (passed through) echoes the expanded body it got.
    if (api !== 'openai') expect(second.previous_response_id).toBe(first.id)
    // B sent the target the whole conversation, A's turn included.
    const sent = lastBody(api)
    expect(sent).toContain('The capital is Lyon')
    expect(sent).not.toContain(first.id)
    // And a third turn on A continues B's answer.
    const third = await eventually(() =>
      client(a).responses.create({ model, previous_response_id: second.id, input: 'reply: ok' }),
    )
    expect(third.output_text).toBe('ok')
    expect(lastBody(api)).toContain('Noted')
  })

  it('an item_reference to an output item made on the other replica is resolved', async () => {
    const [a, b] = await two()
    const model = 'anthropic/claude-haiku-4-5'
    const first = await client(a).responses.create({ model, input: 'reply: Remember 42' })
    const itemId = first.output[0]?.id
    expect(itemId).toBeTypeOf('string')
    const second = await eventually(() =>
      client(b).responses.create({
        model,
        input: [
          { type: 'item_reference', id: itemId as string },
          { role: 'user', content: 'reply: ok' },
        ],
      }),
    )
    expect(second.output_text).toBe('ok')
    expect(lastBody('anthropic')).toContain('Remember 42')
  })

  it('GET and DELETE /v1/responses/{id} on the other replica; the deletion holds on both', async () => {
    const [a, b] = await two()
    const model = 'google/gemini-2.5-flash'
    const made = await client(a).responses.create({ model, input: 'reply: kept' })
    const got = await eventually(() => client(b).responses.retrieve(made.id))
    expect(got.id).toBe(made.id)
    expect(got.output_text).toBe('kept')
    // Its input items, with the same ids on either replica (made from the response's id where the item had none).
    const items = await client(b).responses.inputItems.list(made.id)
    expect(items.data).toMatchObject([{ type: 'message', role: 'user', content: [{ text: 'reply: kept' }] }])
    expect((await client(a).responses.inputItems.list(made.id)).data).toEqual(items.data)
    // Another client key: unknown on either replica.
    expect(await failure(client(b, KEY_B).responses.retrieve(made.id))).toEqual({ status: 404, code: 'not_found' })
    expect(
      await failure(client(a, KEY_B).responses.create({ model, previous_response_id: made.id, input: 'x' })),
    ).toEqual({ status: 400, code: 'previous_response_not_found' })

    await client(b).responses.delete(made.id)
    await eventually(async () => {
      expect(await failure(client(a).responses.retrieve(made.id))).toEqual({ status: 404, code: 'not_found' })
      expect(await failure(client(b).responses.retrieve(made.id))).toEqual({ status: 404, code: 'not_found' })
      expect(
        await failure(client(a).responses.create({ model, previous_response_id: made.id, input: 'reply: x' })),
      ).toEqual({ status: 400, code: 'previous_response_not_found' })
    })
  })

  it('with Redis cut: the other replica answers not found (400/404), as after a restart, never a 500', async () => {
    const cut = await relay()
    const [a, b] = await two(`redis://127.0.0.1:${cut.port}`)
    const model = 'anthropic/claude-haiku-4-5'
    await cut.cut()
    const first = await client(a).responses.create({ model, input: 'reply: alone' })
    // A still holds it.
    const again = await client(a).responses.create({ model, previous_response_id: first.id, input: 'reply: ok' })
    expect(again.output_text).toBe('ok')
    expect(
      await failure(client(b).responses.create({ model, previous_response_id: first.id, input: 'reply: x' })),
    ).toEqual({ status: 400, code: 'previous_response_not_found' })
    expect(await failure(client(b).responses.retrieve(first.id))).toEqual({ status: 404, code: 'not_found' })
    expect(await failure(client(b).responses.delete(first.id))).toEqual({ status: 404, code: 'not_found' })
  })
})
