/**
 * The registry of live per-target state: one TargetHealth (cooldown, breaker, latency, error rate) and
 * one HeadroomTracker per target state id `${keyAlias}/${model}` — each API key × model is its own
 * target, with its own limits and its own breaker. States are created on first use and outlive config
 * reloads:
 * - `retain(ids)` after a reload shuts down the states of targets that are gone;
 * - a target still present keeps everything: cooldown, breaker state, latency and error-rate history,
 *   provider rate-limit snapshots, reservations and in-flight count;
 * - a target whose breaker or limit config changed gets it on its next `get`: the limits keep what was
 *   counted (buckets keep their consumption under the new capacity), the breaker is rebuilt with the
 *   new thresholds but carries over closed / open / half-open (its rolling stats start empty); latency,
 *   error rate and cooldown are kept.
 *
 * Replicas (state/redis-health.ts): `listen` hears every state's own cooldowns and breaker opens, by
 * state id; `applyRemote` applies what a peer learned to a target's state (see health.ts).
 */

import type { TargetStateConfig } from '../config/types.ts'
import type { Target } from '../providers/types.ts'
import { type HealthSnapshot, type RemoteHealth, TargetHealth } from './health.ts'
import type { LimitsSnapshot } from './limit-store.ts'
import { HeadroomTracker } from './limits.ts'

export interface TargetState {
  readonly id: string
  readonly health: TargetHealth
  readonly limits: HeadroomTracker
}

export interface TargetStateSnapshot {
  id: string
  health: HealthSnapshot
  limits: LimitsSnapshot
}

export interface TargetStatesOptions {
  /** EWMA weight for latency and error rate (default 0.3). */
  alpha?: number
  /** See HeadroomTracker: how long before a snapshot a reservation may still be unseen (default 1 s). */
  graceMs?: number
}

/** What the states learn on their own evidence, by state id (see HealthListener). */
export interface TargetStatesListener {
  onCooldown?(id: string, untilMs: number): void
  onBreakerOpen?(id: string, halfOpenAtMs: number): void
}

/** The state id of a target: its key alias and model (`openai#1/gpt-4.1-mini`). */
export function targetStateId(target: Pick<Target, 'keyAlias' | 'model'>): string {
  return `${target.keyAlias}/${target.model}`
}

interface Slot extends TargetState {
  config: TargetStateConfig
  /** A configured target's (see retain): never evicted. */
  pinned: boolean
}

function sameConfig(a: TargetStateConfig, b: TargetStateConfig): boolean {
  if (a === b) return true
  const ab = a.breaker ?? {}
  const bb = b.breaker ?? {}
  const al = a.limits ?? {}
  const bl = b.limits ?? {}
  return (
    ab.errorThresholdPercentage === bb.errorThresholdPercentage &&
    ab.volumeThreshold === bb.volumeThreshold &&
    ab.resetTimeout === bb.resetTimeout &&
    ab.rollingCountTimeout === bb.rollingCountTimeout &&
    al.rpm === bl.rpm &&
    al.tpm === bl.tpm &&
    al.concurrency === bl.concurrency &&
    al.maxCooldownMs === bl.maxCooldownMs
  )
}

/** Most states kept for targets no route names (`provider/model` requests: names come from clients). */
const DEFAULT_MAX_UNPINNED = 2_000

/**
 * States in least-recently-used order for unpinned ones: a target clients keep using keeps its breaker
 * and latency however many one-off model names come by, and eviction takes the front of the map. A
 * state eviction must skip (pinned, or with calls in flight) moves to the back, so no walk passes it
 * twice: evicting is O(1) amortised, not O(states).
 */
export class TargetStates {
  private readonly slots = new Map<string, Slot>()
  /** The configured targets' ids (set by retain): never evicted. */
  private pinned: ReadonlySet<string> = new Set()
  private unpinned = 0
  private listener: TargetStatesListener | null = null

  constructor(private readonly options: TargetStatesOptions & { maxUnpinned?: number } = {}) {}

  /**
   * The state of a target, created with `config` on first use. A config that differs from the one the
   * state was last given is applied (see the file comment for what is kept).
   */
  get(target: Pick<Target, 'keyAlias' | 'model'>, config: TargetStateConfig, now: number): TargetState {
    const id = targetStateId(target)
    const slot = this.slots.get(id)
    if (!slot) {
      const pinned = this.pinned.has(id)
      if (!pinned) {
        this.unpinned++
        if (this.unpinned > (this.options.maxUnpinned ?? DEFAULT_MAX_UNPINNED)) this.evictOne()
      }
      const health = new TargetHealth({
        breaker: config.breaker,
        alpha: this.options.alpha,
        name: id,
        // Read at each event: a listener set later (or removed) applies to states made before.
        listener: {
          onCooldown: (untilMs) => this.listener?.onCooldown?.(id, untilMs),
          onBreakerOpen: (halfOpenAtMs) => this.listener?.onBreakerOpen?.(id, halfOpenAtMs),
        },
      })
      const limits = new HeadroomTracker(config.limits, { graceMs: this.options.graceMs })
      const created: Slot = { id, health, limits, config, pinned }
      this.slots.set(id, created)
      return created
    }
    if (!slot.pinned) {
      this.slots.delete(id)
      this.slots.set(id, slot)
    }
    if (!sameConfig(slot.config, config)) {
      slot.health.reconfigure(config.breaker)
      slot.limits.configure(config.limits ?? {}, now)
    }
    slot.config = config
    return slot
  }

  /** Hear every state's own cooldowns and breaker opens (null: stop). One listener at a time. */
  listen(listener: TargetStatesListener | null): void {
    this.listener = listener
  }

  /** Apply what a peer replica learned to a target's state (created as `get` would); true when it changed. */
  applyRemote(
    target: Pick<Target, 'keyAlias' | 'model'>,
    config: TargetStateConfig,
    remote: RemoteHealth,
    now: number,
  ): boolean {
    return this.get(target, config, now).health.applyRemote(remote)
  }

  /** The state under an id, if it exists (does not create one). */
  peek(id: string): TargetState | undefined {
    return this.slots.get(id)
  }

  /** Ids of every live state. */
  ids(): string[] {
    return [...this.slots.keys()]
  }

  /**
   * Keep the states of `ids` and shut down the rest (after a config reload removed their targets). A
   * removed target that comes back later starts afresh.
   */
  retain(ids: ReadonlySet<string>): void {
    for (const [id, slot] of this.slots) {
      if (ids.has(id)) {
        slot.pinned = true
        continue
      }
      slot.health.shutdown()
      this.slots.delete(id)
    }
    this.pinned = ids
    this.unpinned = 0
  }

  /**
   * Drops the least recently used idle state of an unconfigured target, so a flood of model names can't grow memory.
   */
  private evictOne(): void {
    // At most one pass: what is skipped goes to the back (a state with calls in flight is in use).
    let left = this.slots.size
    for (const [id, slot] of this.slots) {
      if (left-- === 0) return
      if (slot.pinned || slot.limits.inFlight > 0) {
        this.slots.delete(id)
        this.slots.set(id, slot)
        continue
      }
      slot.health.shutdown()
      this.slots.delete(id)
      this.unpinned--
      return
    }
  }

  /** Plain JSON for `GET /v1/routing/state`, one entry per live state. */
  snapshot(now: number): TargetStateSnapshot[] {
    return [...this.slots.values()].map((s) => ({
      id: s.id,
      health: s.health.snapshot(now),
      limits: s.limits.snapshot(now),
    }))
  }

  /** Shut every state down (process exit, tests). */
  close(): void {
    this.retain(new Set())
  }
}
