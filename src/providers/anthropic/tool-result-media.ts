/**
 * The media of tool results, back where Anthropic takes them: inside the `tool_result` block
 * (https://docs.anthropic.com/en/api/messages, tool_result `content`: text, image and document blocks).
 * The canonical request carries them in a user message after the tool messages, each result's media after
 * a marker naming its call (../tool-media.ts); here each such run joins the `tool_result` of the user turn
 * just built, whose notes of them are dropped. Anything else in the message stays as it was.
 */
import type {
  ContentBlockParam,
  DocumentBlockParam,
  ImageBlockParam,
  TextBlockParam,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages'
import type { UserContent } from '../openai-schema.ts'
import { attachedFromId, withoutNotes } from '../tool-media.ts'

type ResultBlock = TextBlockParam | ImageBlockParam | DocumentBlockParam

/**
 * `parts` of a user message that follows `turn` (the user turn holding the tool results): the parts left
 * once the media after each marker have joined their `tool_result`. `convert` turns one part into blocks.
 */
export function foldToolMedia(
  parts: readonly UserContent[],
  turn: ContentBlockParam[],
  convert: (p: UserContent, j: number) => ContentBlockParam[],
): Array<readonly [UserContent, number]> {
  const rest: Array<readonly [UserContent, number]> = []
  let into: ResultBlock[] | null = null
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j] as UserContent
    if (p.type === 'text') {
      const id = attachedFromId(p.text)
      const result = turn.find((b): b is ToolResultBlockParam => b.type === 'tool_result' && b.tool_use_id === id)
      into = result === undefined ? null : (result.content = resultBlocks(result.content))
      if (into === null) rest.push([p, j])
    } else if (into !== null && (p.type === 'image_url' || p.type === 'file')) {
      into.push(...(convert(p, j) as ResultBlock[]))
    } else rest.push([p, j])
  }
  return rest
}

/** A tool_result's content as blocks, without the notes of the media now beside them. */
function resultBlocks(content: ToolResultBlockParam['content']): ResultBlock[] {
  const blocks = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : (content ?? [])
  const out: ResultBlock[] = []
  for (const b of blocks as ResultBlock[]) {
    if (b.type !== 'text') out.push(b)
    else {
      const text = withoutNotes(b.text)
      if (text !== '') out.push({ ...b, text })
    }
  }
  return out
}
