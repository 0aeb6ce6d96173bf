/**
 * A local admission and its confirmation by the state shared across replicas (HEADROOM_REDIS_URL), not
 * waited for here: execution awaits it (Job.admitted) after sending its first target claim, so that both
 * reach Redis in one write — one round trip, not two. The ticket given out stands for the local one until
 * the shared one is confirmed, then for that one (whose settle releases both).
 */
import type { Admission, Refusal, RequestFacts, Ticket } from '../admission/admit.ts'
import { shareAdmission } from '../admission/share-admission.ts'
import type { ApiError } from '../lib/api-error.ts'
import type { Job, Report } from '../routing/runtime.ts'
import type { AppDeps } from './types.ts'

const noop = () => {}

export interface AdmittedAcross {
  readonly ticket: Ticket
  /** For Job.admitted: rejects with the refusal's error. Absent: nothing shared, admitted already. */
  readonly admitted?: Promise<Ticket>
}

/**
 * `refuse` records a refusal for the answer and returns its error; `confirmed` hears the shared ticket's
 * rate-limit headers once it is confirmed.
 */
export function admitAcrossReplicas(
  admission: Extract<Admission, { ok: true }>,
  facts: RequestFacts,
  deps: AppDeps,
  refuse: (r: Refusal) => ApiError,
  confirmed: (headers: Readonly<Record<string, string>>) => void,
): AdmittedAcross {
  const local = admission.ticket
  if (!deps.shared) return { ticket: local }
  let current = local
  const admitted = shareAdmission(admission, facts, deps, deps.runtime.now()).then((a) => {
    if (!a.ok) throw refuse(a.refusal)
    current = a.ticket
    confirmed(a.ticket.rateLimitHeaders)
    return a.ticket
  })
  admitted.catch(noop) // handled where execution awaits it
  const ticket: Ticket = {
    ...local,
    get rateLimitHeaders() {
      return current.rateLimitHeaders
    },
    settle: (usage, at) => {
      current.settle(usage, at)
      // Still on its way when the request ended early (a full queue, a deadline): undone once it lands.
      if (current === local) void admitted.then((t) => t.settle(usage, at), noop)
    },
  }
  return { ticket, admitted }
}

/** The job execution runs for an admitted request (with the shared confirmation it awaits, if any). */
export function jobFor<Req>(req: Req, a: AdmittedAcross, report: Report, controller: AbortController): Job<Req> {
  const t = a.ticket
  const job = { req, route: t.route, profile: t.profile, ctx: t.ctx, report, controller }
  return a.admitted ? { ...job, admitted: a.admitted } : job
}
