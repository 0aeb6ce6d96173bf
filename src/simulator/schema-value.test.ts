import { describe, expect, it } from 'vitest'
import { prng } from './rng.ts'
import { valueFromSchema } from './schema-value.ts'

describe('values from schemas', () => {
  it('respect types, enums, bounds, formats, refs and nesting (JSON Schema and Gemini OpenAPI casing)', () => {
    const schema = {
      type: 'object',
      properties: {
        kind: { enum: ['a', 'b'] },
        n: { type: 'integer', minimum: 5, maximum: 6 },
        x: { type: ['number', 'null'], exclusiveMinimum: 0, maximum: 1 },
        when: { type: 'string', format: 'date-time' },
        tags: { type: 'array', items: { $ref: '#/$defs/tag' }, minItems: 2 },
        nested: { type: 'OBJECT', properties: { ok: { type: 'BOOLEAN' } }, required: ['ok'] },
        pick: { anyOf: [{ type: 'null' }, { const: 7 }] },
      },
      required: ['kind', 'n'],
      $defs: { tag: { type: 'string', minLength: 12 } },
    }
    const v = valueFromSchema(schema, prng(1)) as Record<string, unknown>
    expect(['a', 'b']).toContain(v['kind'])
    expect([5, 6]).toContain(v['n'])
    expect(v['x'] as number).toBeGreaterThan(0)
    expect(v['when']).toBe('2025-01-01T12:00:00Z')
    expect((v['tags'] as string[]).every((t) => typeof t === 'string' && t.length >= 12)).toBe(true)
    expect(v['tags']).toHaveLength(2)
    expect(typeof (v['nested'] as { ok: unknown }).ok).toBe('boolean')
    expect(v['pick']).toBe(7)
    expect(valueFromSchema(schema, prng(1))).toEqual(v)
  })

  it('terminates on recursive schemas', () => {
    const tree = {
      $ref: '#/$defs/node',
      $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } }, required: ['child'] } },
    }
    expect(() => JSON.stringify(valueFromSchema(tree, prng(2)))).not.toThrow()
  })
})
