import { describe, expect, it } from 'vitest'
import { generateAnswers, parseDirectives } from './generate.ts'
import { blankRequest } from './sim-request.ts'
import type { SimModelConfig, SimRequest } from './types.ts'

const cfg: SimModelConfig = { ttftMs: 0, tokenDelayMs: 0, outputTokens: 8 }

function req(over: Partial<SimRequest> = {}): SimRequest {
  return { ...blankRequest([]), endsWithUser: true, ...over }
}

const one = (r: SimRequest, seed = 1, c: SimModelConfig = cfg) => generateAnswers(r, c, seed, 'openai')[0]

describe('directives', () => {
  it('reads reply, call, tokens and no tools from their own lines only', () => {
    expect(parseDirectives('hello\n  Reply: exactly this  \ncall: a, b\ntokens: 3\nno tools')).toEqual({
      reply: 'exactly this  ',
      call: ['a', 'b'],
      noTools: true,
      tokens: 3,
    })
    expect(parseDirectives('please reply: inline is not a directive')).toEqual({
      reply: null,
      call: null,
      noTools: false,
      tokens: null,
    })
    expect(parseDirectives('call: ALL').call).toBe('all')
  })
})

describe('answers', () => {
  it('are deterministic per seed and differ across seeds', () => {
    expect(one(req())?.text).toBe(one(req())?.text)
    expect(one(req(), 1)?.text).not.toBe(one(req(), 2)?.text)
    expect(one(req())?.pieces).toHaveLength(8)
  })

  it('keep reply text byte for byte, whitespace included', () => {
    const a = one(req({ lastUserText: 'reply:   two  spaces\tand tab ' }))
    expect(a?.text).toBe('  two  spaces\tand tab ')
    expect(a?.pieces.join('')).toBe(a?.text)
    expect(a?.outputTokens).toBe(4)
  })

  it('cut at the output cap (length) and before a stop sequence (stop_sequence)', () => {
    const long = one(req({ lastUserText: 'reply: a b c d e', maxTokens: 2 }))
    expect([long?.text, long?.finish]).toEqual(['a b', 'length'])
    const stop = one(req({ lastUserText: 'reply: a b c d e', stop: ['zzz', ' c'] }))
    expect([stop?.text, stop?.finish, stop?.stopSequence, stop?.outputTokens]).toEqual([
      'a b',
      'stop_sequence',
      ' c',
      2,
    ])
    const inside = one(req({ lastUserText: 'reply: alpha beta', stop: ['ph'] }))
    expect([inside?.text, inside?.outputTokens]).toEqual(['al', 1])
  })

  it('spend reasoning first, inside the cap', () => {
    const r = one(req({ reasoningFactor: 2, maxTokens: 20 }), 1, { ...cfg, reasoning: true })
    expect(r?.reasoningTokens).toBe(16)
    expect(r?.outputTokens).toBe(4)
    expect(r?.finish).toBe('length')
    expect(one(req({ reasoningFactor: 2 }), 1, { ...cfg, reasoning: false })?.reasoningTokens).toBe(0)
  })

  it('call tools: the forced one, the first by default, all with call: all unless parallel is off', () => {
    const tools = [
      { name: 'a', schema: { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] } },
      { name: 'b', schema: { type: 'object' } },
    ]
    expect(one(req({ tools, toolChoice: 'auto' }))?.toolCalls.map((c) => c.name)).toEqual(['a'])
    expect(
      one(req({ tools, toolChoice: 'tool', forcedTool: 'b', lastUserText: 'no tools' }))?.toolCalls.map((c) => c.name),
    ).toEqual(['b'])
    expect(one(req({ tools, toolChoice: 'auto', lastUserText: 'call: all' }))?.toolCalls.map((c) => c.name)).toEqual([
      'a',
      'b',
    ])
    expect(
      one(req({ tools, toolChoice: 'auto', lastUserText: 'call: all', parallelTools: false }))?.toolCalls,
    ).toHaveLength(1)
    expect(one(req({ tools, toolChoice: 'auto', lastUserText: 'no tools' }))?.toolCalls).toHaveLength(0)
    expect(one(req({ tools, toolChoice: 'none' }))?.toolCalls).toHaveLength(0)
    expect(one(req({ tools, toolChoice: 'auto', endsWithUser: false }))?.toolCalls).toHaveLength(0)
    const call = one(req({ tools, toolChoice: 'auto' }))?.toolCalls[0]
    expect(Number.isInteger((call?.args as { x: number } | undefined)?.x)).toBe(true)
    expect(call?.id).toMatch(/^call_[A-Za-z0-9]{24}$/)
  })

  it('report tool results and prefix the image count', () => {
    expect(
      one(req({ toolResults: [{ name: 'f', content: '42' }], tools: [{ name: 'f', schema: {} }], toolChoice: 'auto' }))
        ?.text,
    ).toBe('Tool f returned: 42')
    expect(one(req({ images: 2, lastUserText: 'reply: ok' }))?.text).toBe('I see 2 images. ok')
  })
})
