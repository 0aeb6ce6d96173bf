/**
 * What `POST /v1/responses` keeps of its answers, so that a later request may name them: a response by its
 * id (`previous_response_id`: its input and output continue the conversation) and each of its output items by
 * theirs (`item_reference`), as OpenAI's API does when `store` is true (its default,
 * https://platform.openai.com/docs/guides/conversation-state). Each is visible only to the client key that
 * created it (its scope): another key's ids are unknown, as if they had never been.
 *
 * In memory, bounded three ways, read from the config in force at each call (routes.yaml `server.responses`):
 * a retention from the answer (its TTL), a count and approximate bytes, the least recently used going first.
 * A response's bytes count its whole input, what it continued included, though items are shared between the
 * responses of one conversation: the bound over-counts rather than under. No timers, no disk: expired
 * entries go as later ones are kept or looked up. A restart forgets it.
 *
 * Across replicas (HEADROOM_REDIS_URL: `share`, state/redis-responses.ts), memory is a cache in front of Redis:
 * each response kept is also written there, after the answer has gone (never delaying it) and only if its JSON
 * is at most `server.responses.shared_max_bytes` (a larger one stays with this replica); a lookup that misses
 * here asks Redis and keeps what it finds. A hit here on a response Redis held is checked against it (one
 * EXISTS), so that a DELETE on another replica holds here too. Redis slow or down: this replica's memory alone,
 * as before — a response kept by another replica is then unknown, as after a restart.
 */

import { z } from 'zod'
import type { ResponsesRetention } from '../config/types.ts'
import type { RedisResponses } from '../state/redis-responses.ts'

/** An input or output item, as JSON. */
export type StoredItem = Readonly<Record<string, unknown>>

export interface StoredResponse {
  readonly scope: string
  readonly id: string
  /** The request's input items, expanded (what it continued, references resolved); its instructions apart. */
  readonly input: readonly StoredItem[]
  /** The Response object as the client got it (its `output` are the items). */
  readonly response: StoredItem
  readonly output: readonly StoredItem[]
  /** Approximate bytes of the input and of the output. */
  readonly inputBytes: number
  readonly outputBytes: number
  readonly expiresAt: number
}

interface ItemEntry {
  readonly owner: StoredResponse
  readonly item: StoredItem
  /** Its share of the owner's output bytes. */
  readonly bytes: number
}

/** A write to Redis that failed is tried once more after this long. */
const RETRY_WRITE_MS = 1500

/** Fixed cost counted per response, besides its items. */
const OVERHEAD = 256

const keyOf = (scope: string, id: string) => `${scope}\n${id}`

/** The ids that may reach Redis keys and be echoed in errors: ours, and OpenAI's, are of this shape. */
export const isSafeId = (id: string): boolean => /^[\w.-]{1,200}$/.test(id)

/** A record as another replica wrote it (state/redis-responses.ts): checked, since another process wrote it. */
const Item = z.record(z.string(), z.unknown())
const Shared = z.object({
  scope: z.string(),
  id: z.string(),
  input: z.array(Item),
  response: Item.and(z.object({ output: z.array(z.unknown()) })),
  inputBytes: z.number().nonnegative(),
  outputBytes: z.number().nonnegative(),
  expiresAt: z.number(),
})

export class ResponseStore {
  /** Least recently used first. */
  private readonly lru = new Map<string, StoredResponse>()
  /** Oldest first: the order they expire in. */
  private readonly byAge = new Map<string, StoredResponse>()
  private readonly items = new Map<string, ItemEntry>()
  /** Those Redis holds too (written or read there): a hit on one is checked against Redis. */
  private readonly inRedis = new WeakSet<StoredResponse>()
  private total = 0

  constructor(
    private readonly deps: {
      readonly now: () => number
      readonly limits: () => ResponsesRetention
      /** Redis, shared with the other replicas (null or absent: this replica alone). */
      readonly share?: RedisResponses | null
    },
  ) {}

  /** Whether responses are kept at all (retention above 0). */
  get enabled(): boolean {
    return this.deps.limits().retentionMs > 0
  }

  /** Responses held, and their approximate bytes. */
  get size(): number {
    return this.lru.size
  }
  get bytes(): number {
    return this.total
  }

  /** Keeps a response (replacing one of the same id in the scope); nothing when retention is 0. */
  put(r: Omit<StoredResponse, 'expiresAt'>): void {
    const limits = this.deps.limits()
    if (limits.retentionMs <= 0) return this.clear()
    const stored: StoredResponse = { ...r, expiresAt: this.deps.now() + limits.retentionMs }
    this.hold(stored, limits)
    const share = this.deps.share
    // After the answer has gone: serializing and writing never delay it.
    if (share && isSafeId(r.id)) setImmediate(() => void this.publish(share, stored, limits))
  }

  /** Keeps `stored` here (replacing one of the same id in the scope), then sheds what the bounds no longer allow. */
  private hold(stored: StoredResponse, limits: ResponsesRetention): void {
    const now = this.deps.now()
    const key = keyOf(stored.scope, stored.id)
    this.remove(key)
    this.lru.set(key, stored)
    this.byAge.set(key, stored)
    this.total += sizeOf(stored)
    const share = stored.output.length === 0 ? 0 : stored.outputBytes / stored.output.length
    for (const item of stored.output) {
      const id = item['id']
      if (typeof id === 'string') this.items.set(keyOf(stored.scope, id), { owner: stored, item, bytes: share })
    }
    this.expire(now)
    while (this.lru.size > limits.maxResponses || this.total > limits.maxBytes) {
      const oldest = this.lru.keys().next()
      if (oldest.done) break
      this.remove(oldest.value)
    }
  }

  /** The response `id` of `scope`, if held and not expired; refreshed as recently used. */
  response(scope: string, id: string): StoredResponse | undefined {
    const key = keyOf(scope, id)
    const r = this.live(key)
    if (r === undefined) return undefined
    this.lru.delete(key)
    this.lru.set(key, r)
    return r
  }

  /** The output item `id` of `scope`, if its response is held and not expired, with its approximate bytes. */
  item(scope: string, id: string): { item: StoredItem; bytes: number } | undefined {
    const e = this.items.get(keyOf(scope, id))
    if (e === undefined) return undefined
    const owner = this.response(e.owner.scope, e.owner.id)
    if (owner !== e.owner) return undefined
    return { item: e.item, bytes: e.bytes }
  }

  /** Forgets the response `id` of `scope`; whether it was held. */
  delete(scope: string, id: string): boolean {
    if (this.response(scope, id) === undefined) return false
    this.remove(keyOf(scope, id))
    return true
  }

  /** `response`, asking Redis (when shared) for one not held here, and whether one held here was deleted there. */
  async find(scope: string, id: string): Promise<StoredResponse | undefined> {
    const here = this.response(scope, id)
    const share = this.deps.share
    if (!share || !isSafeId(id) || !this.enabled) return here
    if (here !== undefined) {
      if (!this.inRedis.has(here) || (await share.has(scope, id)) !== false) return here
      this.remove(keyOf(scope, id)) // deleted on another replica
      return undefined
    }
    const found = Shared.safeParse(await share.read(scope, id))
    if (!found.success || found.data.scope !== scope || found.data.id !== id) return undefined
    const limits = this.deps.limits()
    const expiresAt = Math.min(found.data.expiresAt, this.deps.now() + limits.retentionMs)
    if (expiresAt <= this.deps.now()) return undefined
    const output = found.data.response.output.filter(isItem)
    const stored: StoredResponse = { ...found.data, output, expiresAt }
    // It may expire before responses kept earlier (byAge's order): it then goes when looked up, or after them.
    this.hold(stored, limits)
    this.inRedis.add(stored)
    return stored
  }

  /** `item`, asking Redis (when shared) which response holds it if none here does. */
  async findItem(scope: string, id: string): Promise<{ item: StoredItem; bytes: number } | undefined> {
    const e = this.items.get(keyOf(scope, id))
    const share = this.deps.share
    const owner = e?.owner.id ?? (share && isSafeId(id) ? await share.owner(scope, id) : undefined)
    if (owner === undefined) return undefined
    const r = await this.find(scope, owner)
    if (r === undefined) return undefined
    return this.item(scope, id)
  }

  /** `delete`, here and in Redis (when shared); whether either held it. */
  async forget(scope: string, id: string): Promise<boolean> {
    const here = this.delete(scope, id)
    const share = this.deps.share
    if (!share || !isSafeId(id) || !this.enabled) return here
    return (await share.remove(scope, id)) || here
  }

  clear(): void {
    this.lru.clear()
    this.byAge.clear()
    this.items.clear()
    this.total = 0
  }

  /** Writes `stored` to Redis if it is small enough, still held, and not expired. */
  private async publish(share: RedisResponses, stored: StoredResponse, limits: ResponsesRetention): Promise<void> {
    // Estimated first, so that a response far too large is never serialized.
    if (stored.inputBytes + stored.outputBytes > 2 * limits.sharedMaxBytes) return
    if (this.lru.get(keyOf(stored.scope, stored.id)) !== stored) return
    // Its output is the response's: written once.
    const { output: _, ...record } = stored
    const json = JSON.stringify(record)
    if (Buffer.byteLength(json) > limits.sharedMaxBytes) return
    const itemIds: string[] = []
    for (const item of stored.output) {
      const id = item['id']
      if (typeof id === 'string' && isSafeId(id)) itemIds.push(id)
    }
    const write = () => share.write(stored.scope, stored.id, json, itemIds, stored.expiresAt - this.deps.now())
    if (await write()) return void this.inRedis.add(stored)
    // Once more a little later (Redis reconnects within a second): a blip would otherwise leave it unshared for good.
    await new Promise((resolve) => setTimeout(resolve, RETRY_WRITE_MS).unref())
    if (this.lru.get(keyOf(stored.scope, stored.id)) === stored && (await write())) this.inRedis.add(stored)
  }

  private live(key: string): StoredResponse | undefined {
    if (!this.enabled) {
      if (this.lru.size > 0) this.clear()
      return undefined
    }
    const r = this.lru.get(key)
    if (r === undefined) return undefined
    if (r.expiresAt > this.deps.now()) return r
    this.remove(key)
    return undefined
  }

  private expire(now: number): void {
    for (const [key, r] of this.byAge) {
      if (r.expiresAt > now) break
      this.remove(key)
    }
  }

  private remove(key: string): void {
    const r = this.lru.get(key)
    if (r === undefined) return
    this.lru.delete(key)
    this.byAge.delete(key)
    this.total -= sizeOf(r)
    for (const item of r.output) {
      const id = item['id']
      if (typeof id !== 'string') continue
      const k = keyOf(r.scope, id)
      if (this.items.get(k)?.owner === r) this.items.delete(k)
    }
  }
}

const isItem = (v: unknown): v is StoredItem => typeof v === 'object' && v !== null && !Array.isArray(v)

const sizeOf = (r: StoredResponse) => r.inputBytes + r.outputBytes + OVERHEAD
