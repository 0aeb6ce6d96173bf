/**
 * `headroom simulate [--port N] [--host H] [--seed N] [--config file.json|yaml]`: runs the simulator as
 * its own process until SIGINT/SIGTERM. The config file holds SimulatorOptions (seed, validKeys,
 * defaults, models); command-line flags win over it. Control it over HTTP with /_sim/*.
 */
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
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
  models: z.strictObject({ openai: ModelTable.optional(), anthropic: ModelTable.optional(), gemini: ModelTable.optional() }).optional(),
})

const USAGE = 'usage: headroom simulate [--port N] [--host H] [--seed N] [--config file.json|yaml]'

export class SimulateUsageError extends Error {
  override readonly name = 'SimulateUsageError'
}

/** Parses the flags (and reads the config file); throws SimulateUsageError with a precise message. */
export async function parseSimulateArgs(argv: string[]): Promise<SimulatorOptions> {
  const flags: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    const eq = a.indexOf('=')
    const name = a.startsWith('--') ? (eq === -1 ? a.slice(2) : a.slice(2, eq)) : ''
    if (!['port', 'host', 'seed', 'config'].includes(name)) throw new SimulateUsageError(`unknown argument '${a}'\n${USAGE}`)
    const value = eq === -1 ? argv[++i] : a.slice(eq + 1)
    if (value === undefined || value === '') throw new SimulateUsageError(`--${name} needs a value\n${USAGE}`)
    flags[name] = value
  }
  let opts: SimulatorOptions = {}
  if (flags['config'] !== undefined) {
    const file = flags['config']
    let raw: unknown
    try {
      const text = await readFile(file, 'utf8')
      raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text)
    } catch (err) {
      throw new SimulateUsageError(`cannot read --config ${file}: ${err instanceof Error ? err.message : String(err)}`)
    }
    const r = FileSchema.safeParse(raw ?? {})
    if (!r.success) throw new SimulateUsageError(`invalid --config ${file}:\n${z.prettifyError(r.error)}`)
    opts = r.data as SimulatorOptions
  }
  const int = (name: string, lo: number, hi: number): number | undefined => {
    const v = flags[name]
    if (v === undefined) return undefined
    const n = Number(v)
    if (!Number.isInteger(n) || n < lo || n > hi) throw new SimulateUsageError(`--${name} must be an integer in ${lo}..${hi}, got '${v}'`)
    return n
  }
  const port = int('port', 0, 65535)
  const seed = int('seed', -(2 ** 31), 2 ** 32 - 1)
  if (port !== undefined) opts.port = port
  if (seed !== undefined) opts.seed = seed
  if (flags['host'] !== undefined) opts.host = flags['host']
  return opts
}

/** Starts the simulator and resolves once it has stopped after SIGINT/SIGTERM. */
export async function simulateCommand(argv: string[]): Promise<void> {
  const opts = await parseSimulateArgs(argv)
  const sim = await startSimulator(opts)
  process.stdout.write(`headroom simulator listening on ${sim.url} — base URLs: openai ${sim.url}/v1, anthropic ${sim.url}, gemini ${sim.url} (control: ${sim.url}/_sim/)\n`)
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
