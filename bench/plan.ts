/**
 * `npm run bench:plan`: what planning adds per request — the request profile (token estimate, needs,
 * complexity) plus the plan (filters over live state, then the strategy) — for a route of 10 targets,
 * per strategy. In-process, no I/O; the baseline is an empty loop measured in the same run.
 */
import { compileConfig } from '../src/config/compile.ts'
import { parseConfig } from '../src/config/load.ts'
import { STRATEGY_NAMES } from '../src/config/schema.ts'
import type { ChatRequest } from '../src/providers/openai-schema.ts'
import { plan } from '../src/routing/plan.ts'
import { buildProfile } from '../src/routing/profile.ts'
import { TargetStates } from '../src/routing/target-states.ts'

const TARGETS = [
  'openai/gpt-4.1-mini',
  'openai/gpt-4.1-nano',
  'openai/gpt-4o-mini',
  'openai/gpt-5-mini',
  'anthropic/claude-haiku-4-5',
  'anthropic/claude-sonnet-4-5',
  'google/gemini-2.5-flash',
  'google/gemini-2.5-flash-lite',
  'google/gemini-2.5-pro',
  'openai/gpt-4.1',
]

export function planBench(
  iterations = 50_000,
): Array<{ strategy: string; profileUs: number; planUs: number; totalUs: number }> {
  const routes = STRATEGY_NAMES.map((s) =>
    s === 'cascade'
      ? `  ${s}:\n    strategy: cascade\n    tiers:\n      - [${TARGETS.slice(0, 5).join(', ')}]\n      - [${TARGETS.slice(5).join(', ')}]\n`
      : `  ${s}:\n    strategy: ${s}\n    targets: [${TARGETS.join(', ')}]\n`,
  ).join('')
  const text = `providers:
  openai: { type: openai, api_key: k, limits: { rpm: 100000, tpm: 100000000 } }
  anthropic: { type: anthropic, api_key: k }
  google: { type: gemini, api_key: k, limits: { rpm: 100000 } }
routes:
${routes}`
  const cfg = compileConfig(parseConfig(text, 'bench.yaml', {}))
  const states = new TargetStates()
  const req: ChatRequest = {
    model: 'x',
    messages: [
      { role: 'system', content: 'You are a helpful assistant that answers briefly.' },
      {
        role: 'user',
        content: 'What is the capital of France? Answer in one sentence, and mention one landmark there.',
      },
    ],
    max_tokens: 256,
  }
  let seed = 1
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647
  const out: Array<{ strategy: string; profileUs: number; planUs: number; totalUs: number }> = []
  const now = Date.now()
  for (const name of STRATEGY_NAMES) {
    const route = cfg.routes.get(name)!
    // Warm up: creates each target's state and lets the JIT settle.
    for (let i = 0; i < 5_000; i++) plan(route, buildProfile(req, { defaultExpectedOutput: 256 }), states, now, random)
    let t = performance.now()
    let profile = buildProfile(req, { defaultExpectedOutput: 256 })
    for (let i = 0; i < iterations; i++) profile = buildProfile(req, { defaultExpectedOutput: 256 })
    const profileUs = ((performance.now() - t) * 1000) / iterations
    t = performance.now()
    let ranked = 0
    for (let i = 0; i < iterations; i++) ranked += plan(route, profile, states, now, random).ranked.length
    const planUs = ((performance.now() - t) * 1000) / iterations
    if (ranked === 0) throw new Error('nothing planned')
    out.push({ strategy: name, profileUs, planUs, totalUs: profileUs + planUs })
  }
  states.close()
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = planBench()
  console.log('Planning a route of 10 targets (profile + plan), µs per request, in-process:\n')
  console.log('| strategy | profile µs | plan µs | total µs |')
  console.log('|---|---:|---:|---:|')
  for (const r of rows)
    console.log(`| ${r.strategy} | ${r.profileUs.toFixed(1)} | ${r.planUs.toFixed(1)} | **${r.totalUs.toFixed(1)}** |`)
}
