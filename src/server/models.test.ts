import { describe, expect, it } from 'vitest'
import { ApiError } from '../lib/api-error.ts'
import { scriptedConfig } from '../routing/__fixtures__/scripted-adapter.ts'
import { type AnthropicPageQuery, listAnthropicModels, retrieveAnthropicModel } from './models.ts'

const cfg = scriptedConfig(`routes:
  a: { targets: [openai/m1] }
  b: { targets: [openai/m2] }
  c: { targets: [openai/m1, openai/m3] }
`)
const ALL = ['a', 'b', 'c', 'openai/m1', 'openai/m2', 'openai/m3']

const ids = (q: AnthropicPageQuery) => listAnthropicModels(cfg, q).data.map((m) => m.id)

function refusal(q: AnthropicPageQuery): { status: number; param: string | null; message: string } {
  try {
    listAnthropicModels(cfg, q)
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, param: e.param, message: e.message }
    throw e
  }
  throw new Error('expected a 400')
}

describe("Anthropic's models list", () => {
  it('lists every route and target, 20 at a time by default, in the shape the docs show', () => {
    expect(listAnthropicModels(cfg, {})).toEqual({
      data: ALL.map((id) => ({ type: 'model', id, display_name: id, created_at: '2023-11-14T22:13:20Z' })),
      has_more: false,
      first_id: 'a',
      last_id: 'openai/m3',
    })
  })

  it('pages forward with after_id and backward with before_id, has_more in the direction asked', () => {
    expect(listAnthropicModels(cfg, { limit: '2' })).toMatchObject({ has_more: true, first_id: 'a', last_id: 'b' })
    expect(listAnthropicModels(cfg, { limit: '2', after_id: 'b' })).toMatchObject({
      has_more: true,
      first_id: 'c',
      last_id: 'openai/m1',
    })
    expect(listAnthropicModels(cfg, { limit: '2', after_id: 'openai/m1' })).toMatchObject({ has_more: false })
    expect(ids({ limit: '2', before_id: 'openai/m2' })).toEqual(['c', 'openai/m1'])
    expect(listAnthropicModels(cfg, { limit: '2', before_id: 'c' })).toMatchObject({ has_more: false })
    expect(ids({ limit: '1000' })).toEqual(ALL)
  })

  it('an empty page has null ids', () => {
    expect(listAnthropicModels(cfg, { after_id: 'openai/m3' })).toEqual({
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    })
  })

  it.each([
    ['0', 'limit'],
    ['1001', 'limit'],
    ['1.5', 'limit'],
    ['-3', 'limit'],
    ['ten', 'limit'],
    ['', 'limit'],
  ])('limit=%j is a 400 naming %s', (limit, param) => {
    expect(refusal({ limit })).toMatchObject({ status: 400, param })
  })

  it('a cursor that names no listed model, or both cursors at once, is a 400', () => {
    expect(refusal({ after_id: 'nope' })).toMatchObject({ status: 400, param: 'after_id' })
    expect(refusal({ before_id: '' })).toMatchObject({ status: 400, param: 'before_id' })
    expect(refusal({ after_id: 'a', before_id: 'c' })).toMatchObject({ status: 400, param: 'before_id' })
  })
})

describe("Anthropic's model retrieve", () => {
  it('answers a listed id in the model shape; 404 for one chat completions would not serve', () => {
    expect(retrieveAnthropicModel(cfg, 'openai/m2')).toEqual({
      type: 'model',
      id: 'openai/m2',
      display_name: 'openai/m2',
      created_at: '2023-11-14T22:13:20Z',
    })
    expect(() => retrieveAnthropicModel(cfg, 'nope')).toThrow(expect.objectContaining({ status: 404 }))
  })
})
