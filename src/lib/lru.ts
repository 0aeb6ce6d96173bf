/**
 * A Map bounded to `max` entries that drops the least recently used one first. For caches keyed by what
 * clients send (model ids): an unbounded Map grows with every new id, and a FIFO would throw out the hot
 * entries whenever a stream of one-off ids walks past them. `get` refreshes an entry by re-inserting it
 * (Map keeps insertion order), so both operations are O(1) and allocate nothing.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()

  constructor(readonly max: number) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`an LRU holds at least one entry (got ${max})`)
  }

  get size(): number {
    return this.map.size
  }

  get(key: K): V | undefined {
    const v = this.map.get(key)
    if (v === undefined) return undefined
    this.map.delete(key)
    this.map.set(key, v)
    return v
  }

  set(key: K, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K)
  }

  delete(key: K): boolean {
    return this.map.delete(key)
  }

  clear(): void {
    this.map.clear()
  }
}
