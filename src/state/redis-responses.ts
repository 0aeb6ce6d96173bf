/**
 * Kept /v1/responses answers in Redis (`HEADROOM_REDIS_URL`), so that a follow-up naming one
 * (`previous_response_id`, `item_reference`, GET/DELETE /v1/responses/{id}) may land on any replica.
 *
 * Layout, every key under the link's prefix and with a TTL (SET … PX, the retention left): `resp:<scope>:<id>`
 * holds the response as one JSON string (the store's own record, parsed back by it), and `resp-item:<scope>:<item
 * id>` the id of the response whose output holds the item. The scope (whose it is) is part of both keys, so
 * another client key's ids are never read. A pointer outlives a deleted response only until its TTL, and then
 * leads nowhere. https://redis.io/docs/latest/commands/set/
 *
 * Every read degrades to "Redis knows nothing" (undefined, false) when the link is degraded, slow (> 50 ms)
 * or down: the store's local answer serves, as on a replica alone.
 */
import type { RedisLink } from './redis-link.ts'

export class RedisResponses {
  constructor(private readonly link: RedisLink) {}

  /**
   * Writes a response and its items' pointers, to expire in `ttlMs`; whether Redis took them. Tried even while
   * the link is degraded: no request waits for it, and a response skipped now would stay unshared for good.
   */
  async write(scope: string, id: string, json: string, itemIds: readonly string[], ttlMs: number): Promise<boolean> {
    if (ttlMs <= 0) return false
    const ttl = Math.ceil(ttlMs)
    const key = this.link.key('resp', scope, id)
    return this.link.run(async (r) => {
      const m = r.multi().set(key, json, 'PX', ttl)
      for (const item of itemIds) m.set(this.link.key('resp-item', scope, item), id, 'PX', ttl)
      const out = await m.exec()
      // exec() resolves with each command's error in place rather than rejecting.
      const failed = out?.find(([err]) => err !== null)?.[0]
      if (out === null || failed) throw failed ?? new Error('MULTI aborted')
      return true
    }, false)
  }

  /** The response's JSON as written, parsed (not checked: the caller does); undefined if not held or unreadable. */
  async read(scope: string, id: string): Promise<unknown> {
    if (!this.link.usable()) return undefined
    const raw = await this.link.run((r) => r.get(this.link.key('resp', scope, id)), null)
    if (raw === null) return undefined
    try {
      return JSON.parse(raw) as unknown
    } catch {
      return undefined // written by another process, not by us: as if absent
    }
  }

  /** The id of the response holding the output item `itemId`; undefined if none is known. */
  async owner(scope: string, itemId: string): Promise<string | undefined> {
    if (!this.link.usable()) return undefined
    const id = await this.link.run((r) => r.get(this.link.key('resp-item', scope, itemId)), null)
    return id ?? undefined
  }

  /** Whether Redis still holds the response (false once another replica deleted it); undefined: Redis did not say. */
  async has(scope: string, id: string): Promise<boolean | undefined> {
    if (!this.link.usable()) return undefined
    const n = await this.link.run((r) => r.exists(this.link.key('resp', scope, id)), -1)
    return n < 0 ? undefined : n > 0
  }

  /** Deletes the response (its items' pointers then lead nowhere); whether Redis held it. */
  async remove(scope: string, id: string): Promise<boolean> {
    if (!this.link.usable()) return false
    return (await this.link.run((r) => r.del(this.link.key('resp', scope, id)), 0)) > 0
  }
}
