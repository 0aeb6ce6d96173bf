/**
 * The snippets of README and docs/ work as written: each TypeScript block and each shell command that talks
 * to Headroom runs, in its own process, against Headroom started from the shipped routes.yaml with no keys
 * (the simulator answering), as a new user would run them; each YAML block compiles as a configuration.
 * Only the address is changed (the test's port for 8080), and `npx headroom` runs bin/headroom.js.
 * SQL blocks are run by readme-queries.test.ts; plain blocks are output and synopses, not commands.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileConfig } from '../src/config/compile.ts'
import { parseConfig } from '../src/config/load.ts'
import { silentLogger } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { fences, ROOT } from './docs-pages.ts'

/** The kinds of block there are: a block of any other kind would be neither run nor compiled. */
const KNOWN = new Set(['ts', 'js', 'sh', 'yaml', 'sql', ''])
const blocks = (lang: string) => fences.filter((f) => f.lang === lang).map((f) => f.body)
const TALKS_TO_HEADROOM = /127\.0\.0\.1:8080|npx headroom spend/

const tsSnippets = [...blocks('ts'), ...blocks('js')].filter((b) => TALKS_TO_HEADROOM.test(b))
/** Shell commands, a `\`-continued line joined to the next. */
const shellCommands = blocks('sh')
  .filter((b) => TALKS_TO_HEADROOM.test(b))
  .flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n'))
  .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))

let hr: Running
const dir = mkdtempSync(join(tmpdir(), 'headroom-readme-'))
const db = join(dir, 'headroom.db')
// Snippets run as in a user's ES module project, importing the SDKs from the node_modules beside them.
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')

beforeAll(async () => {
  hr = await startHeadroom({
    configPath: join(ROOT, 'routes.yaml'),
    env: {},
    port: 0,
    dbPath: db,
    log: silentLogger,
    watch: false,
  })
})
afterAll(async () => {
  await hr?.close()
})

/** Provider keys and the SDKs' own settings left out, as on a machine that has none. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env))
    if (!/^(OPENAI|ANTHROPIC|GEMINI|GOOGLE|HEADROOM)_/.test(k)) env[k] = v
  return { ...env, HEADROOM_DB: db, NO_COLOR: '1' }
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { cwd: dir, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    proc.once('error', reject)
    const t = setTimeout(() => proc.kill('SIGKILL'), 60_000)
    proc.once('exit', (code) => {
      clearTimeout(t)
      resolve({ code, stdout, stderr })
    })
  })
}

const here = (text: string) => text.replaceAll('http://127.0.0.1:8080', hr.url)

/** Answers Headroom gave: rows of the spend table that ended in an answer. */
function answered(): number {
  hr.spend.flush()
  return (hr.db.sqlite.prepare("SELECT COUNT(*) AS n FROM spend WHERE outcome = 'ok'").get() as { n: number }).n
}

describe('README and docs/ snippets', () => {
  it('finds them: the openai SDK, LangChain, the Vercel AI SDK, the Anthropic SDK; curl and headroom spend; the YAML', () => {
    const sdk = /from '(openai|@langchain\/openai|@ai-sdk\/openai-compatible|@ai-sdk\/openai|@anthropic-ai\/sdk)'/
    expect(tsSnippets.map((s) => sdk.exec(s)?.[1])).toEqual([
      'openai',
      '@langchain/openai',
      '@ai-sdk/openai-compatible',
      '@anthropic-ai/sdk',
      'openai',
      '@ai-sdk/openai',
    ])
    expect(shellCommands.filter((c) => c.startsWith('curl ')).length).toBeGreaterThanOrEqual(2)
    expect(shellCommands.filter((c) => c.startsWith('npx headroom spend')).length).toBeGreaterThanOrEqual(2)
    expect(blocks('yaml').length).toBeGreaterThanOrEqual(6)
  })

  it('knows every kind of block there is (a `bash` or `typescript` block would go unchecked)', () => {
    expect(fences.filter((f) => !KNOWN.has(f.lang)).map((f) => `${f.page}: \`\`\`${f.lang}`)).toEqual([])
  })

  it.each(tsSnippets.map((s, i) => [i + 1, s] as const))(
    'TypeScript snippet %i runs and gets an answer from Headroom',
    async (i, snippet) => {
      const file = join(dir, `snippet-${i}.ts`)
      writeFileSync(file, here(snippet))
      const before = answered()
      const r = await run(process.execPath, ['--import', 'tsx', file])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout.trim()).not.toBe('') // each prints the answer
      expect(answered()).toBe(before + 1)
    },
    90_000,
  )

  // After the TypeScript snippets, so that the spend reports have rows to show.
  it.each(shellCommands.map((c, i) => [i + 1, c] as const))(
    'shell command %i runs: %s',
    async (_i, command) => {
      const cmd = here(command).replace(
        /^npx headroom /,
        `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin', 'headroom.js'))} `,
      )
      hr.spend.flush()
      const r = await run('sh', ['-c', cmd])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).not.toMatch(/"error"|no spend recorded/)
      expect(r.stdout.trim()).not.toBe('')
    },
    90_000,
  )

  const yamls = fences.filter((f) => f.lang === 'yaml')
  it.each(yamls.map((y, i) => [i + 1, y.page, y.body] as const))(
    'YAML block %i (%s) compiles as routes.yaml (with the shipped providers when it names none)',
    (_i, page, yaml) => {
      const shipped = readFileSync(join(ROOT, 'routes.yaml'), 'utf8')
      const text = /^providers:/m.test(yaml) ? yaml : `${shipped.slice(0, shipped.search(/^routes:/m))}${yaml}`
      const env = {
        OPENAI_KEY_A: 'sk-readme-a-123456',
        OPENAI_KEY_B: 'sk-readme-b-123456',
        ANTHROPIC_API_KEY: 'sk-ant-readme-123456',
        GEMINI_API_KEY: 'AIzaReadme123456',
        TEAM_A_KEY: 'team-a-secret-123',
        HEADROOM_ADMIN_KEY: 'admin-secret-123',
      }
      expect(() => compileConfig(parseConfig(text, page, env), { simulatorUrl: 'http://simulator' })).not.toThrow()
    },
  )
})
