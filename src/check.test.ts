import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { checkCommand } from './check.ts'

const dir = mkdtempSync(join(tmpdir(), 'headroom-check-'))

function configFile(name: string, routes: string): string {
  const file = join(dir, name)
  writeFileSync(
    file,
    `providers:\n  openai: { type: openai, api_key: sk-test-aaaaaaaa }\n  google: { type: gemini, api_key: AIzaTestKey12345678 }\nroutes:\n${routes}`,
  )
  return file
}

const PRICED = configFile('priced.yaml', '  r: { targets: [openai/gpt-4.1-mini, google/gemini-2.5-flash] }\n')
const UNPRICED = configFile(
  'unpriced.yaml',
  '  r: { targets: [openai/gpt-4.1-mini, openai/o1-mini, google/gemini-2.5-pro-preview] }\n',
)

async function check(argv: string[]): Promise<{ code: number; text: string }> {
  let text = ''
  const code = await checkCommand(argv, { env: {}, out: (t) => void (text += t) })
  return { code, text }
}

describe('headroom check', () => {
  it('marks each unpriced target and sums them up with what to add to routes.yaml', async () => {
    const { code, text } = await check([UNPRICED])
    expect(code).toBe(0)
    expect(text).toMatch(/openai#1\/o1-mini — UNPRICED/)
    expect(text).toMatch(/google#1\/gemini-2\.5-pro-preview — UNPRICED/)
    expect(text).toMatch(/openai#1\/gpt-4\.1-mini — \$0\.4\/\$1\.6 per 1M/)
    expect(text).toContain('2 unpriced targets: openai/o1-mini, google/gemini-2.5-pro-preview.')
    expect(text).toContain(
      'models: { openai/o1-mini: { input: …, output: … }, google/gemini-2.5-pro-preview: { input: …, output: … } }',
    )
    expect(text).toContain('--strict makes this an error')
  })

  it('--strict: exit code 1 when a target is unpriced, 0 when all are priced', async () => {
    expect((await check(['--strict', UNPRICED])).code).toBe(1)
    expect((await check([UNPRICED, '--strict'])).code).toBe(1)
    const ok = await check(['--strict', PRICED])
    expect(ok.code).toBe(0)
    expect(ok.text).not.toContain('unpriced')
  })

  it('the headroom CLI exits with that code', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'cli.ts'), 'check', ...args],
        { timeout: 60_000 },
      ).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      )
    const strict = await run(['--strict', UNPRICED])
    expect(strict.code).toBe(1)
    expect(strict.stdout).toContain('2 unpriced targets')
    expect((await run([UNPRICED])).code).toBe(0)
  }, 90_000)
})
