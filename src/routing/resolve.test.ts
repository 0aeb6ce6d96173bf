import { describe, expect, it } from 'vitest'
import { compileConfig } from '../config/compile.ts'
import { parseConfig } from '../config/load.ts'
import { fallbackWarning, notFoundReason, resolveModel } from './resolve.ts'

const CONFIG = `providers:
  openai: { type: openai, api_key: sk-test-123456 }
  anthropic: { type: anthropic, api_key: sk-ant-test-123456 }
  local: { type: openai-compatible, base_url: "http://127.0.0.1:9/v1", api_key: x }
routes:
  fast:
    targets: [openai/gpt-4.1-nano, local/meta-llama/Llama-3.1-8B]
`
const withDefault = compileConfig(parseConfig(`${CONFIG}default_route: fast\n`, 'routes.yaml', {}))
const without = compileConfig(parseConfig(CONFIG, 'routes.yaml', {}))

/** What an id resolves to: the route's name (`?` marks the default_route fallback), or null. */
const to = (cfg: typeof without, id: string) => {
  const r = resolveModel(cfg, id)
  return r.route === null ? null : `${r.route.name}${r.fallback ? '?' : ''}`
}

describe('resolveModel', () => {
  it('a route, provider/model (the first segment is the provider), a route target’s model, a family', () => {
    expect(to(withDefault, 'fast')).toBe('fast')
    expect(to(withDefault, 'anthropic/claude-sonnet-4-5')).toBe('anthropic/claude-sonnet-4-5')
    expect(to(withDefault, 'local/meta-llama/Llama-3.1-8B')).toBe('local/meta-llama/Llama-3.1-8B')
    expect(to(withDefault, 'local/some/other-model')).toBe('local/some/other-model')
    expect(to(withDefault, 'meta-llama/Llama-3.1-8B')).toBe('local/meta-llama/Llama-3.1-8B') // a target's model, slashes and all
    expect(to(withDefault, 'gpt-4.1-nano')).toBe('openai/gpt-4.1-nano')
    expect(to(withDefault, 'claude-haiku-4-5')).toBe('anthropic/claude-haiku-4-5')
  })

  it('provider/model with a provider that does not exist: not found, default_route or not', () => {
    for (const cfg of [withDefault, without]) {
      expect(resolveModel(cfg, 'mistral/large')).toEqual({ route: null, unknownProvider: 'mistral' })
      expect(resolveModel(cfg, 'meta-llama/Llama-3.1-70B')).toEqual({ route: null, unknownProvider: 'meta-llama' })
      expect(resolveModel(cfg, 'gpt-4o/mini')).toEqual({ route: null, unknownProvider: 'gpt-4o' })
    }
  })

  it('a bare id that matches nothing: the default_route as a fallback, else not found', () => {
    expect(to(withDefault, 'fsat')).toBe('fast?')
    expect(resolveModel(without, 'fsat')).toEqual({ route: null, unknownProvider: null })
  })
})

describe('what a client is told', () => {
  it('names the known providers, or says a route was used as one', () => {
    expect(notFoundReason(without, resolveModel(without, 'mistral/large'))).toBe(
      '"mistral" is not a configured provider; the providers are: openai, anthropic, local',
    )
    expect(notFoundReason(without, resolveModel(without, 'fast/gpt-4.1-nano'))).toBe(
      '"fast" is not a configured provider ("fast" is a route: use it as the whole model); the providers are: openai, anthropic, local',
    )
    expect(notFoundReason(without, resolveModel(without, 'fsat'))).toBe(
      'it is not a route, a provider/model id, or a model Headroom knows',
    )
    expect(notFoundReason(withDefault, resolveModel(withDefault, 'fsat'))).toBe(
      'it matched no route or model (chat completions for it are served by default_route "fast")',
    )
    expect(fallbackWarning('fsat', 'balanced')).toBe(
      'model "fsat" matched no route or model; served by default_route "balanced"',
    )
  })
})
