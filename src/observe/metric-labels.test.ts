import { describe, expect, it } from 'vitest'
import { targetOf } from './__fixtures__/attempt-event.ts'
import { compiled } from './__fixtures__/config.ts'
import { routeLabel, targetLabel } from './metric-labels.ts'

const cfg = compiled(`providers:
  openai: { type: openai }
  vllm: { type: openai-compatible, base_url: "http://127.0.0.1:9/v1" }
routes:
  fast: { targets: [openai/gpt-4.1-mini] }
  local: { targets: [vllm/llama-3-8b] }
models:
  vllm/llama-3-8b: { input: 0, output: 0 }
`)

describe('metric labels', () => {
  it("a target keeps its id when routes.yaml names it or the catalog knows its model by that id, else it is its key's other", () => {
    expect(targetLabel(cfg, targetOf('openai#1/gpt-4.1-mini'), 'gpt-4.1-mini')).toBe('openai#1/gpt-4.1-mini')
    expect(targetLabel(cfg, targetOf('vllm#1/llama-3-8b'), null)).toBe('vllm#1/llama-3-8b')
    expect(targetLabel(cfg, targetOf('openai#1/gpt-4o'), 'gpt-4o')).toBe('openai#1/gpt-4o')
    // A dated id the catalog prices as its alias, and a model it does not know: both the client's to invent.
    expect(targetLabel(cfg, targetOf('openai#1/gpt-4o-2099-01-01'), 'gpt-4o')).toBe('openai#1/other')
    expect(targetLabel(cfg, targetOf('openai#1/made-up-7f3a'), null)).toBe('openai#1/other')
  })

  it('a route keeps its name when routes.yaml declares it, or as the provider/model of a model the catalog knows', () => {
    expect(routeLabel(cfg, 'fast')).toBe('fast')
    expect(routeLabel(cfg, 'openai/gpt-4.1-nano')).toBe('openai/gpt-4.1-nano')
    expect(routeLabel(cfg, 'vllm/llama-3-8b')).toBe('vllm/llama-3-8b')
    expect(routeLabel(cfg, 'openai/made-up-7f3a')).toBe('other')
    expect(routeLabel(cfg, 'openai/gpt-4o-2099-01-01')).toBe('other')
    expect(routeLabel(cfg, 'nobody/gpt-4.1-mini')).toBe('other')
    expect(routeLabel(cfg, 'made-up-7f3a')).toBe('other')
    expect(routeLabel(cfg, null)).toBe('none')
  })
})
