import { describe, expect, it } from 'vitest'
import { SchemaError, toGeminiSchema } from './convert-schema.ts'

describe('toGeminiSchema', () => {
  it('keeps the OpenAPI subset and strips annotations silently (an OpenAI strict-mode schema)', () => {
    const { schema, dropped } = toGeminiSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      title: 'Weather',
      description: 'Where',
      properties: {
        city: {
          type: 'string',
          description: 'City name',
          minLength: 1,
          maxLength: 80,
          pattern: '^[A-Z]',
          examples: ['Paris'],
          default: 'Paris',
        },
        days: { type: 'integer', minimum: 1, maximum: 14, format: 'int32' },
        when: { type: 'string', format: 'date-time' },
        site: { type: 'string', format: 'uri' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 0, maxItems: 3 },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city', 'days'],
      additionalProperties: false,
      strict: true,
    })
    expect(dropped).toEqual([])
    expect(schema).toEqual({
      type: 'object',
      title: 'Weather',
      description: 'Where',
      properties: {
        city: { type: 'string', description: 'City name', minLength: 1, maxLength: 80, pattern: '^[A-Z]' },
        days: { type: 'integer', format: 'int32', minimum: 1, maximum: 14 },
        when: { type: 'string', format: 'date-time' },
        site: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 0, maxItems: 3 },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city', 'days'],
    })
  })

  it('turns type [T, "null"], anyOf/oneOf with null and enum null into nullable', () => {
    const { schema, dropped } = toGeminiSchema({
      type: 'object',
      properties: {
        a: { type: ['string', 'null'] },
        b: { anyOf: [{ type: 'integer', description: 'inner' }, { type: 'null' }], description: 'outer' },
        c: { enum: ['x', 'y', null] },
        d: { anyOf: [{ type: 'string' }, { type: 'number' }] },
        e: { oneOf: [{ type: 'string' }, { type: 'null' }] },
        f: { type: ['string', 'number'] },
      },
    })
    expect(schema.properties).toEqual({
      a: { type: 'string', nullable: true },
      b: { type: 'integer', description: 'outer', nullable: true },
      c: { type: 'string', enum: ['x', 'y'], nullable: true },
      d: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      e: { type: 'string', nullable: true },
      f: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    })
    expect(dropped).toEqual(['oneOf (sent as anyOf) at #/properties/e'])
  })

  it('inlines local $refs (zod/Pydantic $defs) and single allOf, with sibling keywords winning', () => {
    const { schema } = toGeminiSchema({
      type: 'object',
      properties: {
        home: { $ref: '#/$defs/Address', description: 'Home' },
        work: { allOf: [{ $ref: '#/definitions/Address' }] },
      },
      $defs: { Address: { type: 'object', properties: { street: { type: 'string' } }, description: 'An address' } },
      definitions: { Address: { type: 'object', properties: { zip: { type: 'string' } } } },
    })
    expect(schema.properties).toEqual({
      home: { type: 'object', description: 'Home', properties: { street: { type: 'string' } } },
      work: { type: 'object', properties: { zip: { type: 'string' } } },
    })
  })

  it('turns a string const into a one-value enum', () => {
    expect(toGeminiSchema({ const: 'fixed' }).schema).toEqual({ type: 'string', enum: ['fixed'] })
  })

  it('reports constraints Gemini cannot express, with their paths', () => {
    const { schema, dropped } = toGeminiSchema({
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string' }, uniqueItems: true },
        n: { type: 'number', multipleOf: 5, exclusiveMinimum: 0 },
        level: { type: 'integer', enum: [1, 2, 3] },
        pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
        map: { type: 'object', additionalProperties: { type: 'string' } },
      },
      'x-vendor': 1,
    })
    expect(dropped.sort()).toEqual(
      [
        'additionalProperties at #/properties/map',
        'enum (non-string values) at #/properties/level',
        'exclusiveMinimum at #/properties/n',
        'items (tuple form) at #/properties/pair',
        'multipleOf at #/properties/n',
        'uniqueItems at #/properties/tags',
      ].sort(),
    )
    expect(schema.properties?.['level']).toEqual({ type: 'integer' })
    expect(schema.properties?.['map']).toEqual({ type: 'object' })
  })

  it('leaves out an empty properties map (Gemini rejects it)', () => {
    expect(toGeminiSchema({ type: 'object', properties: {} }).schema).toEqual({ type: 'object' })
  })

  it.each([
    [{ type: 'object', properties: { self: { $ref: '#' } } }, /recursive \$ref "#"/],
    [{ $defs: { N: { type: 'object', properties: { next: { $ref: '#/$defs/N' } } } }, $ref: '#/$defs/N' }, /recursive/],
    [{ $ref: 'https://example.com/schema.json' }, /only local \$refs/],
    [{ $ref: '#/$defs/Missing' }, /points at nothing/],
    [{ allOf: [{ type: 'object' }, { required: ['a'] }] }, /allOf with several/],
    [{ type: 'null' }, /type "null" alone/],
    [{ type: 'date' }, /unknown type "date"/],
    [{ type: 'object', properties: { x: false } }, /`false` schema.*#\/properties\/x/],
    [{ type: 'object', properties: { x: 'string' } }, /must be an object/],
  ])('refuses %j', (schema, message) => {
    expect(() => toGeminiSchema(schema as Record<string, unknown>)).toThrowError(SchemaError)
    expect(() => toGeminiSchema(schema as Record<string, unknown>)).toThrowError(message)
  })

  it('refuses a schema that explodes when its $refs are inlined', () => {
    const defs: Record<string, unknown> = { L0: { type: 'string' } }
    for (let i = 1; i <= 16; i++)
      defs[`L${i}`] = {
        type: 'object',
        properties: { a: { $ref: `#/$defs/L${i - 1}` }, b: { $ref: `#/$defs/L${i - 1}` } },
      }
    expect(() => toGeminiSchema({ $defs: defs, $ref: '#/$defs/L16' })).toThrowError(/more than 5000 nodes/)
  })

  it('accepts the true schema and a JSON Pointer with escapes', () => {
    const { schema } = toGeminiSchema({
      type: 'object',
      properties: { any: true, esc: { $ref: '#/$defs/a~1b' } },
      $defs: { 'a/b': { type: 'boolean' } },
    })
    expect(schema.properties).toEqual({ any: {}, esc: { type: 'boolean' } })
  })
})
