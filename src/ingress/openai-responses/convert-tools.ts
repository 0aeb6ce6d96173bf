/**
 * The Responses API's `tools` and `tool_choice` → chat completions'. Function tools are flat there
 * (`{type:'function', name, parameters}`) and nested in chat (`{type:'function', function:{…}}`); built-in
 * tools (web_search, file_search, computer_use, code_interpreter, mcp, custom…) run at OpenAI and have no
 * chat-completions form, so they are a 400 naming the tool.
 *
 * `strict`: left out, the Responses API turns strict mode on and normalises the schema for it, where chat
 * completions stay non-strict. Headroom sends the schema as it is, and says so in a warning.
 * Reference: https://platform.openai.com/docs/guides/function-calling
 */

import { ApiError } from '../../lib/api-error.ts'
import type { ChatRequest, ToolDef } from '../../providers/openai-schema.ts'
import { missing, parseAt, unsupported } from './describe-issue.ts'
import { FunctionTool, type ResponseCreateBodyT } from './request-schema.ts'

export interface ConvertedTools {
  tools?: ToolDef[]
  tool_choice?: ChatRequest['tool_choice']
  parallel_tool_calls?: boolean
}

type Body = Pick<ResponseCreateBodyT, 'tools' | 'tool_choice' | 'parallel_tool_calls'>

/** Throws the 400 (ApiError) for a tool or a tool choice chat completions cannot express. */
export function convertTools(body: Body, warnings: string[]): ConvertedTools {
  const tools: ToolDef[] = []
  const lax: string[] = []
  for (const [i, raw] of (body.tools ?? []).entries()) {
    if (raw.type !== 'function') {
      const why = `the built-in tool '${raw.type}': Headroom translates function tools only (chat runs no tools)`
      throw unsupported(`tools[${i}].type`, why, 'unsupported_value')
    }
    const t = parseAt(FunctionTool, raw, ['tools', i])
    const fn: ToolDef['function'] = { name: t.name }
    if (t.description != null) fn.description = t.description
    if (t.parameters != null) fn.parameters = t.parameters
    if (t.strict != null) fn.strict = t.strict
    else lax.push(t.name)
    tools.push({ type: 'function', function: fn })
  }
  if (lax.length > 0) {
    warnings.push(`tools: no strict set for ${lax.join(', ')}; sent non-strict (the chat default), the schema as it is`)
  }
  const out: ConvertedTools = {}
  const choice = toolChoice(body.tool_choice, tools)
  // Without tools, 'auto', 'none' and parallel_tool_calls change nothing: not sent (chat completions refuse them).
  if (tools.length === 0) return out
  out.tools = tools
  if (choice !== undefined) out.tool_choice = choice
  if (body.parallel_tool_calls != null) out.parallel_tool_calls = body.parallel_tool_calls
  return out
}

function toolChoice(choice: Body['tool_choice'], tools: readonly ToolDef[]): ChatRequest['tool_choice'] {
  if (choice == null) return undefined
  if (typeof choice === 'string') {
    if (choice === 'required' && tools.length === 0) throw onlyWithTools()
    return choice
  }
  if (choice.type !== 'function') {
    const why = `'${choice.type}': Headroom translates function tools only`
    throw unsupported('tool_choice.type', why, 'unsupported_value')
  }
  const name = choice.name
  if (name == null) throw missing('tool_choice.name')
  if (tools.length === 0) throw onlyWithTools()
  if (!tools.some((t) => t.function.name === name)) {
    const message = `Invalid value for 'tool_choice': function '${name}' is not among the 'tools' provided.`
    throw new ApiError(400, message, 'invalid_value', 'tool_choice')
  }
  return { type: 'function', function: { name } }
}

function onlyWithTools(): ApiError {
  const message = "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified."
  return new ApiError(400, message, null, 'tool_choice')
}
