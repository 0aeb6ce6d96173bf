/**
 * The config in force, and live reload. `routes.yaml` is watched; a valid edit is compiled and swapped
 * in atomically — requests already running keep the CompiledConfig they started with, new ones get the
 * new one — and an invalid edit is rejected with a precise log line while the old config keeps serving.
 */
import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { Logger } from '../logger.ts'
import { compileConfig, type CompiledConfig } from './compile.ts'
import { ConfigError, parseConfig } from './config-load.ts'
import type { Config } from './config-schema.ts'

export interface ConfigStoreOptions {
  file: string
  env: Record<string, string | undefined>
  log: Logger
  /** Returns the simulator URL, starting one if the new config needs it and none runs yet. */
  simulatorUrl: (cfg: Config) => Promise<string | undefined>
  /** Called after each successful swap (e.g. to keep the health of unchanged targets). */
  onSwap?: (next: CompiledConfig, prev: CompiledConfig) => void
  /** Debounce for editors that write a file in several steps. */
  debounceMs?: number
}

export class ConfigStore {
  private config: CompiledConfig
  private watcher: FSWatcher | null = null
  private timer: NodeJS.Timeout | null = null
  private reloading: Promise<boolean> | null = null
  private lastText: string

  constructor(
    initial: CompiledConfig,
    initialText: string,
    private readonly opts: ConfigStoreOptions,
  ) {
    this.config = initial
    this.lastText = initialText
  }

  current(): CompiledConfig {
    return this.config
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
    this.watcher.on('error', (err) => this.opts.log.error('config watch failed; live reload is off', { file: this.opts.file, error: err.message }))
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
      text = await readFile(file, 'utf8')
    } catch (err) {
      log.error('config reload: cannot read the file; keeping the current config', { file, error: (err as Error).message })
      return false
    }
    if (text === this.lastText) return false
    let next: CompiledConfig
    try {
      const parsed = parseConfig(text, file, this.opts.env)
      next = compileConfig(parsed, { simulatorUrl: await this.opts.simulatorUrl(parsed) })
    } catch (err) {
      const msg = err instanceof ConfigError ? err.message : (err as Error).message
      log.error('config reload rejected; the previous config keeps serving', { file, error: msg })
      return false
    }
    const prev = this.config
    this.config = next
    this.lastText = text
    this.opts.onSwap?.(next, prev)
    log.info('config reloaded', { file, routes: [...next.routes.keys()], providers: [...next.providers.keys()] })
    return true
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.watcher?.close()
    this.watcher = null
  }
}
