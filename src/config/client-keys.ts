/**
 * Client keys, compiled: looked up by the SHA-256 of what the client presents, so that routes.yaml may
 * hold digests instead of secrets and a lookup is one hash and one Map get.
 */
import { createHash } from 'node:crypto'
import type { Config } from './schema.ts'
import type { BudgetLimits, CompiledAuth, CompiledKey } from './types.ts'

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export function budgetLimits(
  b: { daily_usd?: number | undefined; monthly_usd?: number | undefined } | undefined,
): BudgetLimits | null {
  if (!b || (b.daily_usd === undefined && b.monthly_usd === undefined)) return null
  // USD → micro-cents; the ledger's unit. A cap is a threshold, so rounding it to 1e-8 USD is harmless.
  const mc = (usd: number | undefined) => (usd === undefined ? null : Math.round(usd * 1e8))
  return { daily: mc(b.daily_usd), monthly: mc(b.monthly_usd) }
}

function matcher(patterns: readonly string[] | undefined): (route: string) => boolean {
  if (!patterns) return () => true
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')))
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1))
  return (route) => exact.has(route) || prefixes.some((p) => route.startsWith(p))
}

export function compileAuth(cfg: Config): CompiledAuth {
  const byHash = new Map<string, CompiledKey>()
  for (const k of cfg.keys) {
    const hash = k.key_sha256 ?? sha256Hex(k.key!)
    const limits = k.limits && (k.limits.rpm || k.limits.tpm || k.limits.concurrency) ? k.limits : null
    byHash.set(hash, {
      name: k.name,
      budget: budgetLimits(k.budget),
      limits,
      priority: k.priority,
      allows: matcher(k.routes),
    })
  }
  const adminHash = cfg.admin_key_sha256 ?? (cfg.admin_key ? sha256Hex(cfg.admin_key) : null)
  return { enabled: byHash.size > 0 || adminHash !== null, byHash, adminHash }
}
