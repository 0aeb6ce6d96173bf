import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { resolveModel } from '../routing/resolve.ts'
import { compileConfig, DIRECT_ROUTE_LIMIT } from './compile.ts'
import { ConfigError, interpolateEnv, loadConfigText, parseConfig } from './load.ts'
import type { CompiledRoute } from './types.ts'

const BASE = `providers:
  openai:
    type: openai
    api_key: \${OPENAI_API_KEY}
  anthropic: { type: anthropic, api_key: \${ANTHROPIC_API_KEY} }
routes:
  fast:
    targets: [openai/gpt-4.1-nano, anthropic/claude-haiku-4-5]
default_route: fast
`

function errorOf(text: string, env: Record<string, string> = {}): string {
  try {
    parseConfig(text, 'routes.yaml', env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('interpolateEnv', () => {
  it('inserts plain values verbatim, quotes values YAML would misread, escapes inside quotes', () => {
    const env = { A: 'sk-abc_123', B: 'has: colon # hash', C: 'say "hi"' }
    expect(interpolateEnv('k: ${A}', env)).toBe('k: sk-abc_123')
    expect(interpolateEnv('k: ${B}', env)).toBe('k: "has: colon # hash"')
    expect(interpolateEnv('k: "${C}"', env)).toBe('k: "say \\"hi\\""')
    expect(interpolateEnv('k: ${MISSING:-fallback}', env)).toBe('k: fallback')
    expect(interpolateEnv('k: ${MISSING}', env)).toBe('k: ')
  })
})

describe('loadConfigText', () => {
  it('names the unset variables without a default and their fields, block and flow style, never the values', () => {
    const text = `providers:
  openai:
    type: openai
    keys: ["\${KEY_A}", "\${KEY_B}", \${KEY_C:-}]
  anthropic: { type: anthropic, api_key: \${ANTHROPIC_KEY_B} }
  google: { type: gemini, api_key: "\${GEMINI_KEY:-fallback-key}" }
admin_key: \${ADMIN}
`
    const { config, unsetVars } = loadConfigText(text, 'routes.yaml', { KEY_A: 'sk-secret-a', ADMIN: '' })
    expect(config.providers['openai']!.keys).toEqual(['sk-secret-a', '']) // YAML drops an empty last flow entry
    expect(unsetVars).toEqual([
      { name: 'KEY_B', path: ['providers', 'openai', 'keys', 1] },
      { name: 'ANTHROPIC_KEY_B', path: ['providers', 'anthropic', 'api_key'] },
      { name: 'ADMIN', path: ['admin_key'] },
    ])
    expect(JSON.stringify(unsetVars)).not.toContain('sk-secret-a')
    expect(
      loadConfigText(text, 'routes.yaml', {
        KEY_A: 'a',
        KEY_B: 'b',
        KEY_C: 'c',
        ANTHROPIC_KEY_B: 'd',
        ADMIN: 'admin-key-1',
      }).unsetVars,
    ).toEqual([])
  })
})

describe('parseConfig', () => {
  it('accepts the documented shape, flow mappings with ${VAR} included', () => {
    const cfg = parseConfig(BASE, 'routes.yaml', { OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-ant-x' })
    expect(cfg.providers['anthropic']!.api_key).toBe('sk-ant-x')
    expect(cfg.routes['fast']!.strategy).toBe('ordered')
  })

  it('names the line and field of a wrong type', () => {
    const msg = errorOf(BASE.replace('type: openai\n', 'type: 5\n'))
    expect(msg).toMatch(/^routes\.yaml:3: providers\.openai\.type: /)
  })

  it('keeps provider header names lower-cased, and refuses names or values HTTP cannot carry', () => {
    const cfg = parseConfig(
      BASE.replace('type: openai\n', 'type: openai\n    headers: { OpenAI-Organization: org-1 }\n'),
      'routes.yaml',
      {},
    )
    expect(cfg.providers['openai']!.headers).toEqual({ 'openai-organization': 'org-1' })
    expect(errorOf(BASE.replace('type: openai\n', 'type: openai\n    headers: { "bad name": x }\n'))).toMatch(
      /^routes\.yaml:4: providers\.openai\.headers\.bad name: /,
    )
    expect(
      errorOf(BASE.replace('type: openai\n', 'type: openai\n    headers: { x-a: "one\\r\\nInjected: two" }\n')),
    ).toMatch(/^routes\.yaml:4: providers\.openai\.headers\.x-a: a header value may not contain line breaks/)
  })

  it('names an unknown field', () => {
    expect(errorOf(BASE.replace('default_route: fast', 'default_rout: fast'))).toMatch(
      /routes\.yaml:\d+: \(top level\): unknown field\(s\) "default_rout"/,
    )
  })

  it('names a route target whose provider does not exist, at its line', () => {
    expect(errorOf(BASE.replace('anthropic/claude-haiku-4-5', 'mistral/large'))).toMatch(
      /^routes\.yaml:8: routes\.fast\.targets\[1\]: unknown provider "mistral"/,
    )
  })

  it('names a key’s allowed route that could never match: no such route, or no such provider', () => {
    const keyed = (routes: string) => `${BASE}keys:\n  - { name: team, key: team-secret-123, routes: ${routes} }\n`
    expect(errorOf(keyed('[fast, fsat]'))).toMatch(
      /^routes\.yaml:11: keys\[0\]\.routes\[1\]: "fsat": no route named "fsat" \(routes: fast; a model is allowed as "provider\/model"\)/,
    )
    expect(errorOf(keyed('["mistral/*"]'))).toMatch(
      /keys\[0\]\.routes\[0\]: "mistral\/\*": no provider named "mistral" \(providers: openai, anthropic\)/,
    )
    expect(errorOf(keyed('["gpt-4.1-mini"]'))).toMatch(/no route named "gpt-4\.1-mini"/)
    expect(() =>
      parseConfig(keyed('["*", "fa*", fast, "openai/*", anthropic/claude-haiku-4-5]'), 'routes.yaml', {}),
    ).not.toThrow()
  })

  it('holds route names, providers, targets and models: keys to the model id grammar, naming line and field', () => {
    expect(errorOf(BASE.replace('  fast:\n', '  "team/fast":\n').replace('default_route: fast', ''))).toMatch(
      /^routes\.yaml:7: routes\.team\/fast: invalid name "team\/fast": route names use letters, digits/,
    )
    expect(errorOf(BASE.replace('  fast:\n', '  ..:\n').replace('default_route: fast', ''))).toMatch(
      /^routes\.yaml:7: routes\...: invalid name "..": route names .* not starting with "\."/,
    )
    expect(errorOf(BASE.replace('  anthropic:', '  "my provider":'))).toMatch(
      /^routes\.yaml:5: providers\.my provider: invalid name "my provider": provider names use/,
    )
    expect(errorOf(BASE.replace('anthropic/claude-haiku-4-5', 'anthropic/../claude'))).toMatch(
      /^routes\.yaml:8: routes\.fast\.targets\[1\]: expected "provider\/model": at most 256 characters/,
    )
    expect(errorOf(BASE.replace('anthropic/claude-haiku-4-5', '{ target: "anthropic/x?y", weight: 2 }'))).toMatch(
      /^routes\.yaml:8: routes\.fast\.targets\[1\]\.target: expected "provider\/model"/,
    )
    expect(errorOf(`${BASE}models:\n  "openai/x#y": { input: 1, output: 1 }\n`)).toMatch(
      /^routes\.yaml:11: models\.openai\/x#y: invalid name "openai\/x#y": a model id/,
    )
    const gemini = BASE.replace('  anthropic:', '  google: { type: gemini }\n  anthropic:')
    expect(errorOf(gemini.replace('anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash:countTokens'))).toMatch(
      /^routes\.yaml:9: routes\.fast\.targets\[1\]: a Gemini model id may not contain ":"/,
    )
    expect(errorOf(gemini.replace('anthropic/claude-haiku-4-5', 'google/cachedContents/x'))).toMatch(
      /^routes\.yaml:9: routes\.fast\.targets\[1\]: a Gemini model id is one path segment/,
    )
    expect(() =>
      parseConfig(gemini.replace('anthropic/claude-haiku-4-5', 'google/tunedModels/my-model-1'), 'routes.yaml', {}),
    ).not.toThrow()
    // Several segments after the provider stay legal (OpenAI-compatible servers' ids).
    expect(() =>
      parseConfig(BASE.replace('anthropic/claude-haiku-4-5', 'anthropic/org/model:v1'), 'routes.yaml', {}),
    ).not.toThrow()
  })

  it('loads the shipped routes.yaml', async () => {
    const text = await readFile(new URL('../../routes.yaml', import.meta.url), 'utf8')
    expect(Object.keys(parseConfig(text, 'routes.yaml', {}).routes)).toEqual(['fast', 'smart', 'balanced', 'auto'])
  })

  it('reports YAML syntax errors with line and column', () => {
    expect(errorOf('providers:\n  openai: [\n')).toMatch(/^routes\.yaml:\d+:\d+: invalid YAML/)
  })

  it('requires base_url for openai-compatible providers', () => {
    expect(errorOf('providers:\n  vllm:\n    type: openai-compatible\n')).toMatch(/providers\.vllm\.base_url: required/)
  })
})

describe('resolveModel', () => {
  const cfg = compileConfig(parseConfig(BASE, 'routes.yaml', { OPENAI_API_KEY: 'sk-test' }), {
    simulatorUrl: 'http://127.0.0.1:9',
  })

  it('resolves a route, a provider/model pair, a bare model id, and falls back to the default route', () => {
    expect(resolveModel(cfg, 'fast').route!.members.map((m) => m.target.id)).toEqual([
      'openai/gpt-4.1-nano',
      'anthropic/claude-haiku-4-5',
    ])
    expect(resolveModel(cfg, 'anthropic/claude-sonnet-4-5').route!.members[0]!.target.model).toBe('claude-sonnet-4-5')
    expect(resolveModel(cfg, 'claude-opus-4-1').route!.members[0]!.target.id).toBe('anthropic/claude-opus-4-1')
    expect(resolveModel(cfg, 'something-else')).toMatchObject({ route: { name: 'fast' }, fallback: true })
  })

  it('serves providers without a key from the simulator, others from their real URL', () => {
    const t = resolveModel(cfg, 'fast').route!.members.map((m) => m.target)
    expect(t[0]!.baseUrl).toBe('https://api.openai.com/v1')
    expect(t[1]!.baseUrl).toBe('http://127.0.0.1:9')
    expect(t[1]!.keyAlias).toBe('anthropic#1')
  })
})

describe('embedding models in routes', () => {
  const env = { OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-ant-x' }
  const compiled = (targets: string) =>
    compileConfig(parseConfig(BASE.replace('[openai/gpt-4.1-nano, ', `[${targets}, `), 'routes.yaml', env))

  it('refuses one beside chat models, naming the route and the target', () => {
    let err: unknown
    try {
      compiled('openai/gpt-4.1-nano, openai/text-embedding-3-small')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(
      'routes: "fast": target "openai/gpt-4.1-nano" is a chat model, in a route of embedding models; a route ' +
        'serves chat or embeddings, not both (declare a custom embedding model under models: with kind: embedding)',
    )
  })

  it('takes chat models as before', () => {
    expect(
      compiled('openai/gpt-4.1-nano')
        .routes.get('fast')!
        .members.map((m) => m.model?.kind),
    ).toEqual(['chat', 'chat'])
  })
})

describe('compiled timeouts', () => {
  const compiled = (text: string) =>
    compileConfig(parseConfig(text, 'routes.yaml', { OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-ant-x' }))

  it('first_byte_timeout_ms: 30 s by default (90 s for reasoning models), for streams and JSON alike; a route overrides its providers', () => {
    const plain = compiled(BASE)
    expect(plain.routes.get('fast')!.members.map((m) => m.firstByteTimeoutMs)).toEqual([30_000, 30_000])
    expect(plain.direct(plain.providers.get('openai')!, 'o3').members[0]!.firstByteTimeoutMs).toBe(90_000)
    const set = compiled(BASE.replace('    type: openai\n', '    type: openai\n    first_byte_timeout_ms: 5000\n'))
    expect(set.routes.get('fast')!.members.map((m) => m.firstByteTimeoutMs)).toEqual([5000, 30_000])
    expect(set.direct(set.providers.get('openai')!, 'gpt-4.1').members[0]!.firstByteTimeoutMs).toBe(5000)
    expect(set.direct(set.providers.get('openai')!, 'o3').members[0]!.firstByteTimeoutMs).toBe(5000)
    const route = compiled(
      BASE.replace('  fast:\n', '  fast:\n    first_byte_timeout_ms: 90000\n').replace(
        '    type: openai\n',
        '    type: openai\n    first_byte_timeout_ms: 5000\n',
      ),
    )
    expect(route.routes.get('fast')!.members.map((m) => m.firstByteTimeoutMs)).toEqual([90_000, 90_000])
  })

  it('server.stream_idle_timeout_ms: 30 s by default, with or without a server section', () => {
    expect(compiled(BASE).streamIdleTimeoutMs).toBe(30_000)
    expect(compiled(`${BASE}server: { max_body_bytes: 1000 }\n`).streamIdleTimeoutMs).toBe(30_000)
    expect(compiled(`${BASE}server: { stream_idle_timeout_ms: 500 }\n`)).toMatchObject({
      streamIdleTimeoutMs: 500,
      maxBodyBytes: 10 * 1024 * 1024,
    })
  })

  it('server.responses: kept an hour, 64 MiB, 10,000 responses, 1 MiB shared by default; retention_s 0 keeps none', () => {
    expect(compiled(BASE).responses).toEqual({
      retentionMs: 3_600_000,
      maxBytes: 64 * 1024 * 1024,
      maxResponses: 10_000,
      sharedMaxBytes: 1024 * 1024,
    })
    expect(compiled(`${BASE}server: { responses: { retention_s: 0 } }\n`).responses.retentionMs).toBe(0)
    expect(() => compiled(`${BASE}server: { responses: { max_bytes: 0 } }\n`)).toThrow(/max_bytes/)
    expect(compiled(`${BASE}server: { responses: { shared_max_bytes: 0 } }\n`).responses.sharedMaxBytes).toBe(0)
    expect(() => compiled(`${BASE}server: { responses: { shared_max_bytes: -1 } }\n`)).toThrow(/shared_max_bytes/)
  })

  it("max_cooldown_ms: 60 s by default, handed to the targets' limits", () => {
    expect(compiled(BASE).providers.get('openai')!.stateConfig.limits).toMatchObject({ maxCooldownMs: 60_000 })
    expect(
      compiled(BASE.replace('    type: openai\n', '    type: openai\n    max_cooldown_ms: 5000\n')).providers.get(
        'openai',
      )!.stateConfig.limits,
    ).toMatchObject({ maxCooldownMs: 5000 })
  })
})

describe('direct routes (provider/model from clients)', () => {
  it('are cached least recently used out: a popular one stays compiled through 5,000 one-off ids, and at most DIRECT_ROUTE_LIMIT are kept', () => {
    const cfg = compileConfig(parseConfig(BASE, 'routes.yaml', { OPENAI_API_KEY: 'sk-test' }), {
      simulatorUrl: 'http://127.0.0.1:9',
    })
    const openai = cfg.providers.get('openai')!
    const hot = cfg.direct(openai, 'gpt-4o')
    const first: CompiledRoute[] = []
    for (let i = 0; i < 5_000; i++) {
      first.push(cfg.direct(openai, `gpt-4o-u${i}`))
      expect(cfg.direct(openai, 'gpt-4o')).toBe(hot)
    }
    // Newest first (a miss would evict): the last DIRECT_ROUTE_LIMIT - 1 one-off ids and the hot one are kept.
    let kept = 0
    while (
      kept < first.length &&
      cfg.direct(openai, `gpt-4o-u${first.length - 1 - kept}`) === first[first.length - 1 - kept]
    )
      kept++
    expect(kept).toBe(DIRECT_ROUTE_LIMIT - 1)
    // An id first asked for after the flood is cached too (a full cache does not mean compiling per request).
    const late = cfg.direct(openai, 'gpt-4.1')
    expect(cfg.direct(openai, 'gpt-4.1')).toBe(late)
  })
})
