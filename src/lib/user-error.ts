/**
 * A failure the user causes and can fix — a port in use, an unusable database file: its message says what
 * is wrong and what to do, and the CLI prints it as one line, without a stack trace.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError'
}
