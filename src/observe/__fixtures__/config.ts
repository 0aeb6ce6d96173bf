/** routes.yaml compiled as start.ts compiles it, for the listeners' tests (a simulated provider: no key). */
import { compileConfig } from '../../config/compile.ts'
import { parseConfig } from '../../config/load.ts'
import type { CompiledConfig } from '../../config/types.ts'

export function compiled(yaml: string): CompiledConfig {
  return compileConfig(parseConfig(yaml, 'routes.yaml', {}), { simulatorUrl: 'http://127.0.0.1:9' })
}
