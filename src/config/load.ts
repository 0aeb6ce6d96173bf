/**
 * routes.yaml → validated Config, with errors that name the line and the field.
 *
 * `${VAR}` (and `${VAR:-default}`) are replaced in the raw text before the YAML is parsed, so they work
 * anywhere, flow mappings included. A value that YAML would misread (spaces, `#`, `: `, quotes, braces…)
 * is inserted as a double-quoted string when the placeholder stands unquoted; inside "…" it is escaped.
 * An unset variable becomes an empty value (null for a whole scalar). Which fields an unset variable
 * left empty is reported by name (never with values), so that a reload can refuse to lose a key to a typo.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import type { ProviderRegistry } from '../providers/registry.ts'
import { type Config, configSchema } from './schema.ts'

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** The package root: two levels above src/config/ and dist/config/ alike. */
const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g
const PLAIN_SAFE = /^[A-Za-z0-9_.\-/+=~@%,]*$/

/** A `${VAR}` that is unset (or empty) and has no `:-default`, and the field it is in. */
export interface UnsetVar {
  readonly name: string
  /**
   * The YAML path of the field, e.g. `['providers', 'anthropic', 'api_key']` or `['providers', 'openai', 'keys', 1]`.
   */
  readonly path: ReadonlyArray<string | number>
}

/** The config, and what its `${VAR}`s left unset. */
export interface LoadedConfig {
  readonly config: Config
  readonly unsetVars: readonly UnsetVar[]
}

/**
 * `unset(name)`: what to insert for a variable that is unset or empty and has no default (default: nothing).
 * `${VAR:-}` has one: the file says that empty is fine.
 */
export function interpolateEnv(
  text: string,
  env: Record<string, string | undefined>,
  unset?: (name: string) => string,
): string {
  return text.replace(PLACEHOLDER, (_m, name: string, dflt: string | undefined, offset: number) => {
    const v = env[name]
    const value = v === undefined || v === '' ? (dflt ?? unset?.(name) ?? '') : v
    const before = text[offset - 1]
    if (before === '"') return JSON.stringify(value).slice(1, -1)
    if (before === "'") return value.replace(/'/g, "''")
    return PLAIN_SAFE.test(value) ? value : JSON.stringify(value)
  })
}

/**
 * Which field each unset variable left empty: the text is parsed once more with a marker in place of each
 * unset variable, and the markers are found in the scalars. Only runs when some variable is unset.
 */
function findUnsetVars(text: string, env: Record<string, string | undefined>): UnsetVar[] {
  const names: string[] = []
  const marked = interpolateEnv(text, env, (name) => `__headroom_unset_${names.push(name) - 1}__`)
  if (names.length === 0) return []
  const out: UnsetVar[] = []
  const visit = (node: unknown, path: Array<string | number>): void => {
    if (isMap(node))
      for (const pair of node.items) visit(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : '?'])
    else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) visit(item, [...path, i])
    } else if (isScalar(node) && typeof node.value === 'string') {
      for (const m of node.value.matchAll(/__headroom_unset_(\d+)__/g)) out.push({ name: names[Number(m[1])]!, path })
    }
  }
  visit(parseDocument(marked).contents, [])
  return out
}

export function pathLabel(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out || '(top level)'
}

type Env = Record<string, string | undefined>

/**
 * Parses and validates routes.yaml text. Throws ConfigError naming file, line and field. `providers`: the
 * provider types it may use (default: the built-in ones).
 */
export function parseConfig(text: string, file: string, env: Env = process.env, providers?: ProviderRegistry): Config {
  return loadConfigText(text, file, env, providers).config
}

/** parseConfig, with the fields that unset variables left empty. */
export function loadConfigText(
  text: string,
  file: string,
  env: Env = process.env,
  providers?: ProviderRegistry,
): LoadedConfig {
  const lc = new LineCounter()
  const doc = parseDocument(interpolateEnv(text, env), { lineCounter: lc, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    const pos = lc.linePos(e.pos[0])
    throw new ConfigError(`${file}:${pos.line}:${pos.col}: invalid YAML: ${e.message.split('\n')[0]}`)
  }
  const raw: unknown = doc.toJS() ?? {}
  const parsed = configSchema(providers).safeParse(raw)
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error.issues, doc, lc, file))
  return { config: parsed.data, unsetVars: findUnsetVars(text, env) }
}

function describeIssues(
  issues: z.core.$ZodIssue[],
  doc: ReturnType<typeof parseDocument>,
  lc: LineCounter,
  file: string,
): string {
  const lines = issues.slice(0, 5).map((issue) => {
    // Point at the deepest node that exists (a missing field's parent).
    let line: number | undefined
    for (let n = issue.path.length; n >= 0 && line === undefined; n--) {
      const node = doc.getIn(issue.path.slice(0, n) as Array<string | number>, true)
      if (isNode(node) && node.range) line = lc.linePos(node.range[0]).line
    }
    const field = pathLabel(issue.path)
    let msg = issue.message
    if (issue.code === 'unrecognized_keys') msg = `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
    if (issue.code === 'invalid_key') {
      // A name that breaks its rule: say the rule, and point at the name rather than at its value.
      msg = `invalid name ${JSON.stringify(issue.path[issue.path.length - 1])}: ${issue.issues[0]?.message ?? msg}`
      line = keyLine(doc, lc, issue.path) ?? line
    }
    return `${file}:${line ?? 1}: ${field}: ${msg}`
  })
  const more = issues.length > 5 ? `\n(and ${issues.length - 5} more)` : ''
  return lines.join('\n') + more
}

/** The line of a mapping key (the last element of `path`), if the document has it. */
function keyLine(
  doc: ReturnType<typeof parseDocument>,
  lc: LineCounter,
  path: ReadonlyArray<PropertyKey>,
): number | undefined {
  const parent = doc.getIn(path.slice(0, -1) as Array<string | number>, true)
  if (!isMap(parent)) return undefined
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1])
  return isNode(pair?.key) && pair.key.range ? lc.linePos(pair.key.range[0]).line : undefined
}

/**
 * A config file's text: the one place routes.yaml is read (start-up, `headroom check`, every reload). A
 * file that cannot be read is a ConfigError saying why and how to name another; its cause is the
 * system's own error.
 */
export async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError(
      `${file}: cannot read: ${(err as Error).message} (name the file on the command line, or in HEADROOM_CONFIG)`,
      { cause: err },
    )
  }
}

/** A config file read, `${VAR}`s replaced, parsed and validated; with its text as read (a reload compares it). */
export async function loadConfigFile(
  file: string,
  env: Env = process.env,
  providers?: ProviderRegistry,
): Promise<LoadedConfig & { readonly text: string }> {
  const text = await readConfigFile(file)
  return { ...loadConfigText(text, file, env, providers), text }
}

/**
 * Where routes.yaml is when no path is given: HEADROOM_CONFIG, else ./routes.yaml, else the one shipped with Headroom.
 */
export function defaultConfigPath(env: Record<string, string | undefined>): string {
  if (env['HEADROOM_CONFIG']) return resolve(env['HEADROOM_CONFIG'])
  const local = resolve('routes.yaml')
  return existsSync(local) ? local : join(PACKAGE_ROOT, 'routes.yaml')
}
