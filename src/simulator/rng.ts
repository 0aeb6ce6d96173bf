/**
 * Cheap deterministic hashing and random numbers. Everything the simulator "decides" (answer words,
 * tool arguments, ids, rate-drawn faults) comes from here, so a seed + a request give the same bytes.
 */

/** FNV-1a over a string's UTF-16 code units, continuing from `h` (32-bit). */
export function fnv1a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** Mixes integers into one 32-bit value (murmur3 finaliser per step). */
export function mix(...xs: number[]): number {
  let h = 0x9e3779b9
  for (const x of xs) {
    h ^= x >>> 0
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    h ^= h >>> 16
  }
  return h >>> 0
}

/** mulberry32: a small, fast PRNG with a 32-bit state; returns floats in [0, 1). */
import { seededRandom as prng } from '../lib/random.ts'

export { prng }

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const HEX = '0123456789abcdef'

/** `n` characters from [A-Za-z0-9], derived from `seed` (ids look like the real ones). */
export function idChars(seed: number, n: number): string {
  const r = prng(seed)
  let s = ''
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * 62)]
  return s
}

export function hexChars(seed: number, n: number): string {
  const r = prng(seed)
  let s = ''
  for (let i = 0; i < n; i++) s += HEX[Math.floor(r() * 16)]
  return s
}
