import { describe, expect, it } from 'vitest'
import { LogThrottle } from './log-throttle.ts'
import type { LogFields, Logger } from './logger.ts'

function recorder(): { log: Logger; lines: Array<{ msg: string; fields?: LogFields }> } {
  const lines: Array<{ msg: string; fields?: LogFields }> = []
  const push = (msg: string, fields?: LogFields) => lines.push({ msg, fields })
  return { log: { info: push, warn: push, error: push }, lines }
}

describe('LogThrottle', () => {
  it('one line per key, again only after everyMs', () => {
    let now = 0
    const { log, lines } = recorder()
    const t = new LogThrottle(log, { everyMs: 60_000, now: () => now })
    for (let i = 0; i < 1000; i++) t.warn('fsat', 'unmatched', { model: 'fsat' })
    expect(lines).toEqual([{ msg: 'unmatched', fields: { model: 'fsat' } }])
    now = 59_999
    t.warn('fsat', 'unmatched')
    expect(lines).toHaveLength(1)
    now = 60_000
    t.warn('fsat', 'unmatched')
    expect(lines).toHaveLength(2)
  })

  it('at most perMinute lines a minute whatever the keys; the next line counts those held back', () => {
    let now = 0
    const { log, lines } = recorder()
    const t = new LogThrottle(log, { perMinute: 3, now: () => now })
    for (let i = 0; i < 10_000; i++) t.warn(`id-${i}`, 'unmatched', { model: `id-${i}` })
    expect(lines.map((l) => l.fields?.['model'])).toEqual(['id-0', 'id-1', 'id-2'])
    now = 60_000
    t.warn('late', 'unmatched', { model: 'late' })
    expect(lines.at(-1)).toEqual({ msg: 'unmatched', fields: { model: 'late', held_back: 9997 } })
    // A key held back was not logged, so it may be once there is room.
    t.warn('id-5', 'unmatched', { model: 'id-5' })
    expect(lines.at(-1)?.fields).toEqual({ model: 'id-5' })
  })

  it('remembers a bounded number of keys', () => {
    const { log, lines } = recorder()
    const t = new LogThrottle(log, { remember: 2, perMinute: 100, now: () => 0 })
    for (const k of ['a', 'b', 'c', 'a']) t.warn(k, 'x')
    expect(lines).toHaveLength(4) // 'a' was forgotten when 'c' came
  })
})
