import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages'
import { describe, expect, it } from 'vitest'
import type { UserContent } from '../openai-schema.ts'
import { foldToolMedia } from './tool-result-media.ts'

const IMG = (url: string): UserContent => ({ type: 'image_url', image_url: { url } })
const text = (t: string): UserContent => ({ type: 'text', text: t })
const convert = (p: UserContent): ContentBlockParam[] =>
  p.type === 'image_url' ? [{ type: 'image', source: { type: 'url', url: p.image_url.url } }] : []

describe('foldToolMedia', () => {
  it('moves the media after a marker into its tool_result, dropping the notes; the rest stays', () => {
    const turn: ContentBlockParam[] = [
      { type: 'tool_result', tool_use_id: 'call_1', content: 'a chart:\n[image attached below]' },
      { type: 'tool_result', tool_use_id: 'call_2', content: 'plain' },
    ]
    const parts = [
      text('[attached from the tool result call_1]'),
      IMG('https://x/1.png'),
      text('and this one, mine'),
      IMG('https://x/2.png'),
    ]
    const rest = foldToolMedia(parts, turn, convert)
    expect(turn[0]).toEqual({
      type: 'tool_result',
      tool_use_id: 'call_1',
      content: [
        { type: 'text', text: 'a chart:' },
        { type: 'image', source: { type: 'url', url: 'https://x/1.png' } },
      ],
    })
    expect(turn[1]).toEqual({ type: 'tool_result', tool_use_id: 'call_2', content: 'plain' })
    expect(rest).toEqual([
      [parts[2], 2],
      [parts[3], 3],
    ])
  })

  it('leaves a marker that names no tool_result of the turn as the text it is', () => {
    const turn: ContentBlockParam[] = [{ type: 'tool_result', tool_use_id: 'call_1', content: 'x' }]
    const parts = [text('[attached from the tool result call_9]'), IMG('https://x/1.png')]
    expect(foldToolMedia(parts, turn, convert)).toEqual([
      [parts[0], 0],
      [parts[1], 1],
    ])
    expect(turn[0]).toEqual({ type: 'tool_result', tool_use_id: 'call_1', content: 'x' })
  })
})
