/**
 * Test helpers: Candidate objects over a fake Target, and a RoutingContext with a seeded random.
 * Only tests import this file.
 */

import type { StrategyParams } from '../../config/types.ts'
import { seededRandom } from '../../lib/random.ts'
import type { Target } from '../../providers/types.ts'
import type { Candidate, ComplexitySignals, RequestProfile, RoutingContext } from '../types.ts'

function fakeTarget(id: string, keyAlias = `${id.split('/')[0] ?? id}#1`): Target {
  const slash = id.indexOf('/')
  const provider = slash < 0 ? 'fake' : id.slice(0, slash)
  const model = slash < 0 ? id : id.slice(slash + 1)
  return {
    id,
    provider,
    type: 'openai',
    model,
    keyAlias,
    stateId: `${keyAlias}/${model}`,
    apiKey: 'sk-test-never-sent',
    baseUrl: 'http://127.0.0.1:1/v1',
    timeoutMs: 30_000,
  }
}

/** What a test may set on a candidate: anything, plus `id` (the target id) and `key` (its key alias). */
export type CandidateInit = Partial<Omit<Candidate, 'target'>> & { id?: string; key?: string }

let counter = 0

/** A measured, priced, unconstrained candidate; override what the test is about. */
export function candidate(init: CandidateInit = {}): Candidate {
  const { id = `fake/model-${counter++}`, key, ...rest } = init
  return {
    target: fakeTarget(id, key),
    position: 0,
    model: null,
    weight: 1,
    tier: 0,
    estimatedCost: 0.001,
    latencyMs: 500,
    latencySamples: 10,
    latencyAgeMs: 1_000,
    headroom: 1,
    errorRate: 0,
    ...rest,
  }
}

export const EASY: ComplexitySignals = {
  promptTokens: 50,
  messages: 1,
  tools: false,
  code: false,
  multiStep: false,
  maxOutputTokens: null,
}

export function params(overrides: Partial<StrategyParams> = {}): StrategyParams {
  return {
    weights: { cost: 0.5, latency: 0.3, headroom: 0.2 },
    maxCostPerRequest: null,
    maxLatencyMs: null,
    explore: 0,
    staleAfterMs: 60_000,
    cascade: { promptTokens: 4000, maxOutputTokens: 2000, tools: true, code: true, multiStep: true, messages: 12 },
    ...overrides,
  }
}

export interface ContextInit {
  seed?: number
  random?: () => number
  now?: number
  params?: Partial<StrategyParams>
  complexity?: Partial<ComplexitySignals>
}

export function context(init: ContextInit = {}): RoutingContext {
  const complexity = { ...EASY, ...init.complexity }
  const profile: RequestProfile = {
    promptTokens: complexity.promptTokens,
    maxOutputTokens: complexity.maxOutputTokens,
    expectedOutputTokens: complexity.maxOutputTokens ?? 512,
    needs: { tools: complexity.tools, vision: false, jsonSchema: false },
    stream: false,
    complexity,
    requirePrice: false,
    kind: 'chat',
    contextTokens: complexity.promptTokens,
  }
  return {
    now: init.now ?? Date.parse('2026-01-01T00:00:00Z'),
    random: init.random ?? seededRandom(init.seed ?? 1),
    profile,
    params: params(init.params),
  }
}

/** A random() that returns the given values in turn, then fails the test if asked for more. */
export function scriptedRandom(values: readonly number[]): () => number {
  let i = 0
  return () => {
    if (i >= values.length) throw new Error(`scriptedRandom: asked for draw #${i + 1}, only ${values.length} scripted`)
    return values[i++]!
  }
}

/** Target ids, for readable assertions. */
export function ids(list: readonly Candidate[]): string[] {
  return list.map((c) => c.target.id)
}
