/**
 * Targets' cooldowns and breaker openings shared across replicas through Redis (`HEADROOM_REDIS_URL`):
 * a replica that cools a target after a 429, or whose breaker opens on faults, tells the others, so that
 * they route around it too instead of each paying for the same lesson.
 *
 * Each news is written twice, by one Lua script (atomic, one round trip, off the request path):
 * - a key per target and kind (`health:cooldown:<id>`, `health:open:<id>`) whose TTL is the time left, so
 *   that a replica starting or rejoining later reads what is in force, and nothing outlives it;
 * - a message on one channel (`health`) for the replicas listening now, on a second connection (a
 *   connection in SUBSCRIBE mode runs nothing else).
 * https://redis.io/docs/latest/develop/interact/pubsub/
 * The script publishes only when it extends the key: news already known goes nowhere.
 *
 * Durations travel, not times: the message says how many ms are left and a late reader takes the key's
 * PTTL, so replicas' clocks need not agree (a receiver's window ends later by the message's transit).
 *
 * A peer hearing it applies it through TargetStates.applyRemote (routing/health.ts): the cooldown extends
 * (never shortens), a closed breaker opens for the rest of the window, as no evidence of its own and
 * without telling anyone (only a replica's own evidence is published: no echo). Half-open stays each
 * replica's own: when the window ends each one lets its own probe through and closes or reopens on it.
 * A probe's success is not published: a close is each replica's own finding, and a peer still open on
 * older news half-opens by itself when that news's window ends. A failed probe reopens the breaker, which
 * is news again (a new window).
 *
 * Only routes.yaml's targets are shared (their state ids are the same on every replica with the same
 * routes.yaml); a `provider/model` target named by a client stays per replica. What comes from Redis was
 * written by another process and is validated: size, shape, kind, a known target id, a duration capped
 * at what this replica could set itself. Nothing received is kept but in the targets' states.
 *
 * Redis down: news stays local (not published while the link is degraded), nothing waits for Redis. The
 * subscriber connection reconnects every second; on each (re)connection it reads the keys of every
 * configured target before subscribing again, and once more after (on the main connection), so what was
 * published meanwhile is caught up.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { z } from 'zod'
import type { TargetStateConfig } from '../config/types.ts'
import type { Logger } from '../lib/logger.ts'
import type { Target } from '../providers/types.ts'
import { longestCooldownMs } from '../routing/cooldown.ts'
import type { RemoteHealth } from '../routing/health.ts'
import type { TargetStates } from '../routing/target-states.ts'
import type { RedisLink } from './redis-link.ts'

// KEYS: the target's key for this kind, the channel. ARGV: ms left, the message.
const SHARE = `
local left = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) >= left then return 0 end
redis.call('SET', KEYS[1], '1', 'PX', left)
redis.call('PUBLISH', KEYS[2], ARGV[2])
return 1
`

type Scripts = { hrShareHealth(key: string, channel: string, ms: number, message: string): Promise<number> }

const KINDS = ['cooldown', 'open'] as const
type Kind = (typeof KINDS)[number]

/** Longer than this and a message is not ours (ids are `alias/model`: short). */
const MAX_MESSAGE_CHARS = 1024
/** The subscriber does not block requests: it may wait longer than the link's 50 ms. */
const SUBSCRIBER_TIMEOUT_MS = 1000
const RETRY_JOIN_MS = 1000
const CATCH_UP_TRIES = 10

const Message = z.strictObject({
  v: z.literal(1),
  from: z.string().max(64),
  id: z.string().min(1).max(512),
  kind: z.enum(KINDS),
  ms: z
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
})

export interface RedisHealthOptions {
  readonly link: RedisLink
  readonly states: TargetStates
  /** A configured target under a state id, with its state config (the config in force); null otherwise. */
  resolve(id: string): { target: Pick<Target, 'keyAlias' | 'model'>; config: TargetStateConfig } | null
  /** The configured targets' state ids: read from Redis when the subscriber (re)connects. */
  ids(): Iterable<string>
  readonly log: Logger
  /** The clock cooldowns are set with (the runtime's). Default Date.now. */
  readonly now?: () => number
}

export class RedisHealth {
  private readonly link: RedisLink
  private readonly redis: Redis & Scripts
  private readonly sub: Redis
  private readonly channel: string
  /** Tells this replica's messages from the others' (it hears its own too). */
  private readonly replica = randomUUID()
  private readonly now: () => number
  private warnedInvalid = false
  private closed = false
  private joined: () => void = () => {}

  constructor(private readonly opts: RedisHealthOptions) {
    this.link = opts.link
    this.now = opts.now ?? Date.now
    const redis = this.link.redis
    redis.defineCommand('hrShareHealth', { numberOfKeys: 2, lua: SHARE })
    this.redis = redis as Redis & Scripts
    this.channel = this.link.key('health')
    // Resubscribing is join()'s job, after catching up on the keys.
    this.sub = redis.duplicate({ commandTimeout: SUBSCRIBER_TIMEOUT_MS, autoResubscribe: false })
    this.sub.on('error', () => {})
    this.sub.on('ready', () => void this.join())
    this.sub.on('message', (_channel: string, message: string) => this.hear(message))
    opts.states.listen({
      onCooldown: (id, untilMs) => this.publish(id, 'cooldown', untilMs - this.now()),
      onBreakerOpen: (id, halfOpenAtMs) => this.publish(id, 'open', halfOpenAtMs - Date.now()),
    })
  }

  /** Connects and subscribes, waiting at most `ms` (a Redis down at start-up rejoins when it is back). */
  async start(ms = 1000): Promise<void> {
    const joined = new Promise<void>((resolve) => {
      this.joined = resolve
    })
    const timer = new Promise<void>((resolve) => setTimeout(resolve, ms).unref())
    this.sub.connect().catch(() => {})
    await Promise.race([joined, timer])
  }

  async close(): Promise<void> {
    this.closed = true
    this.opts.states.listen(null)
    this.sub.disconnect()
  }

  /** This replica's own news, told to the others unless Redis is down (then it stays local). */
  private publish(id: string, kind: Kind, ms: number): void {
    const left = Math.ceil(ms)
    if (!(left > 0) || this.opts.resolve(id) === null || !this.link.usable()) return
    const message = JSON.stringify({ v: 1, from: this.replica, id, kind, ms: left })
    void this.link.run(() => this.redis.hrShareHealth(this.key(kind, id), this.channel, left, message), 0)
  }

  private key(kind: Kind, id: string): string {
    return this.link.key('health', kind, id)
  }

  /** On each (re)connection: what is in force now, then the news from here on. */
  private async join(): Promise<void> {
    try {
      // Before SUBSCRIBE: a subscribed connection runs nothing else.
      await this.catchUp(this.sub)
      await this.sub.subscribe(this.channel)
    } catch {
      // The connection dropped (its next 'ready' joins), or a reply was late: then try again.
      if (this.closed) return
      setTimeout(() => {
        if (this.sub.status === 'ready') void this.join()
      }, RETRY_JOIN_MS).unref()
      return
    }
    this.joined()
    // News written between that read and the subscription is in its key: one more read, on the main
    // connection, again each second until it answers (it reconnects on its own schedule). No verdict on
    // Redis: at start-up the event loop may be busy past the 50 ms timeout (other replicas starting in
    // one process), which says nothing of Redis.
    for (let i = 0; i < CATCH_UP_TRIES && !this.closed && this.sub.status === 'ready'; i++) {
      const read = await this.catchUp(this.redis).then(
        () => true,
        () => false,
      )
      if (read) return
      await new Promise((resolve) => setTimeout(resolve, RETRY_JOIN_MS).unref())
    }
  }

  /** Applies every configured target's keys still alive (their PTTL is what is left). */
  private async catchUp(redis: Redis): Promise<void> {
    const ids = [...this.opts.ids()]
    if (ids.length === 0) return
    const pipeline = redis.pipeline()
    for (const id of ids) for (const kind of KINDS) pipeline.pttl(this.key(kind, id))
    const answers = (await pipeline.exec()) ?? []
    let i = 0
    for (const id of ids)
      for (const kind of KINDS) {
        const [err, left] = answers[i++] ?? [null, null]
        if (!err && typeof left === 'number' && left > 0) this.apply(id, kind, left)
      }
  }

  private hear(raw: string): void {
    if (raw.length > MAX_MESSAGE_CHARS) return this.invalid('too long')
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      return this.invalid('not JSON')
    }
    const m = Message.safeParse(parsed)
    if (!m.success) return this.invalid('unexpected shape')
    if (m.data.from === this.replica) return
    this.apply(m.data.id, m.data.kind, m.data.ms)
  }

  /** A peer's news about a configured target; any other id is ignored. */
  private apply(id: string, kind: Kind, ms: number): void {
    const found = this.opts.resolve(id)
    if (!found) return
    const now = this.now()
    // Capped at what this replica could set itself (the breaker's window is capped by health.ts).
    const remote: RemoteHealth =
      kind === 'cooldown'
        ? { kind, untilMs: now + Math.min(ms, longestCooldownMs(found.config.limits?.maxCooldownMs ?? 0)) }
        : { kind, forMs: ms }
    this.opts.states.applyRemote(found.target, found.config, remote, now)
  }

  /** Something else writes on our channel: said once, then ignored quietly. */
  private invalid(why: string): void {
    if (this.warnedInvalid) return
    this.warnedInvalid = true
    this.opts.log.warn('ignored a message on the shared target-health channel that Headroom did not write', {
      channel: this.channel,
      why,
    })
  }
}
