import { describe, expect, it } from 'vitest'
import type { ResponsesRetention } from '../config/types.ts'
import { ManualClock } from '../lib/manual-clock.ts'
import { ResponseStore } from './response-store.ts'

function setup(over: Partial<ResponsesRetention> = {}) {
  const clock = new ManualClock(1_000_000)
  const limits: ResponsesRetention = {
    retentionMs: 60_000,
    maxBytes: 1_000_000,
    maxResponses: 100,
    sharedMaxBytes: 1_000_000,
    ...over,
  }
  const cfg = { limits }
  const store = new ResponseStore({ now: clock.now, limits: () => cfg.limits })
  return { clock, store, cfg }
}

const msg = (id: string, text: string) => ({
  id,
  type: 'message',
  role: 'assistant',
  content: [{ type: 'output_text', text }],
})

function keep(store: ResponseStore, id: string, scope = 'key:a', bytes = 100) {
  const output = [msg(`msg_${id}`, 'hi')]
  store.put({
    scope,
    id,
    input: [{ role: 'user', content: 'hello' }],
    response: { id, object: 'response', output },
    output,
    inputBytes: bytes,
    outputBytes: bytes,
  })
}

describe('ResponseStore', () => {
  it('keeps a response and its output items, by id, for the key that made it only', () => {
    const { store } = setup()
    keep(store, 'resp_1')
    expect(store.response('key:a', 'resp_1')?.input).toEqual([{ role: 'user', content: 'hello' }])
    expect(store.item('key:a', 'msg_resp_1')?.item).toMatchObject({ type: 'message' })
    expect(store.response('key:b', 'resp_1')).toBeUndefined()
    expect(store.item('key:b', 'msg_resp_1')).toBeUndefined()
    expect(store.response('key:a', 'resp_2')).toBeUndefined()
  })

  it('forgets a response and its items once its retention has passed', async () => {
    const { store, clock } = setup({ retentionMs: 60_000 })
    keep(store, 'resp_1')
    await clock.advance(59_999)
    expect(store.response('key:a', 'resp_1')).toBeDefined()
    await clock.advance(1)
    expect(store.item('key:a', 'msg_resp_1')).toBeUndefined()
    expect(store.response('key:a', 'resp_1')).toBeUndefined()
    expect(store.size).toBe(0)
  })

  it('expired responses go as new ones are kept, unread', async () => {
    const { store, clock } = setup({ retentionMs: 1000 })
    keep(store, 'resp_1')
    keep(store, 'resp_2')
    await clock.advance(1000)
    keep(store, 'resp_3')
    expect(store.size).toBe(1)
    expect(store.bytes).toBeLessThan(1000)
  })

  it('holds at most max_responses, the least recently used going first', () => {
    const { store } = setup({ maxResponses: 2 })
    keep(store, 'resp_1')
    keep(store, 'resp_2')
    store.response('key:a', 'resp_1') // used: resp_2 is now the least recently used
    keep(store, 'resp_3')
    expect(store.response('key:a', 'resp_2')).toBeUndefined()
    expect(store.item('key:a', 'msg_resp_2')).toBeUndefined()
    expect(store.response('key:a', 'resp_1')).toBeDefined()
    expect(store.response('key:a', 'resp_3')).toBeDefined()
  })

  it('holds at most max_bytes, approximately', () => {
    const { store } = setup({ maxBytes: 3000 })
    for (let i = 0; i < 10; i++) keep(store, `resp_${i}`, 'key:a', 500)
    expect(store.bytes).toBeLessThanOrEqual(3000)
    expect(store.size).toBe(2)
    expect(store.response('key:a', 'resp_9')).toBeDefined()
    expect(store.response('key:a', 'resp_7')).toBeUndefined()
  })

  it('delete forgets a response and its items, for its own key only', () => {
    const { store } = setup()
    keep(store, 'resp_1')
    expect(store.delete('key:b', 'resp_1')).toBe(false)
    expect(store.delete('key:a', 'resp_1')).toBe(true)
    expect(store.item('key:a', 'msg_resp_1')).toBeUndefined()
    expect(store.bytes).toBe(0)
  })

  it('the same id kept again replaces the first, once', () => {
    const { store } = setup()
    keep(store, 'resp_1')
    keep(store, 'resp_1')
    expect(store.size).toBe(1)
    expect(store.item('key:a', 'msg_resp_1')).toBeDefined()
  })

  it('retention 0 keeps nothing and forgets what it held', () => {
    const { store, cfg } = setup()
    keep(store, 'resp_1')
    expect(store.enabled).toBe(true)
    cfg.limits = { ...cfg.limits, retentionMs: 0 }
    expect(store.enabled).toBe(false)
    expect(store.response('key:a', 'resp_1')).toBeUndefined()
    keep(store, 'resp_2')
    expect(store.size).toBe(0)
    expect(store.bytes).toBe(0)
  })
})
