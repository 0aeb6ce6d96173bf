/**
 * Route targets whose model has no price: neither in the built-in catalog nor priced under `models:`.
 * Their calls cost $0 in the spend table and are refused when a budget applies, so Headroom names them
 * at start-up and on every reload, and `headroom check` marks them.
 */
import type { Logger } from '../lib/logger.ts'
import type { CompiledConfig } from './types.ts'

/** `provider/model` of every unpriced target the routes name, each once, in route order. */
export function unpricedTargets(cfg: CompiledConfig): string[] {
  const ids = new Set<string>()
  for (const route of cfg.routes.values()) for (const m of route.members) if (!m.model) ids.add(m.target.id)
  return [...ids]
}

/** What routes.yaml needs for them: `models: { openai/o1-mini: { input: …, output: … } }`. */
export function pricesToAdd(targets: readonly string[]): string {
  return `models: { ${targets.map((t) => `${t}: { input: …, output: … }`).join(', ')} }`
}

/** One warn line naming them all; nothing when every target is priced. */
export function warnUnpricedTargets(cfg: CompiledConfig, log: Logger): void {
  const targets = unpricedTargets(cfg)
  if (targets.length === 0) return
  log.warn(
    `unpriced route targets (${targets.join(', ')}): their calls cost $0 in the spend table and are refused when a budget applies; give them prices (USD per 1M tokens) in routes.yaml: ${pricesToAdd(targets)}`,
    { targets },
  )
}
