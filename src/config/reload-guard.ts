/**
 * What a live reload may not do by accident. A running process's environment does not change, so a
 * `${VAR}` that is unset on reload is a new name in the file — a typo, most often — and its damage is
 * silent: a real provider answered by the simulator, one of a provider's keys gone, its calls sent to
 * the public API instead of the configured gateway, a router open to anyone. Such a reload is refused, naming the
 * variables, unless the file says that it means it (`simulate: true`, `auth: open`, the entry removed).
 * Start-up is not guarded: its banners say it all.
 */
import { compileAuth } from './client-keys.ts'
import { isSimulated } from './compile.ts'
import { type LoadedConfig, pathLabel, type UnsetVar } from './load.ts'

/** `A is not set`, `A and B are not set`. */
export function notSet(names: readonly string[]): string {
  const unique = [...new Set(names)]
  const list = unique.length === 1 ? unique[0]! : `${unique.slice(0, -1).join(', ')} and ${unique.at(-1)!}`
  return `${list} ${unique.length === 1 ? 'is' : 'are'} not set`
}

/** Unset variables in a provider's key fields (`api_key`, `keys[i]`). */
export function unsetKeyVars(v: LoadedConfig, provider: string): UnsetVar[] {
  return v.unsetVars.filter(
    (u) => u.path[0] === 'providers' && u.path[1] === provider && (u.path[2] === 'api_key' || u.path[2] === 'keys'),
  )
}

/** Unset variables in a provider's `base_url`. */
export function unsetBaseUrlVars(v: LoadedConfig, provider: string): UnsetVar[] {
  return v.unsetVars.filter((u) => u.path[0] === 'providers' && u.path[1] === provider && u.path[2] === 'base_url')
}

const isAdminKeyVar = (u: UnsetVar) => u.path[0] === 'admin_key'

/**
 * Why `next` may not replace `prev` (empty: it may). Each reason names the field and what to do. Checked
 * before `next` is compiled, so that a refused edit starts nothing (such as the simulator).
 */
export function reloadRefusals(prev: LoadedConfig, next: LoadedConfig): string[] {
  const out: string[] = []
  for (const [name, before] of Object.entries(prev.config.providers)) {
    const after = next.config.providers[name]
    if (isSimulated(before) || !after) continue
    const unset = unsetKeyVars(next, name)
    if (isSimulated(after)) {
      const why = unset.length > 0 ? notSet(unset.map((u) => u.name)) : 'no key is set'
      if (after.simulate !== true)
        out.push(
          `providers.${name}: ${why}; a reload may not turn a real provider into a simulated one (set the variable, or write simulate: true to mean it)`,
        )
      continue
    }
    const known = new Set(unsetKeyVars(prev, name).map((u) => u.name))
    for (const u of unset) {
      if (known.has(u.name)) continue
      out.push(
        `${pathLabel(u.path)}: ${notSet([u.name])}; a reload may not drop one of a provider's keys (set the variable, or remove the entry to mean it)`,
      )
    }
    // An empty base_url means the provider's public API: the key would go to a different host.
    const urlBefore = new Set(unsetBaseUrlVars(prev, name).map((u) => u.name))
    const urlAfter = unsetBaseUrlVars(next, name).filter((u) => !urlBefore.has(u.name))
    if (urlAfter.length > 0) {
      out.push(
        `providers.${name}.base_url: ${notSet(urlAfter.map((u) => u.name))}; a reload may not send a provider's calls to its default URL instead (set the variable, or remove base_url to mean it)`,
      )
    }
  }

  const adminUnset = next.unsetVars.filter(isAdminKeyVar).map((u) => u.name)
  const [authBefore, authAfter] = [compileAuth(prev.config), compileAuth(next.config)]
  if (authBefore.enabled && !authAfter.enabled && next.config.auth !== 'open') {
    const why =
      adminUnset.length > 0
        ? `admin_key: ${notSet(adminUnset)} and no client keys are declared`
        : 'no client keys and no admin key are declared'
    out.push(
      `${why}: the router would be open to anyone; a reload may not remove authentication (set the variable, or write auth: open to mean it)`,
    )
  } else if (authBefore.adminHash !== null && authAfter.adminHash === null && adminUnset.length > 0) {
    out.push(
      `admin_key: ${notSet(adminUnset)}; a reload may not drop the admin key (set the variable, or remove admin_key to mean it)`,
    )
  }
  return out
}
