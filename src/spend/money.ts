/**
 * Integer micro-cents (1e-8 USD) as exact decimal text. The ledger never turns money into a float; this
 * is the one conversion to what people read.
 */
import { MICROCENTS_PER_USD } from '../catalog/price.ts'

const FRACTION_DIGITS = 8

/** `123456789n` → `"1.23456789"`, `5n` → `"0.00000005"`, `0` → `"0.00000000"`. */
export function microcentsToUsd(microcents: bigint | number): string {
  const m = BigInt(microcents)
  const abs = m < 0n ? -m : m
  const fraction = (abs % MICROCENTS_PER_USD).toString().padStart(FRACTION_DIGITS, '0')
  return `${m < 0n ? '-' : ''}${abs / MICROCENTS_PER_USD}.${fraction}`
}
