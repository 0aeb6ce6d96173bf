import { describe, expect, it } from 'vitest'
import { redisAvailable, relay, usePrefixes } from '../admission/redis-test-utils.ts'
import type { Logger } from '../lib/logger.ts'
import { RedisLink } from './redis-link.ts'

const available = await redisAvailable()
const newPrefix = usePrefixes(available)

function recorder(): Logger & { warns: string[] } {
  const warns: string[] = []
  return { warns, info() {}, warn: (m) => warns.push(m), error() {} }
}

async function linkThrough(port: number, log: Logger): Promise<RedisLink> {
  const link = new RedisLink({ url: `redis://127.0.0.1:${port}`, prefix: newPrefix(), log, timeoutMs: 30 })
  await link.connect()
  return link
}

const ping = (link: RedisLink) => link.run((r) => r.ping(), null)

describe.skipIf(!available)('RedisLink', () => {
  it('stays shared through one late answer (this process may have stalled), degrades after three in a row', async () => {
    const gate = await relay()
    const log = recorder()
    const link = await linkThrough(gate.port, log)
    try {
      expect(await ping(link)).toBe('PONG')
      gate.slow(200)
      expect(await ping(link)).toBeNull() // this call's caller gets its local answer…
      expect(link.health()).toEqual({ shared: true, degraded: false }) // …but the link is not degraded
      gate.slow(0)
      await new Promise((r) => setTimeout(r, 250)) // the late answer drains
      expect(await ping(link)).toBe('PONG')
      gate.slow(200)
      for (let i = 0; i < 3; i++) await ping(link)
      expect(link.health()).toEqual({ shared: false, degraded: true })
      expect(log.warns).toHaveLength(1)
    } finally {
      await link.close()
      await gate.cut()
    }
  })

  it('degrades at once when Redis is unreachable, warns once a minute at most, and says "again" only after a warning', async () => {
    const gate = await relay()
    const log = recorder()
    const link = await linkThrough(gate.port, log)
    try {
      expect(await ping(link)).toBe('PONG')
      // Flapping: down, back, down, back — one warning down, one back; the second time down is held back.
      link.fail(new Error('connect ECONNREFUSED'))
      expect(link.health().degraded).toBe(true)
      link.ok()
      link.fail(new Error('connect ECONNREFUSED'))
      link.ok()
      expect(link.health()).toEqual({ shared: true, degraded: false })
      expect(log.warns).toHaveLength(2)
      expect(log.warns[0]).toMatch(/unreachable or slower than 30 ms/)
      expect(log.warns[1]).toMatch(/answers again/)
    } finally {
      await link.close()
      await gate.cut()
    }
  })
})
