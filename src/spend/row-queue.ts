/**
 * A bounded FIFO for spend rows waiting to be written: O(1) push, O(1) amortised removal from the
 * front, and when full it drops the oldest entry — the newest spend is the one budgets and alerts
 * care about, and the oldest has been waiting longest for a database that is not coming back soon.
 */
export class RowQueue<T> {
  // An array with a moving head: removed entries are cleared (so they can be collected) and the
  // array is compacted once its dead prefix outgrows the live part.
  private items: Array<T | undefined> = []
  private head = 0

  constructor(readonly capacity: number) {
    if (!(Number.isSafeInteger(capacity) && capacity > 0))
      throw new RangeError(`RowQueue capacity must be a positive integer, got ${capacity}`)
  }

  get size(): number {
    return this.items.length - this.head
  }

  /** Appends `item`; when the queue is full, drops the oldest entry first and returns true. */
  push(item: T): boolean {
    let dropped = false
    if (this.items.length - this.head >= this.capacity) {
      this.shift(1)
      dropped = true
    }
    this.items.push(item)
    return dropped
  }

  /** The i-th oldest entry (0 = oldest); i < size. */
  at(i: number): T {
    return this.items[this.head + i]!
  }

  /** Removes the n oldest entries. */
  shift(n: number): void {
    const to = Math.min(this.head + n, this.items.length)
    if (to === this.items.length) {
      this.items = []
      this.head = 0
      return
    }
    for (let i = this.head; i < to; i++) this.items[i] = undefined
    this.head = to
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }
}
