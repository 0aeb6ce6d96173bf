/**
 * The ordering every strategy shares once its own key has spoken. Equal primary keys are ordered by
 * `position` (the route's list), then by `headroom` descending — several API keys of one route entry
 * share a position, so this is what spreads load across them: the key with more room left goes first —
 * and exact ties (same key, position and headroom) are shuffled with `ctx.random`, so identical keys
 * share the load instead of the first one always winning. Random draws happen only for such runs.
 */
import type { Candidate } from '../types.ts'

/** Position ascending, then headroom descending; 0 when the two are an exact tie. */
export function compareTie(a: Candidate, b: Candidate): number {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1
  if (a.headroom !== b.headroom) return a.headroom > b.headroom ? -1 : 1
  return 0
}

/**
 * Sorts `candidates` by `keys` ascending (`keys[i]` belongs to `candidates[i]`; `Infinity` sorts last,
 * NaN counts as `Infinity`), then by {@link compareTie}; each run of exact ties is shuffled
 * (Fisher–Yates) with `random`. Returns a new array holding the same Candidate references; `keys` is
 * normalised in place (NaN → Infinity).
 */
export function rankByKey(candidates: readonly Candidate[], keys: Float64Array, random: () => number): Candidate[] {
  const n = candidates.length
  if (n <= 1) return candidates.slice()
  for (let i = 0; i < n; i++) if (Number.isNaN(keys[i])) keys[i] = Infinity

  const order = new Array<number>(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((i, j) => compareAt(candidates, keys, i, j))

  const out = new Array<Candidate>(n)
  for (let i = 0; i < n; i++) out[i] = candidates[order[i]!]!
  shuffleExactTies(out, order, keys, random)
  return out
}

function compareAt(candidates: readonly Candidate[], keys: Float64Array, i: number, j: number): number {
  const ki = keys[i]!
  const kj = keys[j]!
  if (ki !== kj) return ki < kj ? -1 : 1
  return compareTie(candidates[i]!, candidates[j]!)
}

/** Shuffles each run of exact ties in `out` (sorted; `order` maps it back to `keys`). */
function shuffleExactTies(out: Candidate[], order: readonly number[], keys: Float64Array, random: () => number): void {
  const n = out.length
  let start = 0
  while (start < n) {
    let end = start + 1
    while (end < n && keys[order[end]!] === keys[order[start]!] && compareTie(out[start]!, out[end]!) === 0) end++
    if (end - start > 1) shuffleRange(out, start, end, random)
    start = end
  }
}

/** Fisher–Yates over out[start, end). */
function shuffleRange<T>(out: T[], start: number, end: number, random: () => number): void {
  for (let i = end - 1; i > start; i--) {
    // min(): a random() that breaks its [0, 1) contract must not index past the run
    const j = Math.min(i, start + Math.floor(random() * (i - start + 1)))
    const tmp = out[i]!
    out[i] = out[j]!
    out[j] = tmp
  }
}
