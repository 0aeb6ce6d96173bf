#!/usr/bin/env node
// `npx headroom …`: the compiled CLI (built by `npm run build`, which `npm start` runs), or the
// TypeScript source through tsx when it has not been built. Either runs in this process — not a child —
// so that SIGTERM and SIGINT reach the server's own handlers (drain, final spend flush).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const compiled = join(root, 'dist', 'cli.js')
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(join(root, 'src', 'cli.ts')).href)
}
