import { describe, expect, it } from 'vitest'
import { MAX_COUNTERS, SimState } from './state.ts'

describe('SimState counters', () => {
  it('count every request, by model for the first MAX_COUNTERS (api, model, status) and by api and status after', () => {
    const st = new SimState({})
    const n = MAX_COUNTERS + 2_000
    for (let i = 0; i < n; i++) {
      st.record({
        at: 0,
        api: 'gemini',
        model: `gemini-2.5-flash-u${i}`,
        key: '',
        path: '/',
        stream: false,
        body: undefined,
        status: 404,
      })
    }
    expect(st.stats()).toBe(n)
    expect(st.stats({ api: 'gemini', status: 404 })).toBe(n)
    expect(st.stats({ model: 'gemini-2.5-flash-u0' })).toBe(1)
    expect(st.stats({ model: `gemini-2.5-flash-u${n - 1}` })).toBe(0) // past the cap: counted as '*'
    expect(st.stats({ model: '*' })).toBe(2_000)
  })
})

describe('wildcard models', () => {
  it('are made on demand and not listed, however many ids come by', () => {
    const st = new SimState({ models: { gemini: { '*': {} } } })
    const listed = st.models.list('gemini').length
    const first = st.models.lookup('gemini', 'gemini-2.5-flash-u0')
    for (let i = 1; i < 20_000; i++)
      expect(st.models.lookup('gemini', `gemini-2.5-flash-u${i}`)?.id).toBe(`gemini-2.5-flash-u${i}`)
    expect(st.models.list('gemini').length).toBe(listed)
    // Dropped from the cache long ago, made again: the same model.
    expect(st.models.lookup('gemini', 'gemini-2.5-flash-u0')).toEqual(first)
    expect(st.models.lookup('openai', 'nope')).toBeNull()
  })
})
