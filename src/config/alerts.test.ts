import { describe, expect, it } from 'vitest'
import { compileConfig } from './compile.ts'
import { parseConfig } from './load.ts'

const BASE = `providers:
  openai: { type: openai }
routes:
  fast: { targets: [openai/gpt-4.1-mini] }
`
const compiled = (yaml: string) =>
  compileConfig(parseConfig(yaml, 'routes.yaml', {}), { simulatorUrl: 'http://127.0.0.1:9' })

describe('routes.yaml alerts', () => {
  it('none without the section; with it, headroom and budget at 80% and 90% and breakers by default', () => {
    expect(compiled(BASE).alerts).toBeNull()
    expect(compiled(`${BASE}alerts: {}\n`).alerts).toEqual({
      webhook: null,
      format: 'json',
      headroom: [0.8, 0.9],
      budget: [0.8, 0.9],
      breaker: true,
      errorRate: null,
      runwaySeconds: null,
    })
  })

  it('takes every field; the webhook URL counts as a secret (a Slack webhook URL is its credential)', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/XXXXXXXX'
    const cfg = compiled(`${BASE}alerts:
  webhook: ${url}
  format: slack
  headroom: [0.5]
  budget: []
  breaker: false
  error_rate: 0.2
  runway_seconds: 60
`)
    expect(cfg.alerts).toEqual({
      webhook: url,
      format: 'slack',
      headroom: [0.5],
      budget: [],
      breaker: false,
      errorRate: 0.2,
      runwaySeconds: 60,
    })
    expect(cfg.secrets).toContain(url)
  })

  it.each([
    ['webhook: ftp://example.com/hook', /alerts\.webhook.*http/],
    ['webhook: not a url', /alerts\.webhook/],
    ['headroom: [0.9, 0.8]', /alerts\.headroom.*ascending/],
    ['headroom: [0.8, 0.8]', /alerts\.headroom.*ascending/],
    ['budget: [0, 0.5]', /alerts\.budget\[0\]/],
    ['budget: [1.5]', /alerts\.budget\[0\].*at most 1/],
    ['format: teams', /alerts\.format/],
    ['error_rate: 0', /alerts\.error_rate/],
    ['runway_seconds: -5', /alerts\.runway_seconds/],
    ['email: ops@example.com', /alerts.*email/],
  ])('refuses %s, naming the field', (line, message) => {
    expect(() => compiled(`${BASE}alerts:\n  ${line}\n`)).toThrow(message)
  })
})
