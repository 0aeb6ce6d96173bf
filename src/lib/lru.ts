/**
 * A Map bounded to `max` entries that drops the least recently used one first. For caches keyed by what
 * clients send (model ids): an unbounded Map grows with every new id, and a FIFO would throw out the hot
 * entries whenever a stream of one-off ids walks past them. `get` refreshes an entry by re-inserting it
 * (Map keeps insertion order), so both operations are O(1) and allocate nothing — unless it is the entry
 * used last already: a cache hit on the same key request after request (one hot model, one route) then
 * costs one Map lookup, not a delete and an insert that leave the Map's table to compact.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()
  /** The most recently used key (last in the Map's order), when known. */
  private last: K | undefined = undefined
  private hasLast = false

  constructor(readonly max: number) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`an LRU holds at least one entry (got ${max})`)
  }

  get size(): number {
    return this.map.size
  }

  get(key: K): V | undefined {
    const v = this.map.get(key)
    if (v === undefined) return undefined
    if (this.hasLast && this.last === key) return v
    this.map.delete(key)
    this.map.set(key, v)
    this.remember(key)
    return v
  }

  set(key: K, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    this.remember(key)
    // With at least two entries the oldest is never `key`, the newest.
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K)
  }

  delete(key: K): boolean {
    if (this.hasLast && this.last === key) this.forget()
    return this.map.delete(key)
  }

  clear(): void {
    this.forget()
    this.map.clear()
  }

  private remember(key: K): void {
    this.last = key
    this.hasLast = true
  }

  private forget(): void {
    this.last = undefined
    this.hasLast = false
  }
}
