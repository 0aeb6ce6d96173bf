/**
 * A tool call's `arguments` (a JSON string) → a `tool_use` block's `input` (an object). A model can write
 * arguments that are not a JSON object (cut off by max_tokens, or just wrong). Dropping them would hide
 * what the model said, and `{}` would run the tool with nothing; so the text is kept, wrapped the way
 * Anthropic's docs suggest for invalid tool JSON: `{"INVALID_JSON": "<the text>"}`. The client's tool
 * then fails on an input it can show the model, which can correct itself. ("Handling invalid JSON in tool
 * responses": https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/fine-grained-tool-streaming)
 */
export function toolInput(args: string): Record<string, unknown> {
  // Streamed calls without arguments arrive as "": an empty input, not bad JSON.
  if (args.trim() === '') return {}
  try {
    const v: unknown = JSON.parse(args)
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // not JSON: kept below
  }
  return { INVALID_JSON: args }
}
