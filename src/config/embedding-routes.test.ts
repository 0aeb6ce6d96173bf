import { describe, expect, it } from 'vitest'
import { compileConfig } from './compile.ts'
import { ConfigError, parseConfig } from './load.ts'

const ENV = { OPENAI_API_KEY: 'sk-test', SECOND: 'sk-second', GEMINI_API_KEY: 'g-key' }

function compiled(routes: string, models = '') {
  const text = `providers:
  openai: { type: openai, api_key: \${OPENAI_API_KEY} }
  azure: { type: openai-compatible, base_url: "https://proxy.example/v1", api_key: \${SECOND} }
  google: { type: gemini, api_key: \${GEMINI_API_KEY} }
  local: { type: openai-compatible, base_url: "http://127.0.0.1:11434/v1", api_key: x }
${models}routes:
${routes}`
  return compileConfig(parseConfig(text, 'routes.yaml', ENV))
}

function errorOf(routes: string, models = ''): string {
  try {
    compiled(routes, models)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('routes of embedding models', () => {
  it('are embedding routes; one model on several providers and keys is one vector space', () => {
    const cfg = compiled('  vectors: { targets: [openai/text-embedding-3-small, azure/text-embedding-3-small] }\n')
    const route = cfg.routes.get('vectors')!
    expect(route.kind).toBe('embedding')
    expect(route.members.map((m) => m.target.id)).toEqual([
      'openai/text-embedding-3-small',
      'azure/text-embedding-3-small',
    ])
  })

  it('refuse two models, whose vectors cannot be compared, unless the route says interchangeable', () => {
    expect(errorOf('  vectors: { targets: [openai/text-embedding-3-small, google/gemini-embedding-001] }\n')).toBe(
      'routes: "vectors": targets "openai/text-embedding-3-small" and "google/gemini-embedding-001" are different ' +
        'embedding models, whose vectors cannot be compared; use one model (on any providers and keys), or set ' +
        'interchangeable: true if the clients of this route never compare vectors from different calls',
    )
    expect(errorOf('  vectors: { targets: [openai/text-embedding-3-small, openai/text-embedding-3-large] }\n')).toMatch(
      /different embedding models/,
    )
    const ok = compiled(
      '  vectors: { interchangeable: true, targets: [openai/text-embedding-3-small, google/gemini-embedding-001] }\n',
    )
    expect(ok.routes.get('vectors')!.kind).toBe('embedding')
  })

  it('refuse a chat model among them, and interchangeable on a chat route', () => {
    expect(
      errorOf('  v: { interchangeable: true, targets: [openai/text-embedding-3-small, openai/gpt-4.1-mini] }\n'),
    ).toMatch(/^routes: "v": target "openai\/gpt-4\.1-mini" is a chat model, in a route of embedding models/)
    expect(errorOf('  chat: { interchangeable: true, targets: [openai/gpt-4.1-mini] }\n')).toBe(
      'routes: "chat": interchangeable applies to routes of embedding models only',
    )
    expect(compiled('  chat: { targets: [openai/gpt-4.1-mini] }\n').routes.get('chat')!.kind).toBe('chat')
  })

  it('take a model routes.yaml declares an embedding model (output price 0 unless given)', () => {
    const models = 'models:\n  local/nomic-embed-text: { kind: embedding, input: 0.01 }\n'
    const cfg = compiled('  local-vectors: { targets: [local/nomic-embed-text] }\n', models)
    const route = cfg.routes.get('local-vectors')!
    expect(route.kind).toBe('embedding')
    expect(route.members[0]!.model).toMatchObject({ kind: 'embedding', price: { input: 0.01, output: 0 } })
    // Undeclared, the same model is not known as an embedding model.
    expect(errorOf('  v: { targets: [openai/text-embedding-3-small, local/nomic-embed-text] }\n')).toMatch(
      /"local\/nomic-embed-text" is not a model the catalog knows as an embedding model/,
    )
  })

  it('direct requests take their kind from the catalog, or none for a model it does not know', () => {
    const cfg = compiled('  chat: { targets: [openai/gpt-4.1-mini] }\n')
    expect(cfg.direct(cfg.providers.get('openai')!, 'text-embedding-3-small').kind).toBe('embedding')
    expect(cfg.direct(cfg.providers.get('openai')!, 'gpt-4.1-mini').kind).toBe('chat')
    expect(cfg.direct(cfg.providers.get('local')!, 'some-embedder').kind).toBeNull()
  })
})
