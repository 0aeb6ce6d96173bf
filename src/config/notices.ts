/**
 * What each load of routes.yaml says out loud — at start-up and again on every reload that keeps it so:
 * providers the simulator answers for, keys skipped and base URLs defaulted because their variable is
 * unset, an open router.
 */
import { type LoadedConfig, pathLabel } from './load.ts'
import { notSet, unsetBaseUrlVars, unsetKeyVars } from './reload-guard.ts'
import type { CompiledConfig } from './types.ts'

/** One loaded version of routes.yaml, compiled. */
export interface ConfigVersion extends LoadedConfig {
  readonly compiled: CompiledConfig
}

const OPEN_BANNER =
  'headroom: OPEN — routes.yaml declares no client keys, so anyone who can reach this port can use it (and spend on its provider keys).'

function simulatorBanner(v: ConfigVersion, simUrl: string): string {
  const bar = '='.repeat(78)
  const lines = [
    bar,
    '  SIMULATED PROVIDERS: these answers are NOT from real models.',
    `  The built-in simulator (${simUrl}) is serving:`,
  ]
  for (const p of v.compiled.providers.values()) {
    if (!p.simulated) continue
    const vars = unsetKeyVars(v, p.name).map((u) => u.name)
    const why =
      p.config.simulate === true
        ? 'simulate: true'
        : vars.length > 0
          ? `set ${[...new Set(vars)].join(', ')} to use the real API`
          : 'no api_key set'
    lines.push(`    - ${p.name} (${p.type}): ${why}`)
  }
  lines.push(bar)
  return `${lines.join('\n')}\n`
}

/** The warnings for one loaded config, each a line (the simulator banner: a block). */
export function configNotices(v: ConfigVersion, simulatorUrl: string | undefined): string[] {
  const out: string[] = []
  if (simulatorUrl && [...v.compiled.providers.values()].some((p) => p.simulated))
    out.push(simulatorBanner(v, simulatorUrl))
  for (const p of v.compiled.providers.values()) {
    if (p.simulated) continue
    for (const u of unsetKeyVars(v, p.name)) {
      out.push(
        `headroom: ${pathLabel(u.path)}: ${notSet([u.name])}; that key is skipped (provider ${p.name} has ${p.keys.length} key${p.keys.length === 1 ? '' : 's'})\n`,
      )
    }
    const urlVars = unsetBaseUrlVars(v, p.name).map((u) => u.name)
    if (urlVars.length > 0 && !p.config.base_url)
      out.push(`headroom: providers.${p.name}.base_url: ${notSet(urlVars)}; calls go to ${p.baseUrl}\n`)
  }
  if (!v.compiled.auth.enabled) out.push(`${OPEN_BANNER}\n`)
  return out
}
