/**
 * Prompt caching as the three APIs report it. A prompt is a list of segments (tools, system, then one
 * per message or, for Anthropic, per content block); a prefix is identified by the running hash at a
 * segment boundary.
 *   - OpenAI (implicit): the longest previously seen prefix of ≥ 1024 tokens is read from cache,
 *     reported in 128-token steps; prompt_tokens includes it.
 *   - Gemini 2.5 (implicit): the same, reported exactly; promptTokenCount includes it.
 *   - Anthropic (explicit): only prefixes ending at a `cache_control` breakpoint are written; a later
 *     request reads the longest stored prefix found at its last breakpoint or up to 20 blocks before
 *     it (or at an earlier breakpoint). input_tokens excludes reads and writes.
 * No expiry: entries live until reset() (or until 20 000 per model push the oldest out).
 */

import { Lru } from '../lib/lru.ts'
import { fnv1a } from './rng.ts'
import { REQUEST_OVERHEAD } from './tokens.ts'
import type { PromptUsage, Segment } from './types.ts'

const MAX_ENTRIES = 20_000
const LOOKBACK_BLOCKS = 20

/** Running hashes and token sums at each segment boundary. */
export interface Prefixes {
  hashes: number[]
  tokens: number[]
  total: number
  /** Hash of the whole prompt (the answer seed). */
  hash: number
}

export function prefixes(segments: readonly Segment[]): Prefixes {
  const hashes: number[] = []
  const tokens: number[] = []
  let h = 0x811c9dc5
  let sum = REQUEST_OVERHEAD
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as Segment
    // The separator keeps ("ab","c") and ("a","bc") apart; the running token sum widens the 32-bit
    // hash into a 52-bit key, which makes accidental hits negligible at one pass over the text.
    h = fnv1a(s.key, h ^ 0x1f)
    sum += s.tokens
    hashes.push(h * 0x100000 + (sum & 0xfffff))
    tokens.push(sum)
  }
  return { hashes, tokens, total: sum, hash: h }
}

/** Scopes (api, model) with a cache at once: model ids may be anyone's with a `'*'` wildcard. */
const MAX_SCOPES = 1_000

export class PromptCache {
  private readonly maps = new Lru<string, Map<number, number>>(MAX_SCOPES)

  clear(): void {
    this.maps.clear()
  }

  private map(scope: string): Map<number, number> {
    let m = this.maps.get(scope)
    if (!m) this.maps.set(scope, (m = new Map()))
    return m
  }

  private store(m: Map<number, number>, hash: number, tokens: number): void {
    m.delete(hash) // re-insert so that the entry counts as the newest
    m.set(hash, tokens)
    if (m.size > MAX_ENTRIES) {
      for (const k of m.keys()) {
        m.delete(k)
        break
      }
    }
  }

  /** OpenAI / Gemini implicit caching: tokens read from cache for this prompt; remembers its prefixes. */
  implicit(scope: string, p: Prefixes, minTokens: number, step: number): number {
    if (minTokens <= 0 || p.total < minTokens) return 0
    const m = this.map(scope)
    let cached = 0
    for (let i = p.hashes.length - 1; i >= 0; i--) {
      const t = p.tokens[i] as number
      if (t < minTokens) break
      if (m.has(p.hashes[i] as number)) {
        cached = t
        break
      }
    }
    for (let i = 0; i < p.hashes.length; i++) {
      const t = p.tokens[i] as number
      if (t >= minTokens) this.store(m, p.hashes[i] as number, t)
    }
    return step > 1 ? Math.floor(cached / step) * step : cached
  }

  /** Anthropic explicit caching at `cache_control` breakpoints. */
  explicit(scope: string, segments: readonly Segment[], p: Prefixes, minTokens: number): PromptUsage {
    const usage: PromptUsage = { promptTokens: p.total, cachedTokens: 0, cacheWrite5m: 0, cacheWrite1h: 0 }
    const breaks: number[] = []
    for (let i = 0; i < segments.length; i++) if (segments[i]?.cacheTtl) breaks.push(i)
    if (breaks.length === 0) return usage
    const m = this.map(scope)
    const last = breaks[breaks.length - 1] as number
    let readIdx = -1
    for (let i = last; i >= Math.max(0, last - LOOKBACK_BLOCKS) && readIdx === -1; i--) {
      if (m.has(p.hashes[i] as number)) readIdx = i
    }
    for (let j = breaks.length - 1; j >= 0 && readIdx === -1; j--) {
      if (m.has(p.hashes[breaks[j] as number] as number)) readIdx = breaks[j] as number
    }
    let written = readIdx >= 0 ? (p.tokens[readIdx] as number) : 0
    usage.cachedTokens = written
    if (readIdx >= 0) this.store(m, p.hashes[readIdx] as number, written)
    for (const b of breaks) {
      const t = p.tokens[b] as number
      if (b <= readIdx || t < minTokens) continue
      if (segments[b]?.cacheTtl === '1h') usage.cacheWrite1h += t - written
      else usage.cacheWrite5m += t - written
      written = t
      this.store(m, p.hashes[b] as number, t)
    }
    return usage
  }
}
