/**
 * The `headroom` CLI as users run it, in its own process: every command answers `--help` and `--version`
 * (exit 0, starting nothing), bare `headroom` prints help, and a usage error is one line that says what to
 * do, exit 2, no stack trace.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
const COMMANDS = ['start', 'check', 'spend', 'status', 'simulate'] as const

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** `headroom …` from the TypeScript source; killed (and the test failed) if it does not exit by itself. */
function headroom(args: string[], launcher: 'source' | 'bin' = 'source', readOutput = true): Promise<Run> {
  const entry =
    launcher === 'bin' ? [join(ROOT, 'bin', 'headroom.js')] : ['--import', 'tsx', join(ROOT, 'src', 'cli.ts')]
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...entry, ...args], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    if (readOutput) proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    else proc.stdout.destroy() // a reader that stops early, like `| head -1`
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    const t = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`headroom ${args.join(' ')} still running after 30 s: ${stdout}${stderr}`))
    }, 30_000)
    proc.once('exit', (code) => {
      clearTimeout(t)
      resolve({ code, stdout, stderr })
    })
  })
}

function expectUsageError(r: Run, line: RegExp): void {
  expect(r.code, r.stderr).toBe(2)
  expect(r.stdout).toBe('')
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines, r.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(line)
}

describe('headroom --help and --version', () => {
  it.each(COMMANDS)(
    'headroom %s --help: usage, every option with its default, an example; exit 0',
    async (cmd) => {
      const r = await headroom([cmd, '--help'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout).toMatch(new RegExp(`^Usage: headroom ${cmd} `))
      expect(r.stdout).toMatch(/\(default: /)
      expect(r.stdout).toMatch(new RegExp(`\\nExamples?:\\n\\s+(npx )?headroom ${cmd}`))
      const options: Record<(typeof COMMANDS)[number], string[]> = {
        start: ['--config', '--port', '--host'],
        check: ['--strict'],
        spend: ['--db', '--group-by', '--since', '--until', '--key', '--route', '--format'],
        status: ['--url', '--admin-key', '--watch'],
        simulate: ['--port', '--host', '--seed', '--config'],
      }
      for (const o of [...options[cmd], '--version', '--help']) expect(r.stdout).toContain(o)
    },
    60_000,
  )

  it.each(COMMANDS)(
    'headroom %s --version: the package version; exit 0',
    async (cmd) => {
      expect(await headroom([cmd, '--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' })
    },
    60_000,
  )

  it('headroom --version and -V, through the bin launcher too', async () => {
    const [source, short, bin] = await Promise.all([
      headroom(['--version']),
      headroom(['-V']),
      headroom(['--version'], 'bin'),
    ])
    for (const r of [source, short, bin]) expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' })
  }, 60_000)

  it('bare headroom, --help and help print the commands (and start nothing); help <command> its help', async () => {
    const [bare, help, word, spendHelp] = await Promise.all([
      headroom([]),
      headroom(['--help']),
      headroom(['help']),
      headroom(['help', 'spend']),
    ])
    for (const r of [bare, help, word]) {
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^Usage: headroom /)
      for (const cmd of COMMANDS) expect(r.stdout).toMatch(new RegExp(`\\n\\s+${cmd}\\b`))
    }
    expect(bare.stdout).toBe(help.stdout)
    expect(spendHelp.code).toBe(0)
    expect(spendHelp.stdout).toMatch(/^Usage: headroom spend /)
  }, 60_000)

  it('output into a pipe closed early (`| head -1`) ends quietly, exit 0', async () => {
    expect(await headroom(['--help'], 'source', false)).toEqual({ code: 0, stdout: '', stderr: '' })
  }, 60_000)
})

describe('usage errors: one line saying what to do, exit 2, no stack trace', () => {
  it.each(COMMANDS)(
    'headroom %s with an unknown option',
    async (cmd) => {
      expectUsageError(
        await headroom([cmd, '--bogus']),
        new RegExp(`^headroom: unknown option '--bogus'; see headroom ${cmd} --help$`),
      )
    },
    60_000,
  )

  it('an unknown command, a near miss, a missing value, an extra argument, a bad value', async () => {
    const [unknown, nearMiss, missing, extra, port, format] = await Promise.all([
      headroom(['serve']),
      headroom(['start', '--prot', '80']),
      headroom(['spend', '--since']),
      headroom(['check', 'a.yaml', 'b.yaml']),
      headroom(['simulate', '--port', 'x']),
      headroom(['spend', '--format', 'xml']),
    ])
    expectUsageError(unknown, /^headroom: unknown command 'serve'; see headroom --help$/)
    expectUsageError(
      nearMiss,
      /^headroom: unknown option '--prot' \(did you mean --port\?\); see headroom start --help$/,
    )
    expectUsageError(missing, /^headroom: option '--since <time>' needs a value; see headroom spend --help$/)
    expectUsageError(extra, /^headroom: too many arguments: check takes at most 1; see headroom check --help$/)
    expectUsageError(port, /^headroom: --port must be an integer in 0\.\.65535, got 'x'; see headroom simulate --help$/)
    expectUsageError(
      format,
      /^headroom: --format must be one of table, csv, json; got "xml"; see headroom spend --help$/,
    )
  }, 60_000)
})

describe('other user errors: one line, non-zero', () => {
  it('a config file or a spend database that is not there', async () => {
    const [config, db] = await Promise.all([
      headroom(['check', 'no-such-routes.yaml']),
      headroom(['spend', '--db', 'no-such.db']),
    ])
    expect(config.code).toBe(1)
    expect(config.stderr).toMatch(
      /^headroom: configuration error: no-such-routes\.yaml: cannot read: ENOENT.*\(name the file on the command line, or in HEADROOM_CONFIG\)\n$/,
    )
    expectUsageError(
      db,
      /^headroom: .*no-such\.db: no such database file.* \(set --db PATH or HEADROOM_DB\); see headroom spend --help$/,
    )
  }, 60_000)
})
