import { describe, expect, it } from 'vitest'
import { BUILTIN_MODELS } from './builtin-models.ts'
import { microcentsPerMillion, priceToDecimal } from './price.ts'

describe('microcentsPerMillion', () => {
  it('converts USD per 1M tokens to integer 1e-8 USD exactly', () => {
    expect(microcentsPerMillion('0.075')).toBe(7_500_000n)
    expect(microcentsPerMillion('2.50')).toBe(250_000_000n)
    expect(microcentsPerMillion('15')).toBe(1_500_000_000n)
    expect(microcentsPerMillion('0')).toBe(0n)
    expect(microcentsPerMillion('0.00000001')).toBe(1n)
    expect(microcentsPerMillion('123456789.12345678')).toBe(12_345_678_912_345_678n)
  })

  it('is exact where floats are not', () => {
    // 0.1 + 0.2 !== 0.3 in floats; in micro-cents the sum is exact.
    expect(microcentsPerMillion('0.1') + microcentsPerMillion('0.2')).toBe(microcentsPerMillion('0.3'))
  })

  it('accepts trailing zeros past the 8th decimal but rejects real extra precision', () => {
    expect(microcentsPerMillion('0.0000000100')).toBe(1n)
    expect(() => microcentsPerMillion('0.000000001')).toThrow(/more than 8 decimal places/)
    expect(() => microcentsPerMillion('1.123456789')).toThrow(RangeError)
  })

  it.each(['', '-1', '+1', '1e-7', '.5', '5.', ' 1', '1 ', '1,5', '0x10', 'abc', 'NaN', 'Infinity'])(
    'rejects %j',
    (bad) => {
      expect(() => microcentsPerMillion(bad)).toThrow(/not a plain decimal/)
    },
  )

  it('converts every built-in price', () => {
    for (const m of BUILTIN_MODELS) {
      for (const p of [m.input, m.output, m.cachedInput, m.cacheWrite]) {
        if (p !== undefined) expect(microcentsPerMillion(p)).toBeTypeOf('bigint')
      }
    }
  })
})

describe('priceToDecimal', () => {
  it('keeps strings as written', () => {
    expect(priceToDecimal('0.40')).toBe('0.40')
  })

  it('turns YAML numbers into their shortest decimal form', () => {
    expect(priceToDecimal(0.4)).toBe('0.4')
    expect(priceToDecimal(0.075)).toBe('0.075')
    expect(priceToDecimal(0)).toBe('0')
    expect(priceToDecimal(15)).toBe('15')
  })

  it('expands exponent forms without float arithmetic', () => {
    expect(priceToDecimal(1e-7)).toBe('0.0000001')
    expect(priceToDecimal(1.5e-7)).toBe('0.00000015')
    expect(priceToDecimal(1e21)).toBe('1000000000000000000000')
  })

  it('rejects what cannot be a price', () => {
    expect(() => priceToDecimal(1e-9)).toThrow(/more than 8 decimal places/)
    expect(() => priceToDecimal(-1)).toThrow(/≥ 0/)
    expect(() => priceToDecimal(Number.NaN)).toThrow(RangeError)
    expect(() => priceToDecimal(Number.POSITIVE_INFINITY)).toThrow(RangeError)
    expect(() => priceToDecimal('1e-7')).toThrow(/not a plain decimal/)
  })
})
