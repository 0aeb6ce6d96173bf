import { describe, expect, it } from 'vitest'
import { loadConfigText } from './load.ts'
import { notSet, reloadRefusals } from './reload-guard.ts'

const ENV = {
  PROXY: 'http://proxy.internal/v1',
  OPENAI_API_KEY: 'sk-real-1',
  KEY_A: 'sk-a',
  KEY_B: 'sk-b',
  ADMIN: 'admin-secret-1',
  TEAM: 'team-secret-1',
}
const load = (text: string) => loadConfigText(text, 'routes.yaml', ENV)
const refusals = (before: string, after: string) => reloadRefusals(load(before), load(after))

const openai = (fields: string) => `providers:\n  openai: { type: openai, ${fields} }\n`

describe('reloadRefusals', () => {
  it('refuses a real provider turning simulated, whatever made it real: a variable, a literal key, several keys', () => {
    for (const before of ['api_key: ${OPENAI_API_KEY}', 'api_key: sk-literal-key', 'keys: ["${KEY_A}", "${KEY_B}"]']) {
      expect(refusals(openai(before), openai('api_key: ${OPENAI_KEY_TYPO}'))).toEqual([
        'providers.openai: OPENAI_KEY_TYPO is not set; a reload may not turn a real provider into a simulated one (set the variable, or write simulate: true to mean it)',
      ])
    }
    expect(refusals(openai('api_key: x'), openai('keys: ["${A1}", "${A2}", "${A3}"]'))[0]).toMatch(
      /^providers\.openai: A1, A2 and A3 are not set;/,
    )
    expect(refusals(openai('api_key: x'), openai('simulate: auto'))[0]).toMatch(/^providers\.openai: no key is set;/)
  })

  it('allows what the file means: simulate: true, a provider removed, a renamed variable that is set, a simulated provider staying simulated', () => {
    expect(
      refusals(openai('api_key: ${OPENAI_API_KEY}'), openai('api_key: ${OPENAI_KEY_TYPO}, simulate: true')),
    ).toEqual([])
    expect(
      refusals(openai('api_key: ${OPENAI_API_KEY}'), 'providers:\n  other: { type: openai, api_key: ${KEY_A} }\n'),
    ).toEqual([])
    expect(refusals(openai('api_key: ${OPENAI_API_KEY}'), openai('api_key: ${KEY_A}'))).toEqual([])
    expect(refusals(openai('api_key: ${NOT_SET_1}'), openai('api_key: ${NOT_SET_2}'))).toEqual([])
  })

  it('refuses losing one key of several to a newly unset variable, not one that was already unset', () => {
    expect(refusals(openai('keys: ["${KEY_A}", "${KEY_B}"]'), openai('keys: ["${KEY_A}", "${KEY_C}"]'))).toEqual([
      "providers.openai.keys[1]: KEY_C is not set; a reload may not drop one of a provider's keys (set the variable, or remove the entry to mean it)",
    ])
    expect(
      refusals(openai('keys: ["${KEY_A}", "${KEY_C}"]'), openai('keys: ["${KEY_A}", "${KEY_C}"], timeout_ms: 5000')),
    ).toEqual([])
    expect(refusals(openai('keys: ["${KEY_A}", "${KEY_B}"]'), openai('keys: ["${KEY_A}"]'))).toEqual([])
  })

  it("refuses a base_url emptied by a newly unset variable: the provider's calls would go to its public API", () => {
    expect(refusals(openai('api_key: x, base_url: ${PROXY}'), openai('api_key: x, base_url: ${PROXY_URL}'))).toEqual([
      "providers.openai.base_url: PROXY_URL is not set; a reload may not send a provider's calls to its default URL instead (set the variable, or remove base_url to mean it)",
    ])
    expect(refusals(openai('api_key: x, base_url: ${PROXY}'), openai('api_key: x'))).toEqual([])
    expect(
      refusals(
        openai('api_key: x, base_url: ${PROXY_URL}'),
        openai('api_key: x, base_url: ${PROXY_URL}, timeout_ms: 5000'),
      ),
    ).toEqual([])
  })

  it('does not count a variable with a default, even an empty one, as unset', () => {
    expect(refusals(openai('keys: ["${KEY_A}", "${KEY_B}"]'), openai('keys: ["${KEY_A}", "${KEY_C:-}"]'))).toEqual([])
  })

  it('refuses opening the router unless the file says auth: open; refuses losing the admin key to an unset variable', () => {
    const p = openai('api_key: x')
    const keys = 'keys:\n  - { name: team, key: "${TEAM}" }\n'
    expect(refusals(`${p}${keys}`, p)).toEqual([
      'no client keys and no admin key are declared: the router would be open to anyone; a reload may not remove authentication (set the variable, or write auth: open to mean it)',
    ])
    expect(refusals(`${p}admin_key: \${ADMIN}\n`, `${p}admin_key: \${ADMIN_2}\n`)[0]).toMatch(
      /^admin_key: ADMIN_2 is not set and no client keys are declared: the router would be open/,
    )
    expect(refusals(`${p}${keys}`, `${p}auth: open\n`)).toEqual([])
    expect(refusals(p, p)).toEqual([]) // open before, open after: nothing is removed
    expect(refusals(`${p}${keys}admin_key: \${ADMIN}\n`, `${p}${keys}admin_key: \${ADMIN_2}\n`)).toEqual([
      'admin_key: ADMIN_2 is not set; a reload may not drop the admin key (set the variable, or remove admin_key to mean it)',
    ])
    expect(refusals(`${p}${keys}admin_key: \${ADMIN}\n`, `${p}${keys}`)).toEqual([])
  })

  it('never puts a key in a reason', () => {
    const all = refusals(openai('keys: ["${KEY_A}", "${KEY_B}"]'), openai('keys: ["${KEY_A}", "${KEY_C}"]')).join()
    for (const secret of Object.values(ENV)) expect(all).not.toContain(secret)
  })
})

describe('notSet', () => {
  it('reads as English, each name once', () => {
    expect(notSet(['A'])).toBe('A is not set')
    expect(notSet(['A', 'B', 'A'])).toBe('A and B are not set')
  })
})
