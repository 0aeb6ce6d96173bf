import { describe, expect, it } from 'vitest'
import { compileConfig } from '../config/compile.ts'
import { parseConfig } from '../config/load.ts'
import type { RouteMember } from '../config/types.ts'
import type { ChatRequest } from '../providers/openai-schema.ts'
import { describeSkip, noTargetError } from './decision.ts'
import { buildEmbeddingProfile } from './embedding-profile.ts'
import { needOf, plan } from './plan.ts'
import { buildProfile } from './profile.ts'
import { TargetStates } from './target-states.ts'

const NOW = 1_700_000_000_000

const CONFIG = `providers:
  openai: { type: openai, api_key: sk-test-123456 }
  anthropic: { type: anthropic, api_key: sk-ant-test-123456 }
  small: { type: anthropic, api_key: sk-ant-test-123456, default_max_tokens: 1024 }
  big: { type: anthropic, api_key: sk-ant-test-123456, default_max_tokens: 16000 }
  local: { type: openai-compatible, base_url: "http://127.0.0.1:9/v1", api_key: x, limits: { tpm: 30000 } }
models:
  local/declared: { input: 0.5, output: 1.5, context: 128000 }
  local/capped: { input: 0.5, output: 1.5, max_output: 2048 }
routes:
  all:
    targets: [local/declared, local/capped, local/ft:gpt-4o-mini:org::abc, openai/gpt-5, anthropic/claude-sonnet-4-5, small/claude-sonnet-4-5, big/claude-3-haiku-20240307]
`

const cfg = compileConfig(parseConfig(CONFIG, 'routes.yaml', {}))
const route = cfg.routes.get('all')!
const member = (id: string): RouteMember => route.members.find((m) => m.target.id === id)!
const profile = (over: Partial<ChatRequest> = {}) =>
  buildProfile(
    { model: 'all', messages: [{ role: 'user', content: 'Hello there' }], ...over },
    { defaultExpectedOutput: 256 },
  )
const output = (id: string, over: Partial<ChatRequest> = {}) => needOf(profile(over), member(id)).outputTokens

describe('needOf: the output a request reserves', () => {
  it('without a max from the client: the provider’s default_max_tokens (4096 unless set), never the model’s whole max output', () => {
    expect(output('local/declared')).toBe(4096) // declared without max_output: unknown, not +∞
    expect(output('local/ft:gpt-4o-mini:org::abc')).toBe(4096) // not in the catalog at all
    expect(output('openai/gpt-5')).toBe(4096) // may write 128k
    expect(output('anthropic/claude-sonnet-4-5')).toBe(4096) // may write 64k
    expect(output('small/claude-sonnet-4-5')).toBe(1024)
  })

  it('the default is capped by the model’s max output, and so is what Anthropic is sent', () => {
    expect(output('local/capped')).toBe(2048)
    expect(output('big/claude-3-haiku-20240307')).toBe(4096) // Claude 3 Haiku writes at most 4096
    expect(member('big/claude-3-haiku-20240307').target.defaultMaxTokens).toBe(4096)
    expect(member('small/claude-sonnet-4-5').target.defaultMaxTokens).toBe(1024)
  })

  it('the client’s max_completion_tokens / max_tokens, capped by the model’s max output when known', () => {
    expect(output('local/declared', { max_tokens: 50_000 })).toBe(50_000)
    expect(output('openai/gpt-5', { max_completion_tokens: 300, max_tokens: 9000 })).toBe(300)
    expect(output('local/capped', { max_tokens: 50_000 })).toBe(2048)
  })

  it('is always finite: prompt + output', () => {
    for (const m of route.members) {
      const n = needOf(profile(), m)
      expect(Number.isFinite(n.tokens), m.target.id).toBe(true)
      expect(n.tokens).toBe(n.inputTokens + n.outputTokens)
    }
  })
})

describe('plan: a request larger than a limit', () => {
  it('is skipped as too large, said so, and answered 400 at once when no target is left', () => {
    const states = new TargetStates()
    const one = { ...route, members: [member('local/declared')] }
    const p = plan(one, profile({ max_tokens: 50_000 }), states, NOW, () => 0.5, NOW)
    expect(p.ranked).toEqual([])
    const [s] = p.skipped
    expect(s!.reason).toMatchObject({ kind: 'too_large', dimension: 'tokens', limit: 30_000 })
    expect(describeSkip(s!.reason, NOW)).toMatch(/^needs ~500\d\d tokens, more than its limit of 30000 per minute$/)
    const err = noTargetError('r', p.skipped, NOW)
    expect([err.status, err.code, err.retryAfterMs]).toEqual([400, 'no_capable_target', null])
    // One that fits is planned as usual.
    expect(plan(one, profile({ max_tokens: 20_000 }), states, NOW, () => 0.5, NOW).ranked).toHaveLength(1)
  })
})

describe('plan: a chat request naming an embedding model', () => {
  it('skips it as unable to serve chat, and answers 400 naming the target', () => {
    const direct = cfg.direct(cfg.providers.get('openai')!, 'text-embedding-3-small')
    const p = plan(direct, profile(), new TargetStates(), NOW, () => 0.5, NOW)
    expect(p.ranked).toEqual([])
    expect(p.skipped.map((s) => s.reason)).toEqual([{ kind: 'embedding_model' }])
    const err = noTargetError(direct.name, p.skipped, NOW)
    expect([err.status, err.code]).toEqual([400, 'no_capable_target'])
    expect(err.message).toBe(
      'No target of route "openai/text-embedding-3-small" can serve this request: ' +
        'openai#1/text-embedding-3-small: an embedding model, which serves no chat requests.',
    )
    // A chat model of the same provider is planned as usual.
    const chat = cfg.direct(cfg.providers.get('openai')!, 'gpt-4.1-mini')
    expect(plan(chat, profile(), new TargetStates(), NOW, () => 0.5, NOW).ranked).toHaveLength(1)
  })
})

describe('plan: an embeddings request', () => {
  const embeddings = buildEmbeddingProfile({ model: 'm', input: ['some words', 'more words here'] }, {})

  it('reserves its input alone, and skips chat models', () => {
    const vectors = cfg.direct(cfg.providers.get('openai')!, 'text-embedding-3-small')
    const p = plan(vectors, embeddings, new TargetStates(), NOW, () => 0.5, NOW)
    expect(p.ranked).toHaveLength(1)
    expect(p.ranked[0]!.need).toEqual({
      tokens: embeddings.promptTokens,
      inputTokens: embeddings.promptTokens,
      outputTokens: 0,
    })
    const chat = cfg.direct(cfg.providers.get('openai')!, 'gpt-4.1-mini')
    const skipped = plan(chat, embeddings, new TargetStates(), NOW, () => 0.5, NOW).skipped
    expect(skipped.map((s) => describeSkip(s.reason, NOW))).toEqual([
      'a chat model, which serves no embeddings requests',
    ])
  })

  it("checks each input against the model's context, not their sum", () => {
    const profile = buildEmbeddingProfile({ model: 'm', input: [[...Array(8000).keys()], [...Array(8000).keys()]] }, {})
    expect([profile.promptTokens, profile.contextTokens]).toEqual([16_000, 8000])
    const vectors = cfg.direct(cfg.providers.get('openai')!, 'text-embedding-3-small')
    expect(plan(vectors, profile, new TargetStates(), NOW, () => 0.5, NOW).ranked).toHaveLength(1)
  })
})
