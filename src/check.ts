/**
 * `headroom check [routes.yaml] [--strict]`: validates a config file as the server would compile it and
 * prints providers, routes and each target's price. Targets without a price are marked and summed up at
 * the end; `--strict` makes them an error (exit 1), for CI.
 */
import type { Command } from 'commander'
import { compileConfig } from './config/compile.ts'
import { defaultConfigPath, loadConfigFile } from './config/load.ts'
import { pricesToAdd, unpricedTargets } from './config/unpriced-targets.ts'
import { headroomCommand, runCommand, type Write } from './lib/cli-command.ts'

export interface CheckIo {
  env?: Record<string, string | undefined>
  out?: Write
  /** Receives a non-zero exit code (default: sets process.exitCode). */
  exit?: (code: number) => void
}

export function checkCli(io: CheckIo = {}): Command {
  return headroomCommand(
    'check',
    'Validate a routes.yaml as the server would compile it and print its providers, routes and prices.',
    ['npx headroom check', 'npx headroom check ./prod.yaml --strict    # in CI: exit 1 when a target has no price'],
    io.out,
  )
    .argument(
      '[file]',
      'the config file (default: $HEADROOM_CONFIG, else ./routes.yaml, else the one shipped with Headroom)',
    )
    .option('--strict', 'exit 1 when a route target has no price (default: off)')
    .action(async (file: string | undefined, flags: { strict?: boolean }) => {
      const code = await check(file, flags.strict === true, io)
      if (code !== 0) (io.exit ?? ((c) => void (process.exitCode = c)))(code)
    })
}

/** `headroom check …argv`, resolving to its exit code. */
export async function checkCommand(argv: readonly string[], io: CheckIo = {}): Promise<number> {
  let code = 0
  await runCommand(checkCli({ ...io, exit: (c) => void (code = c) }), argv)
  return code
}

/**
 * Prints the report; resolves to the exit code (1 under `--strict` when a target is unpriced). Config errors throw
 * ConfigError.
 */
async function check(path: string | undefined, strict: boolean, io: CheckIo): Promise<number> {
  const env = io.env ?? process.env
  const write = io.out ?? ((text: string) => void process.stdout.write(text))
  const file = path ?? defaultConfigPath(env)
  const { config: cfg } = await loadConfigFile(file, env)
  // Compiled as the server would (a placeholder URL stands in for the simulator): catalog entries, keys, tiers.
  const compiled = compileConfig(cfg, { simulatorUrl: 'http://simulator' })
  const out: string[] = [`${file}: OK`]
  for (const p of compiled.providers.values()) {
    const keys = p.simulated ? 'no key → simulated' : `${p.keys.length} key${p.keys.length === 1 ? '' : 's'}`
    const limits = Object.entries(p.config.limits)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
    out.push(
      `provider ${p.name}: ${p.type} at ${p.simulated ? '(simulator)' : p.baseUrl} (${keys})${limits ? `; limits ${limits}` : ''}`,
    )
  }
  for (const r of compiled.routes.values()) {
    out.push(
      `route ${r.name}${compiled.defaultRoute === r.name ? ' (default)' : ''}: ${r.strategy}, timeout ${r.timeoutMs} ms, ${r.retry.attemptsPerTarget} attempt(s) per target`,
    )
    for (const m of r.members) {
      const price = m.model
        ? `$${m.model.price.input}/$${m.model.price.output} per 1M, context ${m.model.context}`
        : 'UNPRICED: not in the catalog and no price under models:'
      const tier = r.strategy === 'cascade' ? ` tier ${m.tier}` : ''
      const weight = r.strategy === 'weighted' ? ` weight ${m.weight}` : ''
      out.push(`  ${m.position + 1}.${tier}${weight} ${m.target.stateId} — ${price}`)
    }
  }
  const unpriced = unpricedTargets(compiled)
  if (unpriced.length > 0) {
    out.push(
      `${unpriced.length} unpriced target${unpriced.length === 1 ? '' : 's'}: ${unpriced.join(', ')}. Their calls cost $0 in the spend table and are refused when a budget applies.`,
      `Give them prices (USD per 1M tokens) in routes.yaml: ${pricesToAdd(unpriced)}${strict ? '' : ' (--strict makes this an error)'}`,
    )
  }
  write(`${out.join('\n')}\n`)
  return strict && unpriced.length > 0 ? 1 : 0
}
