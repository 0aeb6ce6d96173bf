import { describe, expect, it } from 'vitest'
import { isIdSegment, isModelId, modelIdProblem } from './model-id.ts'

describe('model id grammar', () => {
  it.each([
    'fast',
    'gpt-4.1-mini',
    'openai/gpt-4.1-mini',
    'google/gemini-2.5-flash',
    'claude-sonnet-4-5-20250929',
    'local/meta-llama/Llama-3.1-8B',
    'ollama/llama3.1:8b',
    'ft:gpt-4o-mini:org:custom:id',
    'gemini-..',
    '_private',
    'a'.repeat(256),
  ])('accepts %j', (id) => {
    expect(isModelId(id)).toBe(true)
    expect(modelIdProblem(id)).toBeNull()
  })

  it.each([
    ['', 'it is empty'],
    ['a'.repeat(257), 'it is 257 characters long'],
    ['..', 'a segment starts with "."'],
    ['.', 'a segment starts with "."'],
    ['google/../../v1beta/cachedContents#', 'it contains "#"'],
    ['a/../b', 'a segment starts with "."'],
    ['.hidden', 'a segment starts with "."'],
    ['a/.x', 'a segment starts with "."'],
    ['/x', 'it has an empty segment (a leading, trailing or doubled "/")'],
    ['x/', 'it has an empty segment (a leading, trailing or doubled "/")'],
    ['a//b', 'it has an empty segment (a leading, trailing or doubled "/")'],
    ['x?y=1', 'it contains "?"'],
    ['%2e%2e', 'it contains "%"'],
    ['x\\y', 'it contains "\\"'],
    ['x y', 'it contains U+0020'],
    ['x\u0000y', 'it contains U+0000'],
    ['x\r\ny', 'it contains U+000D'],
    ['．．', 'it contains U+FF0E'],
    ['\u2024\u2024', 'it contains U+2024'],
    ['\u3002', 'it contains U+3002'],
    ['😀', 'it contains U+1F600'],
  ])('refuses %j: %s', (id, problem) => {
    expect(isModelId(id)).toBe(false)
    expect(modelIdProblem(id)).toBe(problem)
  })

  it('a segment (route and provider names) has no slash', () => {
    expect(isIdSegment('fast')).toBe(true)
    expect(isIdSegment('team:fast-1.2')).toBe(true)
    expect(isIdSegment('team/fast')).toBe(false)
    expect(isIdSegment('..')).toBe(false)
    expect(isIdSegment('')).toBe(false)
  })
})
