import { describe, expect, it } from 'vitest'
import { seededRandom } from './random.ts'

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    for (let i = 0; i < 100; i++) expect(a()).toBe(b())
  })

  it('gives different sequences for different seeds', () => {
    const a = seededRandom(1)
    const b = seededRandom(2)
    const same = Array.from({ length: 20 }, () => a() === b()).filter(Boolean).length
    expect(same).toBeLessThan(20)
  })

  it('stays in [0, 1) and is roughly uniform', () => {
    const r = seededRandom(7)
    const buckets = new Array<number>(10).fill(0)
    const n = 100_000
    let outside = 0
    for (let i = 0; i < n; i++) {
      const x = r()
      if (x < 0 || x >= 1) outside++
      else buckets[Math.floor(x * 10)]!++
    }
    expect(outside).toBe(0)
    for (const count of buckets) expect(Math.abs(count / n - 0.1)).toBeLessThan(0.01)
  })

  it('accepts any number as a seed (negative, fractional, huge)', () => {
    for (const seed of [-1, 0.5, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      const x = seededRandom(seed)()
      expect(x >= 0 && x < 1).toBe(true)
    }
  })
})
