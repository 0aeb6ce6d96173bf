/**
 * Adding a provider is one descriptor and one registry entry: this file defines a throwaway provider
 * (`type: acme`) with a bespoke adapter built on the shared skeleton, registers it next to the built-in
 * ones, and shows that routes.yaml validation, its default base URL, its catalog rows, bare-model-id
 * resolution and the adapter all pick it up — with nothing else of Headroom edited.
 */
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../src/config/compile.ts'
import { parseConfig } from '../src/config/load.ts'
import { silentLogger } from '../src/lib/logger.ts'
import { defineProvider, type ProviderDescriptor } from '../src/providers/descriptor.ts'
import { endpoint } from '../src/providers/http.ts'
import { defineHttpAdapter } from '../src/providers/http-adapter.ts'
import { toChatCompletion } from '../src/providers/openai/convert-response.ts'
import { httpError, transportError } from '../src/providers/openai/errors.ts'
import { OpenAIStreamTransform } from '../src/providers/openai/stream-transform.ts'
import { BUILTIN_PROVIDERS, PROVIDERS, type ProviderRegistry, providerRegistry } from '../src/providers/registry.ts'
import { fromOpenAIUsage } from '../src/providers/shapes.ts'
import { resolveModel } from '../src/routing/resolve.ts'
import { startHeadroom } from '../src/start.ts'
import { rawPost, SIM_KEY, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()

/**
 * Acme speaks OpenAI's wire, plus a field of its own that every request must carry (`acme_region`). Its
 * API lives under the simulator's OpenAI-compatible server, which takes any model and field.
 */
function acmeProvider(baseUrl: string): ProviderDescriptor<'acme'> {
  return defineProvider({
    type: 'acme',
    api: 'openai',
    defaultBaseUrl: baseUrl,
    simulatorPath: '/compatible/acme/v1',
    family: /^acme-/,
    catalog: [
      {
        id: 'acme-1',
        family: 'acme',
        input: '1.00',
        output: '2.00',
        context: 8_192,
        maxOutput: 1_024,
        tools: true,
        vision: false,
        jsonSchema: false,
        reasoning: false,
      },
    ],
    modelProblem: (model) => (model.includes(':') ? 'an Acme model id has no ":"' : null),
    createAdapter: () =>
      defineHttpAdapter<null>({
        type: 'acme',
        prepare(target) {
          const url = endpoint(`${target.baseUrl}/chat/completions`)
          const headers = { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' }
          return { json: { url, headers }, sse: { url, headers } }
        },
        encode(req, target, stream) {
          const body = { ...req, model: target.model, stream, acme_region: 'eu' }
          return { body: JSON.stringify(body), warnings: [], state: null }
        },
        limits: () => null,
        requestIdHeader: 'x-request-id',
        httpError,
        failure: (err, { provider, phase, signal }) =>
          transportError(provider, err, phase === 'stream' ? 'stream' : 'request', signal),
        decode(text, target) {
          const completion = toChatCompletion(target.provider, text)
          const usage = fromOpenAIUsage(completion.usage)
          return { completion, usage, usageFinal: usage !== null, model: completion.model }
        },
        streamDecoder: (target) => new OpenAIStreamTransform(target.provider),
      }),
  })
}

function registryWithAcme(): { registry: ProviderRegistry; acme: ProviderDescriptor<'acme'> } {
  const acme = acmeProvider(`${sim.url}/compatible/acme/v1`)
  return { registry: providerRegistry([...PROVIDERS, acme]), acme }
}

const CONFIG = `providers:
  acme: { type: acme, api_key: ${SIM_KEY} }
routes:
  cheap: { targets: [acme/acme-1] }
`

describe('a provider added by its descriptor alone', () => {
  it('routes.yaml takes its type, and checks its model ids, only where it is registered', () => {
    const { registry } = registryWithAcme()
    expect(parseConfig(CONFIG, 'routes.yaml', {}, registry).providers['acme']?.type).toBe('acme')
    expect(() => parseConfig(CONFIG, 'routes.yaml', {})).toThrow(/providers\.acme\.type/)
    const bad = `${CONFIG}  odd: { targets: ["acme/acme:2"] }\n`
    expect(() => parseConfig(bad, 'routes.yaml', {}, registry)).toThrow(/an Acme model id has no ":"/)
  })

  it('gets its default base URL, its catalog rows, and the bare ids of its family', () => {
    const { registry, acme } = registryWithAcme()
    const cfg = compileConfig(parseConfig(CONFIG, 'routes.yaml', {}, registry), { providers: registry })
    expect(cfg.providers.get('acme')).toMatchObject({ baseUrl: acme.defaultBaseUrl, descriptor: acme })
    const priced = { id: 'acme-1', family: 'acme', price: { input: 1, output: 2 } }
    expect(cfg.routes.get('cheap')!.members[0]!.model).toMatchObject(priced)
    const bare = resolveModel(cfg, 'acme-2')
    expect(bare.route?.name).toBe('acme/acme-2')
    // The built-in providers know nothing of it.
    expect(BUILTIN_PROVIDERS.has('acme')).toBe(false)
  })

  it('is served by its own adapter, end to end, and priced from its own rows', async () => {
    const { registry } = registryWithAcme()
    const opts = { dbPath: ':memory:', configText: CONFIG, port: 0, env: {}, log: silentLogger, simulatorUrl: sim.url }
    const hr = track(await startHeadroom({ ...opts, providers: registry }))
    for (const stream of [false, true]) {
      const body = JSON.stringify({ model: 'acme-1', stream, messages: [{ role: 'user', content: 'reply: hello' }] })
      const r = await rawPost(`${hr.url}/v1/chat/completions`, body)
      expect(r.status).toBe(200)
      expect(r.headers.get('x-headroom-target')).toBe('acme/acme-1')
      expect(r.text).toContain('hello')
      expect(sim.log.at(-1)).toMatchObject({ path: '/compatible/acme/v1/chat/completions', model: 'acme-1', stream })
      expect(sim.log.at(-1)?.body).toMatchObject({ acme_region: 'eu' })
    }
    hr.spend.flush()
    const sql = 'SELECT provider, model_requested, price_entry, cost_microcents FROM spend'
    const rows = hr.db.sqlite.prepare(sql).all() as Array<Record<string, unknown>>
    expect(rows.map((r) => [r['provider'], r['model_requested'], r['price_entry']])).toEqual([
      ['acme', 'acme-1', 'acme-1'],
      ['acme', 'acme-1', 'acme-1'],
    ])
    expect(rows.every((r) => Number(r['cost_microcents']) > 0)).toBe(true)
  })

  it('a type the simulator cannot speak needs a key', () => {
    const solo = defineProvider({ ...acmeProvider('http://127.0.0.1:9/v1'), type: 'solo', simulatorPath: null })
    const registry = providerRegistry([...PROVIDERS, solo])
    const parse = (text: string) => parseConfig(text, 'routes.yaml', {}, registry)
    expect(() => parse('providers:\n  s: { type: solo }\n')).toThrow(
      /providers\.s\.api_key: the simulator does not speak type solo/,
    )
    expect(() => parse('providers:\n  s: { type: solo, api_key: k, simulate: true }\n')).toThrow(
      /providers\.s\.simulate/,
    )
    expect(parse('providers:\n  s: { type: solo, api_key: k }\n').providers['s']?.type).toBe('solo')
  })

  it('without a key, the simulator serves it at its simulator path', async () => {
    const { registry } = registryWithAcme()
    const configText = 'providers:\n  acme: { type: acme }\n'
    const opts = { dbPath: ':memory:', configText, port: 0, env: {}, log: silentLogger, providers: registry }
    const hr = track(await startHeadroom(opts))
    const simulated = { simulated: true, baseUrl: `${hr.simulator!.url}/compatible/acme/v1` }
    expect(hr.config.current().providers.get('acme')).toMatchObject(simulated)
    const body = JSON.stringify({ model: 'acme/acme-1', messages: [{ role: 'user', content: 'reply: hi' }] })
    expect((await rawPost(`${hr.url}/v1/chat/completions`, body)).status).toBe(200)
  })
})
