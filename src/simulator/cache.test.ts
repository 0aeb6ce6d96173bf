import { describe, expect, it } from 'vitest'
import { PromptCache, prefixes } from './cache.ts'
import type { Segment } from './types.ts'

const seg = (key: string, tokens: number, cacheTtl?: '5m' | '1h'): Segment =>
  cacheTtl ? { key, tokens, cacheTtl } : { key, tokens }

describe('implicit caching (OpenAI, Gemini)', () => {
  it('reads the longest seen prefix of at least the minimum, in steps', () => {
    const c = new PromptCache()
    const a = [seg('sys', 1500), seg('q1', 10)]
    expect(c.implicit('m', prefixes(a), 1024, 128)).toBe(0)
    expect(c.implicit('m', prefixes([seg('sys', 1500), seg('q2', 10)]), 1024, 128)).toBe(1408)
    expect(c.implicit('m', prefixes([seg('sys', 1500), seg('q2', 10)]), 1024, 1)).toBe(1513)
    expect(c.implicit('other', prefixes(a), 1024, 128)).toBe(0)
    expect(c.implicit('m', prefixes([seg('short', 100)]), 1024, 128)).toBe(0)
  })
})

describe('explicit caching (Anthropic)', () => {
  it('writes at breakpoints, reads them back, splits writes by TTL', () => {
    const c = new PromptCache()
    const first = [seg('tools', 600, '1h'), seg('sys', 900, '5m'), seg('u1', 20)]
    expect(c.explicit('m', first, prefixes(first), 1024)).toEqual({
      promptTokens: 1523,
      cachedTokens: 0,
      cacheWrite5m: 1503,
      cacheWrite1h: 0,
    })
    const second = [seg('tools', 600, '1h'), seg('sys', 900, '5m'), seg('u2', 30), seg('u3', 700, '5m')]
    expect(c.explicit('m', second, prefixes(second), 1024)).toEqual({
      promptTokens: 2233,
      cachedTokens: 1503,
      cacheWrite5m: 730,
      cacheWrite1h: 0,
    })
    const noBreak = [seg('tools', 600), seg('sys', 900)]
    expect(c.explicit('m', noBreak, prefixes(noBreak), 1024).cachedTokens).toBe(0)
  })
})
