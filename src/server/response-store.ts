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
 * entries go as later ones are kept or looked up. Replicas don't share it, and a restart forgets it.
 */

import type { ResponsesRetention } from '../config/types.ts'

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

/** Fixed cost counted per response, besides its items. */
const OVERHEAD = 256

const keyOf = (scope: string, id: string) => `${scope}\n${id}`

export class ResponseStore {
  /** Least recently used first. */
  private readonly lru = new Map<string, StoredResponse>()
  /** Oldest first: the order they expire in. */
  private readonly byAge = new Map<string, StoredResponse>()
  private readonly items = new Map<string, ItemEntry>()
  private total = 0

  constructor(
    private readonly deps: {
      readonly now: () => number
      readonly limits: () => ResponsesRetention
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
    const now = this.deps.now()
    const key = keyOf(r.scope, r.id)
    this.remove(key)
    const stored: StoredResponse = { ...r, expiresAt: now + limits.retentionMs }
    this.lru.set(key, stored)
    this.byAge.set(key, stored)
    this.total += sizeOf(stored)
    const share = r.output.length === 0 ? 0 : r.outputBytes / r.output.length
    for (const item of r.output) {
      const id = item['id']
      if (typeof id === 'string') this.items.set(keyOf(r.scope, id), { owner: stored, item, bytes: share })
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

  clear(): void {
    this.lru.clear()
    this.byAge.clear()
    this.items.clear()
    this.total = 0
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

const sizeOf = (r: StoredResponse) => r.inputBytes + r.outputBytes + OVERHEAD
