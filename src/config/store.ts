/**
 * The config in force, and live reload. `routes.yaml` is watched; a valid edit is compiled and swapped
 * in atomically — requests already running keep the CompiledConfig they started with, new ones get the
 * new one — and an invalid edit is rejected with a precise log line while the old config keeps serving.
 * So is an edit that would lose something by accident (see reload-guard.ts). The warnings of start-up
 * (simulated providers, an open router) are repeated on every reload that keeps them true.
 */
import { type FSWatcher, watch } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { Logger } from '../lib/logger.ts'
import type { ProviderRegistry } from '../providers/registry.ts'
import { compileConfig } from './compile.ts'
import { ConfigError, loadConfigText, readConfigFile } from './load.ts'
import { type ConfigVersion, configNotices } from './notices.ts'
import { reloadRefusals } from './reload-guard.ts'
import type { Config } from './schema.ts'
import type { CompiledConfig } from './types.ts'

export interface ConfigStoreOptions {
  file: string
  env: Record<string, string | undefined>
  log: Logger
  /** The provider types the file may use (default: the built-in ones). */
  providers?: ProviderRegistry
  /** Returns the simulator URL, starting one if the new config needs it and none runs yet. */
  simulatorUrl: (cfg: Config) => Promise<string | undefined>
  /** Called after each successful swap (e.g. to keep the health of unchanged targets). */
  onSwap?: (next: CompiledConfig, prev: CompiledConfig) => void
  /** Debounce for editors that write a file in several steps. */
  debounceMs?: number
}

export class ConfigStore {
  private version: ConfigVersion
  private watcher: FSWatcher | null = null
  private timer: NodeJS.Timeout | null = null
  private reloading: Promise<boolean> | null = null
  private lastText: string
  /** The file on disk differs from the config in force (the last reload was rejected or could not read it). */
  private diverged = false

  constructor(
    initial: ConfigVersion,
    initialText: string,
    private readonly opts: ConfigStoreOptions,
  ) {
    this.version = initial
    this.lastText = initialText
  }

  current(): CompiledConfig {
    return this.version.compiled
  }

  /** Watches the file's directory (editors replace files by rename, which a file watch would lose). */
  watch(): void {
    if (this.watcher) return
    const name = basename(this.opts.file)
    this.watcher = watch(dirname(this.opts.file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return
      if (this.timer) clearTimeout(this.timer)
      this.timer = setTimeout(() => void this.reload(), this.opts.debounceMs ?? 100)
    })
    this.watcher.on('error', (err) =>
      this.opts.log.error('config watch failed; live reload is off', { file: this.opts.file, error: err.message }),
    )
  }

  /** Re-reads the file; true when a new config was swapped in. Concurrent calls share one reload. */
  reload(): Promise<boolean> {
    this.reloading ??= this.doReload().finally(() => (this.reloading = null))
    return this.reloading
  }

  private async doReload(): Promise<boolean> {
    const { file, log } = this.opts
    let text: string
    try {
      text = await readConfigFile(file)
    } catch (err) {
      const why = (err as Error).cause ?? err
      log.error('config reload: cannot read the file; keeping the current config', {
        file,
        error: (why as Error).message,
      })
      this.diverged = true
      return false
    }
    if (text === this.lastText) {
      // An edit reverted after a rejection: say so, or the last word in the log stays "rejected".
      if (this.diverged) log.info('config file matches the configuration in force again', { file })
      this.diverged = false
      return false
    }
    let next: ConfigVersion
    let simulatorUrl: string | undefined
    try {
      const { providers } = this.opts
      const loaded = loadConfigText(text, file, this.opts.env, providers)
      const refusals = reloadRefusals(this.version, loaded)
      if (refusals.length > 0) throw new ConfigError(refusals.join('\n'))
      simulatorUrl = await this.opts.simulatorUrl(loaded.config)
      next = {
        ...loaded,
        compiled: compileConfig(loaded.config, providers ? { simulatorUrl, providers } : { simulatorUrl }),
      }
    } catch (err) {
      log.error('config reload rejected; the previous config keeps serving', { file, error: (err as Error).message })
      this.diverged = true
      return false
    }
    const prev = this.version.compiled
    this.version = next
    this.lastText = text
    this.diverged = false
    this.opts.onSwap?.(next.compiled, prev)
    log.info('config reloaded', {
      file,
      routes: [...next.compiled.routes.keys()],
      providers: [...next.compiled.providers.keys()],
    })
    for (const notice of configNotices(next, simulatorUrl)) log.warn(notice.trim())
    return true
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.watcher?.close()
    this.watcher = null
  }
}
