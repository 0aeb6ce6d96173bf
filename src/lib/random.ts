/**
 * A tiny seeded PRNG (mulberry32) for tests and reproducible runs (`headroom bench --seed`). Not for
 * anything secret: 32 bits of state, but uniform enough for routing draws and fast (a few ns per draw).
 */

/** Returns a function yielding uniform numbers in [0, 1); the same seed yields the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
