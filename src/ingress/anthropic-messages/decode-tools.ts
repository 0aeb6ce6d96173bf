/**
 * Anthropic `tools` and `tool_choice` → OpenAI function tools, `tool_choice` and `parallel_tool_calls`.
 * https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#forcing-tool-use
 *
 * | Anthropic                               | OpenAI                                        |
 * |-----------------------------------------|-----------------------------------------------|
 * | `{name, description, input_schema}`     | `{type: function, function: {name, description, parameters}}` |
 * | `tool_choice: auto`                     | `auto`                                        |
 * | `tool_choice: any`                      | `required`                                    |
 * | `tool_choice: {type: tool, name}`       | `{type: function, function: {name}}`          |
 * | `tool_choice: none`                     | `none`                                        |
 * | `disable_parallel_tool_use: true`       | `parallel_tool_calls: false`                  |
 * | a tool with a versioned `type` (server tools, Anthropic-defined client tools) | refused |
 */
import type { ChatRequest, ToolDef } from '../../providers/openai-schema.ts'
import { onlyAnthropic, Refusal } from './refusal.ts'
import type { CustomToolT, MessagesRequest, ToolT } from './request-schema.ts'

type DecodedTools = Pick<ChatRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'>

const DEFINED_BY_ANTHROPIC =
  'Anthropic defines it (run on its servers, or trained into Claude), and other providers have no such tool'

const isCustom = (t: ToolT): t is CustomToolT => t.type == null || t.type === 'custom'

export function decodeTools(req: Pick<MessagesRequest, 'tools' | 'tool_choice'>): DecodedTools {
  const tools: ToolDef[] = (req.tools ?? []).map((t, i) => {
    // web_search, code_execution… run on Anthropic's servers; bash, text_editor, computer… are tools the
    // client runs, but with schemas and training only Claude has. Neither exists elsewhere.
    if (!isCustom(t)) throw new Refusal(`tools.${i}`, onlyAnthropic(`the ${t.type} tool`, DEFINED_BY_ANTHROPIC))
    const fn: ToolDef['function'] = { name: t.name, parameters: t.input_schema }
    if (t.description != null) fn.description = t.description
    if (t.strict != null) fn.strict = t.strict
    return { type: 'function', function: fn }
  })
  const out: DecodedTools = {}
  const choice = req.tool_choice
  if (tools.length === 0) {
    // Without tools, auto and none ask for what happens anyway; any and tool can't be obeyed.
    if (choice?.type === 'any' || choice?.type === 'tool') {
      throw new Refusal('tool_choice', `tool_choice.type "${choice.type}" requires tools`)
    }
    return out
  }
  out.tools = tools
  if (!choice) return out
  switch (choice.type) {
    case 'auto':
      out.tool_choice = 'auto'
      break
    case 'any':
      out.tool_choice = 'required'
      break
    case 'tool':
      out.tool_choice = { type: 'function', function: { name: choice.name } }
      break
    case 'none':
      out.tool_choice = 'none'
      return out
  }
  if (choice.disable_parallel_tool_use) out.parallel_tool_calls = false
  return out
}
