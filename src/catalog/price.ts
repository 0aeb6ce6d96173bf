/**
 * Price strings. Prices live as decimal strings (USD per 1M tokens) so that the spend ledger can
 * compute costs in integers: a float such as 0.075 is not exactly representable, and summing
 * millions of rows of float costs drifts away from the provider's bill.
 */

/** Micro-cents (1e-8 USD) per USD: the ledger's unit. */
export const MICROCENTS_PER_USD = 100_000_000n

const FRACTION_DIGITS = 8
// Plain decimal: digits, optionally a point and digits. Linear to match (no nested quantifiers).
const DECIMAL = /^(\d+)(?:\.(\d+))?$/

/**
 * A USD-per-1M-tokens decimal string → integer micro-cents (1e-8 USD) per 1M tokens, exactly.
 * `'0.075'` → `7_500_000n`, `'2.50'` → `250_000_000n`. Accepts plain non-negative decimals only
 * (no sign, exponent or thousands separators); trailing zeros are free, but a non-zero digit past
 * the 8th decimal place is rejected rather than rounded, since it would be silently lost.
 */
export function microcentsPerMillion(decimal: string): bigint {
  const m = DECIMAL.exec(decimal)
  if (!m) throw new RangeError(`price "${decimal}" is not a plain decimal number (e.g. "0.075")`)
  const whole = m[1]!
  const fraction = (m[2] ?? '').replace(/0+$/, '')
  if (fraction.length > FRACTION_DIGITS) {
    throw new RangeError(
      `price "${decimal}" has more than ${FRACTION_DIGITS} decimal places; Headroom counts in 1e-8 USD per 1M tokens`,
    )
  }
  return BigInt(whole) * MICROCENTS_PER_USD + BigInt(fraction.padEnd(FRACTION_DIGITS, '0'))
}

/**
 * A price as routes.yaml gives it (YAML reads `0.40` as a number) → the decimal string. Numbers go
 * through their shortest round-trip form, which is what the operator typed for any price with up to
 * 15 significant digits; exponent forms (`1e-7`) are expanded digit by digit, so the precision check
 * still applies. Strings are taken as written. Throws RangeError for what is not a valid price.
 */
export function priceToDecimal(value: string | number): string {
  let text: string
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`price ${value} must be a finite number ≥ 0`)
    text = String(value)
    if (text.includes('e')) text = expandExponent(text)
  } else {
    text = value
  }
  microcentsPerMillion(text)
  return text
}

/** `'1.5e-7'` → `'0.00000015'`: moves the decimal point in the digits, no float arithmetic. */
function expandExponent(text: string): string {
  const [mantissa = '', exponent = '0'] = text.split('e')
  const [whole = '', fraction = ''] = mantissa.split('.')
  const digits = whole + fraction
  const point = whole.length + Number(exponent)
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length)
  return `${digits.slice(0, point)}.${digits.slice(point)}`
}
