/**
 * For tests that need a real Redis (REDIS_URL, else 127.0.0.1:6379): whether one answers, a key prefix
 * of their own (parallel tests never share keys), and removal of only that prefix afterwards. Without a
 * Redis the tests are skipped with a message saying so — except in CI (env CI set), where they fail.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'

export const REDIS_URL = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379'

/** Whether Redis answers a PING within a second; throws in CI when it does not. */
export async function redisAvailable(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  r.on('error', () => {})
  try {
    await r.connect()
    await r.ping()
    return true
  } catch {
    if (process.env['CI']) throw new Error(`Redis is required in CI and does not answer at ${REDIS_URL}`)
    console.warn(`Skipping the Redis tests: no Redis answers at ${REDIS_URL} (set REDIS_URL, or start one).`)
    return false
  } finally {
    r.disconnect()
  }
}

export function testPrefix(): string {
  return `headroom:test-${randomUUID()}:`
}

/** Deletes every key under the prefix (SCAN, never FLUSHALL: other tests share the Redis). */
export async function dropPrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 })
  try {
    let cursor = '0'
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      if (keys.length > 0) await r.del(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    r.disconnect()
  }
}
