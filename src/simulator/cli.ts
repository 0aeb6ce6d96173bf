/**
 * `headroom simulate [--port N] [--host H] [--seed N] [--config file.json|yaml]`: runs the simulator as
 * its own process until SIGINT/SIGTERM. The config file holds SimulatorOptions (seed, validKeys,
 * defaults, models); command-line flags win over it. Control it over HTTP with /_sim/*.
 */
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { headroomCommand, runCommand, UsageError } from '../lib/cli-command.ts'
import { ModelConfigSchema } from './control.ts'
import { startSimulator } from './index.ts'
import type { SimulatorOptions } from './types.ts'

const ModelTable = z.record(z.string(), ModelConfigSchema)

const FileSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  seed: z.number().int().optional(),
  validKeys: z.array(z.string().min(1)).optional(),
  defaults: ModelConfigSchema.optional(),
  models: z
    .strictObject({ openai: ModelTable.optional(), anthropic: ModelTable.optional(), gemini: ModelTable.optional() })
    .optional(),
})

interface SimulateFlags {
  port?: string
  host?: string
  seed?: string
  config?: string
}

export function simulateCli(run: (opts: SimulatorOptions) => Promise<void> = serve): Command {
  return headroomCommand(
    'simulate',
    'Run the provider simulator on its own (OpenAI, Anthropic and Gemini wire formats) until SIGINT/SIGTERM.',
    ['npx headroom simulate --port 9100', 'npx headroom simulate --port 9100 --seed 7 --config sim.yaml'],
  )
    .option('--port <port>', "port to listen on, 0 for any free one (default: the config file's, else 0)")
    .option('--host <host>', "address to listen on (default: the config file's, else 127.0.0.1)")
    .option(
      '--seed <n>',
      "seed of the generated answers: the same seed, the same answers (default: the config file's, else 42)",
    )
    .option(
      '--config <file>',
      'a .json or .yaml file of SimulatorOptions: port, host, seed, validKeys, defaults, models (default: none)',
    )
    .action(async (flags: SimulateFlags) => run(await simulatorOptions(flags)))
}

/** The flags (and the config file they name) as SimulatorOptions, or a UsageError saying what is wrong. */
async function simulatorOptions(flags: SimulateFlags): Promise<SimulatorOptions> {
  let opts: SimulatorOptions = {}
  if (flags.config !== undefined) {
    const file = flags.config
    let raw: unknown
    try {
      const text = await readFile(file, 'utf8')
      raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text)
    } catch (err) {
      throw new UsageError(`cannot read --config ${file}: ${err instanceof Error ? err.message : String(err)}`)
    }
    const r = FileSchema.safeParse(raw ?? {})
    if (!r.success) throw new UsageError(`invalid --config ${file}: ${z.prettifyError(r.error).replace(/\n\s*/g, ' ')}`)
    opts = r.data as SimulatorOptions
  }
  const int = (name: 'port' | 'seed', lo: number, hi: number): number | undefined => {
    const v = flags[name]
    if (v === undefined) return undefined
    const n = /^-?\d+$/.test(v) ? Number(v) : Number.NaN
    if (!Number.isInteger(n) || n < lo || n > hi)
      throw new UsageError(`--${name} must be an integer in ${lo}..${hi}, got '${v}'`)
    return n
  }
  const port = int('port', 0, 65535)
  const seed = int('seed', -(2 ** 31), 2 ** 32 - 1)
  if (port !== undefined) opts.port = port
  if (seed !== undefined) opts.seed = seed
  if (flags.host !== undefined) opts.host = flags.host
  return opts
}

/** `headroom simulate …argv` parsed into SimulatorOptions, without starting anything. */
export async function parseSimulateArgs(argv: string[]): Promise<SimulatorOptions> {
  let parsed: SimulatorOptions = {}
  await runCommand(
    simulateCli(async (opts) => void (parsed = opts)),
    argv,
  )
  return parsed
}

/** `headroom simulate …argv`: starts the simulator and resolves once it has stopped after SIGINT/SIGTERM. */
export function simulateCommand(argv: string[]): Promise<void> {
  return runCommand(simulateCli(), argv)
}

async function serve(opts: SimulatorOptions): Promise<void> {
  const sim = await startSimulator(opts)
  process.stdout.write(
    `headroom simulator listening on ${sim.url} — base URLs: openai ${sim.url}/v1, anthropic ${sim.url}, gemini ${sim.url} (control: ${sim.url}/_sim/)\n`,
  )
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      sim.close().then(resolve, resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
