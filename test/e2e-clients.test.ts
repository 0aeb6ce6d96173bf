/**
 * The core cases with two more real OpenAI clients: LangChain's ChatOpenAI and the Vercel AI SDK's
 * OpenAI-compatible provider. They send requests the `openai` SDK doesn't (other defaults, other
 * fields, their own stream parsers), so they catch what one client alone would not.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages'
import { ChatOpenAI } from '@langchain/openai'
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type Stack, startStack, WEATHER_TOOL } from './harness.ts'

let stack: Stack
beforeAll(async () => {
  stack = await startStack()
})
afterAll(async () => {
  await stack?.close()
})

const MODELS = ['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash']

describe.each(MODELS)('LangChain ChatOpenAI → %s', (model) => {
  const chat = () =>
    new ChatOpenAI({ model, apiKey: 'client-key', configuration: { baseURL: `${stack.hr.url}/v1` }, maxRetries: 0 })

  it('answers text', async () => {
    const r = await chat().invoke('reply: Bonjour tout le monde')
    expect(r.content).toBe('Bonjour tout le monde')
  })

  it('streams', async () => {
    let text = ''
    for await (const c of await chat().stream('reply: un deux trois')) text += String(c.content)
    expect(text).toBe('un deux trois')
  })

  it('calls a tool and takes its result back', async () => {
    const withTools = chat().bindTools([WEATHER_TOOL])
    const question = new HumanMessage('Weather in Paris?')
    const first = await withTools.invoke([question])
    expect(first.tool_calls?.[0]?.name).toBe('get_weather')
    const call = first.tool_calls![0]!
    const second = await withTools.invoke([
      question,
      first,
      new ToolMessage({ tool_call_id: call.id!, content: '{"temp_c":18}' }),
    ])
    expect(String(second.content)).toContain('18')
    expect(second).toBeInstanceOf(AIMessage)
  })

  it('answers JSON in JSON mode, with and without a schema', async () => {
    const structured = chat().withStructuredOutput(z.object({ city: z.string(), population: z.number().int() }), {
      method: 'jsonSchema',
    })
    const r = await structured.invoke('Give me a city as JSON.')
    expect(typeof r.city).toBe('string')
    expect(Number.isInteger(r.population)).toBe(true)
    const plain = await chat()
      .withConfig({ response_format: { type: 'json_object' } })
      .invoke('Give me any JSON object.')
    expect(() => JSON.parse(String(plain.content))).not.toThrow()
  })

  it('raises a typed error for an unknown model', async () => {
    const bad = new ChatOpenAI({
      model: 'no-such-model',
      apiKey: 'k',
      configuration: { baseURL: `${stack.hr.url}/v1` },
      maxRetries: 0,
    })
    await expect(bad.invoke('hi')).rejects.toThrow(/does not exist/)
  })
})

describe.each(MODELS)('Vercel AI SDK (openai-compatible) → %s', (model) => {
  const provider = () =>
    createOpenAICompatible({
      name: 'headroom',
      baseURL: `${stack.hr.url}/v1`,
      apiKey: 'client-key',
      includeUsage: true,
      supportsStructuredOutputs: true,
    })

  it('answers text with usage', async () => {
    const r = await generateText({ model: provider()(model), prompt: 'reply: hello from the AI SDK', maxRetries: 0 })
    expect(r.text).toBe('hello from the AI SDK')
    expect(r.finishReason).toBe('stop')
    expect(r.usage.outputTokens).toBeGreaterThan(0)
  })

  it('streams', async () => {
    const r = streamText({ model: provider()(model), prompt: 'reply: a stream of words', maxRetries: 0 })
    let text = ''
    for await (const t of r.textStream) text += t
    expect(text).toBe('a stream of words')
    expect((await r.usage).outputTokens).toBeGreaterThan(0)
  })

  it('runs a tool round trip', async () => {
    const r = await generateText({
      model: provider()(model),
      prompt: 'Weather in Paris?',
      maxRetries: 0,
      tools: {
        get_weather: tool({
          description: 'Current weather for a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => ({ city, temp_c: 23 }),
        }),
      },
      stopWhen: stepCountIs(2),
    })
    expect(r.steps[0]!.toolCalls[0]!.toolName).toBe('get_weather')
    expect(r.text).toContain('23')
  })

  it('generates an object from a JSON schema', async () => {
    const r = await generateObject({
      model: provider()(model),
      schema: z.object({ name: z.string(), age: z.number() }),
      prompt: 'A person as JSON.',
      maxRetries: 0,
    })
    expect(typeof r.object.name).toBe('string')
  })

  it('surfaces an upstream error', async () => {
    stack.sim.script('*', '*', [{ kind: 'server_error' }, { kind: 'server_error' }])
    await expect(generateText({ model: provider()(model), prompt: 'hi', maxRetries: 0 })).rejects.toThrow()
    stack.sim.reset()
  })
})
