import { describe, expect, it } from 'vitest'
import { RowQueue } from './row-queue.ts'

const contents = (q: RowQueue<number>) => Array.from({ length: q.size }, (_, i) => q.at(i))

describe('RowQueue', () => {
  it('is first in, first out', () => {
    const q = new RowQueue<number>(10)
    for (let i = 0; i < 5; i++) expect(q.push(i)).toBe(false)
    q.shift(2)
    q.push(5)
    expect(contents(q)).toEqual([2, 3, 4, 5])
    q.shift(99)
    expect(q.size).toBe(0)
  })

  it('drops the oldest entry when full, and stays correct across compactions', () => {
    const q = new RowQueue<number>(1_500)
    let drops = 0
    for (let i = 0; i < 20_000; i++) if (q.push(i)) drops++
    expect(drops).toBe(18_500)
    expect(contents(q)).toEqual(Array.from({ length: 1_500 }, (_, i) => 18_500 + i))
    q.shift(1_200)
    expect(contents(q)).toEqual(Array.from({ length: 300 }, (_, i) => 19_700 + i))
  })

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RowQueue(0)).toThrow(RangeError)
    expect(() => new RowQueue(1.5)).toThrow(RangeError)
  })
})
