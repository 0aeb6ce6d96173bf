/**
 * How the canonical (chat completions) request carries the images and files of a tool result: OpenAI's
 * `tool` messages take text only (https://platform.openai.com/docs/api-reference/chat/create, tool message
 * `content`), so the ingresses leave a note in the tool message where each stood and move the media to one
 * user message after the turn's tool messages, each result's media after a marker naming its call. OpenAI
 * and Gemini are sent that; Anthropic's adapter puts the media back inside its `tool_result` blocks.
 */

/** The tool message's note where a piece of media stood: `[image attached below]`. */
export const attachedBelow = (what: string): string => `[${what} attached below]`

/** The user message's marker before a tool result's media. */
export const attachedFrom = (toolCallId: string): string => `[attached from the tool result ${toolCallId}]`

const FROM = /^\[attached from the tool result (.+)\]$/
const BELOW = /^\[.+ attached below\]$/

/** The call a marker names, or null for any other text. */
export function attachedFromId(text: string): string | null {
  return FROM.exec(text)?.[1] ?? null
}

/** A tool message's text without the notes `attachedBelow` left (its media are back beside it). */
export function withoutNotes(text: string): string {
  return text
    .split('\n')
    .filter((line) => !BELOW.test(line))
    .join('\n')
}
