import { describe, expect, it } from 'vitest'
import type { OpenAIErrorBody } from '../../providers/openai-schema.ts'
import { type ErrorIn, encodeError } from './encode-error.ts'

describe('encodeError: the router error, in the shape chat completions use too', () => {
  it.each<[number, ErrorIn, OpenAIErrorBody['error']]>([
    [
      400,
      { message: 'Bad', type: 'invalid_request_error', code: 'invalid_value', param: 'input' },
      { message: 'Bad', type: 'invalid_request_error', param: 'input', code: 'invalid_value' },
    ],
    [404, { message: 'No such model' }, { message: 'No such model', type: 'not_found_error', param: null, code: null }],
    [
      429,
      { message: 'Slow down', code: 'rate_limit_exceeded' },
      { message: 'Slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
    ],
  ])('%i', (status, err, error) => {
    expect(encodeError(status, err)).toEqual({ status, body: { error } })
  })
})
