import { describe, expect, it } from 'vitest'
import { compileConfig } from './compile.ts'
import { parseConfig } from './load.ts'
import { unpricedTargets, warnUnpricedTargets } from './unpriced-targets.ts'

function compiled(routes: string, models = ''): ReturnType<typeof compileConfig> {
  const yaml = `providers:
  openai: { type: openai, api_key: sk-test-aaaaaaaa, keys: [sk-test-bbbbbbbb] }
  anthropic: { type: anthropic, api_key: sk-ant-test-aaaaaaaa }
  local: { type: openai-compatible, base_url: "http://127.0.0.1:1/v1", api_key: x }
${models}
routes:
${routes}`
  return compileConfig(parseConfig(yaml, 'routes.yaml', {}))
}

describe('unpricedTargets', () => {
  it('names every route target without a price, once each (a provider with two keys included), in route order', () => {
    const cfg = compiled(`  a: { targets: [openai/gpt-4.1-mini, openai/my-finetune, anthropic/claude-next] }
  b: { targets: [local/llama-3.1-8b, openai/my-finetune, anthropic/claude-sonnet-4-5] }`)
    expect(unpricedTargets(cfg)).toEqual(['openai/my-finetune', 'anthropic/claude-next', 'local/llama-3.1-8b'])
  })

  it('counts a model priced under models: as priced, and a -preview of a priced model as unpriced', () => {
    const cfg = compiled(
      `  a: { targets: [local/llama-3.1-8b, openai/gpt-4o-search-preview, openai/gpt-4o] }`,
      `models:\n  local/llama-3.1-8b: { input: 0.05, output: 0.08 }`,
    )
    expect(unpricedTargets(cfg)).toEqual(['openai/gpt-4o-search-preview'])
  })

  it('warns in one line listing them, and not at all when everything is priced', () => {
    const lines: Array<{ msg: string; fields: unknown }> = []
    const log = {
      info: () => {},
      error: () => {},
      warn: (msg: string, fields?: unknown) => lines.push({ msg, fields }),
    }
    warnUnpricedTargets(compiled(`  a: { targets: [openai/gpt-4.1-mini] }`), log)
    expect(lines).toEqual([])
    warnUnpricedTargets(compiled(`  a: { targets: [openai/o1-mini, anthropic/claude-next] }`), log)
    expect(lines).toHaveLength(1)
    expect(lines[0]!.msg).toMatch(/^unpriced route targets \(openai\/o1-mini, anthropic\/claude-next\): .*models:/)
    expect(lines[0]!.fields).toEqual({ targets: ['openai/o1-mini', 'anthropic/claude-next'] })
  })
})
