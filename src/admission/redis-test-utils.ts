/**
 * For tests that need a real Redis (REDIS_URL, else 127.0.0.1:6379): whether one answers, a key prefix
 * of their own (parallel tests never share keys), and removal of only that prefix afterwards. Without a
 * Redis the tests are skipped with a message saying so — except in CI (env CI set), where they fail.
 */
import { randomUUID } from 'node:crypto'
import { type AddressInfo, connect, createServer, type Socket } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll } from 'vitest'

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

/** For a test file: a new prefix per call (testPrefix), every one dropped after the file's tests. */
export function usePrefixes(available: boolean): () => string {
  const made: string[] = []
  afterAll(async () => {
    if (available) for (const p of made) await dropPrefix(p)
  })
  return () => {
    const p = testPrefix()
    made.push(p)
    return p
  }
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

/** A TCP relay to Redis that the test can cut and restore, as a Redis that goes away and comes back. */
export async function relay(port = 0) {
  const target = new URL(REDIS_URL)
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => sockets.delete(s))
    }
    // Redis's answers are held back `delay` ms while the test says so (a Redis that is slow).
    client.pipe(upstream)
    upstream.on('data', (chunk: Buffer) => {
      if (delay === 0) client.write(chunk)
      else setTimeout(() => client.write(chunk), delay).unref()
    })
  })
  let delay = 0
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const bound = (server.address() as AddressInfo).port
  return {
    port: bound,
    slow(ms: number) {
      delay = ms
    },
    async cut() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
