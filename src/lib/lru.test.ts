import { describe, expect, it } from 'vitest'
import { Lru } from './lru.ts'

describe('Lru', () => {
  it('holds at most max entries, dropping the least recently used', () => {
    const lru = new Lru<string, number>(3)
    lru.set('a', 1)
    lru.set('b', 2)
    lru.set('c', 3)
    expect(lru.get('a')).toBe(1) // a is now the newest: b goes first
    lru.set('d', 4)
    expect(lru.size).toBe(3)
    expect(lru.get('b')).toBeUndefined()
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([1, 3, 4])
  })

  it('keeps a hot entry through any number of one-off keys', () => {
    const lru = new Lru<string, number>(100)
    lru.set('hot', 0)
    for (let i = 0; i < 10_000; i++) {
      lru.set(`once-${i}`, i)
      expect(lru.get('hot')).toBe(0)
    }
    expect(lru.size).toBe(100)
  })

  it('setting an existing key replaces it without growing; delete and clear', () => {
    const lru = new Lru<string, number | null>(2)
    lru.set('a', null)
    lru.set('a', 2)
    expect(lru.size).toBe(1)
    expect(lru.delete('a')).toBe(true)
    lru.set('b', null)
    expect(lru.get('b')).toBeNull()
    lru.clear()
    expect(lru.size).toBe(0)
  })

  it('the entry used last, got again and again, stays the newest; deleted, it is gone', () => {
    const lru = new Lru<string, number>(2)
    lru.set('a', 1)
    lru.set('b', 2)
    expect(lru.get('a')).toBe(1)
    expect(lru.get('a')).toBe(1) // already the newest
    lru.set('c', 3) // b is the oldest
    expect([lru.get('b'), lru.get('a'), lru.get('c')]).toEqual([undefined, 1, 3])
    expect(lru.delete('c')).toBe(true)
    expect(lru.get('c')).toBeUndefined()
    lru.set('d', 4)
    lru.set('e', 5) // a is the oldest
    expect([lru.get('a'), lru.get('d'), lru.get('e')]).toEqual([undefined, 4, 5])
  })

  it('refuses a size below one', () => {
    expect(() => new Lru(0)).toThrow(RangeError)
  })
})
