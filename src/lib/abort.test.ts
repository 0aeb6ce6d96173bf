import { createServer } from 'node:http'
import { Agent } from 'undici'
import { describe, expect, it } from 'vitest'
import { LightAbortController } from './abort.ts'

describe('LightAbortController', () => {
  it('fires abort once, to listeners and onabort, with the first reason', () => {
    const c = new LightAbortController()
    const seen: unknown[] = []
    c.signal.addEventListener('abort', () => seen.push(`listener ${String(c.signal.reason)}`), { once: true })
    c.signal.onabort = () => seen.push('onabort')
    expect(c.signal.aborted).toBe(false)
    expect(() => c.signal.throwIfAborted()).not.toThrow()
    c.abort('first')
    c.abort('second')
    expect(seen).toEqual(['onabort', 'listener first'])
    expect(c.signal.aborted).toBe(true)
    expect(() => c.signal.throwIfAborted()).toThrow('first')
  })

  it("without a reason, the reason is an AbortError, as AbortController's is", () => {
    const c = new LightAbortController()
    c.abort()
    const reason = c.signal.reason as DOMException
    expect([reason instanceof DOMException, reason.name]).toEqual([true, 'AbortError'])
  })

  it('aborts an undici request in flight, with its reason', async () => {
    const server = createServer(() => {}) // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as { port: number }
    const agent = new Agent()
    try {
      const c = new LightAbortController()
      const p = agent.request({ origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET', signal: c.signal })
      const why = new Error('client gone')
      setTimeout(() => c.abort(why), 20)
      await expect(p).rejects.toBe(why)
    } finally {
      await agent.close().catch(() => {})
      server.closeAllConnections()
      server.close()
    }
  })
})
