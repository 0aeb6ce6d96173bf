/**
 * End to end: the real `@anthropic-ai/sdk` against the real server lists and retrieves Headroom's models in
 * Anthropic's shapes (https://docs.anthropic.com/en/api/models-list), pages through them with its own
 * auto-pagination, and reads a bad parameter as its BadRequestError. Its key goes in `x-api-key`.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack, testConfig } from './harness.ts'

const CLIENT_KEY = 'client-secret-abc123'
const ROUTES = ['r1', 'r2', 'r3', 'r4', 'r5']
const TARGETS = ['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5']

let stack: Stack
let client: Anthropic

beforeAll(async () => {
  const routes = ROUTES.map((r, i) => `  ${r}: { targets: [${TARGETS[i % 2]}] }`).join('\n')
  stack = await startStack({
    config: (u) => testConfig(u, `keys:\n  - { name: team, key: ${CLIENT_KEY} }\nroutes:\n${routes}\n`),
  })
  client = new Anthropic({ baseURL: stack.hr.url, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 15_000 })
})
afterAll(() => stack.close())

describe('models through the Anthropic SDK', () => {
  it('list(): one page of every route and target, in the documented shape', async () => {
    const page = await client.models.list()
    expect(page.data.map((m) => m.id)).toEqual([...ROUTES, ...TARGETS])
    expect(page.data[0]).toEqual({ type: 'model', id: 'r1', display_name: 'r1', created_at: '2023-11-14T22:13:20Z' })
    expect([page.has_more, page.first_id, page.last_id]).toEqual([false, 'r1', TARGETS[1]])
  })

  it('auto-pagination walks every page forward, and backward from before_id', async () => {
    const forward: string[] = []
    for await (const m of client.models.list({ limit: 2 })) forward.push(m.id)
    expect(forward).toEqual([...ROUTES, ...TARGETS])
    const pages: string[][] = []
    for await (const p of (await client.models.list({ limit: 3, before_id: TARGETS[1]! })).iterPages())
      pages.push(p.data.map((m) => m.id))
    expect(pages).toEqual([
      ['r4', 'r5', TARGETS[0]],
      ['r1', 'r2', 'r3'],
    ])
  })

  it('retrieve(id): a listed id; an unknown one is a NotFoundError', async () => {
    expect(await client.models.retrieve(TARGETS[1]!)).toMatchObject({ type: 'model', id: TARGETS[1] })
    const err = await client.models.retrieve('no-such-model').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.NotFoundError)
    // Anthropic's `request-id` header, which the SDK reads.
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).requestID).toMatch(/^req_/)
  })

  it('an invalid limit is a BadRequestError of type invalid_request_error', async () => {
    const err = await client.models.list({ limit: 0 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.BadRequestError)
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    })
  })

  it('a wrong key is an AuthenticationError that does not echo the key', async () => {
    const wrong = new Anthropic({ baseURL: stack.hr.url, apiKey: 'sk-ant-wrong-777', maxRetries: 0 })
    const err = await wrong.models.list().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(JSON.stringify((err as InstanceType<typeof Anthropic.AuthenticationError>).error)).not.toContain('777')
  })
})
