/**
 * The routing strategies by the name routes.yaml uses. Each is a pure function of its candidates and
 * the RoutingContext (clock and randomness injected); see each file's JSDoc for its exact rule and
 * tie-break.ts for how equal keys are ordered.
 */

import type { StrategyName } from '../../config/schema.ts'
import type { Strategy } from '../types.ts'
import { cascade } from './cascade.ts'
import { cost } from './cost.ts'
import { headroom } from './headroom.ts'
import { latency } from './latency.ts'
import { ordered } from './ordered.ts'
import { score } from './score.ts'
import { weighted } from './weighted.ts'

export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = Object.freeze({
  ordered,
  cost,
  latency,
  headroom,
  weighted,
  score,
  cascade,
})

export function strategyFor(name: StrategyName): Strategy {
  return STRATEGIES[name]
}

export { classifyComplexity } from './cascade.ts'
export { violatedConstraint } from './score.ts'
