#!/usr/bin/env node
// `npx headroom …`: the compiled CLI (built by `npm run build`, which `npm start` runs), or the
// TypeScript source through tsx when it has not been built.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const compiled = join(root, 'dist', 'cli.js')
const args = existsSync(compiled)
  ? [compiled, ...process.argv.slice(2)]
  : ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...process.argv.slice(2)]
const r = spawnSync(process.execPath, args, { stdio: 'inherit' })
process.exit(r.status ?? 1)
