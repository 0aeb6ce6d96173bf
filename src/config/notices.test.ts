import { describe, expect, it } from 'vitest'
import { compileConfig } from './compile.ts'
import { loadConfigText } from './load.ts'
import { configNotices } from './notices.ts'

const ENV = { KEY_A: 'sk-secret-a', ADMIN: 'admin-secret-1' }
function notices(text: string): string[] {
  const loaded = loadConfigText(text, 'routes.yaml', ENV)
  return configNotices(
    { ...loaded, compiled: compileConfig(loaded.config, { simulatorUrl: 'http://127.0.0.1:9' }) },
    'http://127.0.0.1:9',
  )
}

describe('configNotices', () => {
  it('names what each simulated provider lacks, the keys skipped, a base_url gone to its default, an open router', () => {
    const all = notices(`providers:
  a: { type: anthropic, api_key: \${ANTHROPIC_NOT_SET} }
  b: { type: gemini, api_key: x, simulate: true }
  openai: { type: openai, keys: ["\${KEY_A}", "\${KEY_B}"], base_url: \${PROXY_URL} }
`).join('')
    expect(all).toContain('    - a (anthropic): set ANTHROPIC_NOT_SET to use the real API\n')
    expect(all).toContain('    - b (gemini): simulate: true\n')
    expect(all).toContain(
      'headroom: providers.openai.keys[1]: KEY_B is not set; that key is skipped (provider openai has 1 key)\n',
    )
    expect(all).toContain(
      'headroom: providers.openai.base_url: PROXY_URL is not set; calls go to https://api.openai.com/v1\n',
    )
    expect(all).toContain('headroom: OPEN')
    expect(all).not.toContain('sk-secret-a')
  })

  it('says nothing when every provider is real, every key set, and the router closed', () => {
    expect(notices('providers:\n  openai: { type: openai, api_key: ${KEY_A} }\nadmin_key: ${ADMIN}\n')).toEqual([])
  })
})
