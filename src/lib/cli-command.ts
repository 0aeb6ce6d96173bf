/**
 * What every `headroom` command shares, on commander (https://github.com/tj/commander.js): `--help` and
 * `--version` answered with exit 0, and every usage error — commander's own (an unknown option, a missing
 * value) or one a command's action throws — turned into one UsageError line that says where to look.
 */
import { createRequire } from 'node:module'
import { Command, CommanderError } from 'commander'
import { UserError } from './user-error.ts'

/** package.json sits two levels above both src/lib/ and dist/lib/. */
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends UserError {
  override readonly name = 'UsageError'
  readonly exitCode = 2
}

/** Where a command's help goes (stdout unless a test collects it). */
export type Write = (text: string) => void
const stdout: Write = (text) => void process.stdout.write(text)

/** A command with the shared settings; `examples` end its help. */
export function headroomCommand(
  name: string,
  summary: string,
  examples: readonly string[],
  out: Write = stdout,
): Command {
  return (
    new Command(name)
      .description(summary)
      .version(VERSION, '-V, --version', 'print the version')
      .helpOption('-h, --help', 'print this help')
      .addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n`)
      // Commander's error output (two lines, `error: …`, help on stderr) is replaced by runCli's one line.
      .configureOutput({ writeOut: out, writeErr: () => {}, outputError: () => {} })
      .exitOverride()
  )
}

/** `headroom` with its commands; bare `headroom` prints this help. */
export function headroomProgram(commands: readonly Command[], out: Write = stdout): Command {
  const program = headroomCommand(
    'headroom',
    'An OpenAI-compatible router for OpenAI, Anthropic and Gemini.',
    [
      'npx headroom start --port 8080',
      'npx headroom check routes.yaml --strict',
      'npx headroom spend --since today --by model',
      'npx headroom help spend',
    ],
    out,
  )
  for (const c of commands) program.addCommand(c)
  return program.helpCommand('help [command]', 'print the help of a command')
}

/**
 * Runs `headroom <argv>`. Resolves after the command's action, or after printing help or the version;
 * rejects with UsageError for a bad command line, otherwise with what the action threw.
 */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  if (argv.length === 0) {
    program.outputHelp()
    return
  }
  // The command whose action runs: an action's UsageError names its help.
  let running: Command = program
  program.hook('preAction', (_program, action) => void (running = action))
  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return // --help, --version
      throw new UsageError(`${commanderMessage(err)}; see ${helpFor(program, argv)}`, { cause: err })
    }
    if (err instanceof UsageError)
      throw new UsageError(`${err.message}; see ${commandPath(running)} --help`, { cause: err })
    throw err
  }
}

/**
 * One command on its own, as `headroom <name> <argv>` (its help and errors name it so): for tests and callers that need
 * one.
 */
export function runCommand(command: Command, argv: readonly string[]): Promise<void> {
  return runCli(headroomProgram([command]), [command.name(), ...argv])
}

/** Commander's message as one line, without its `error: ` prefix. */
function commanderMessage(err: CommanderError): string {
  if (err.code === 'commander.help') return 'no such command' // `headroom help nope`
  return err.message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)$/, ' (did you mean $1?)')
    .replace(/ argument missing$/, ' needs a value')
    .replace(
      /^too many arguments for '(.*)'\. Expected (\d+) arguments? but got \d+\.$/,
      'too many arguments: $1 takes at most $2',
    )
    .replace(/\.$/, '')
}

/** The help that answers an error: the command named on the command line if there is one, else the program's. */
function helpFor(program: Command, argv: readonly string[]): string {
  const sub = program.commands.find((c) => c.name() === argv[0])
  return `${sub ? commandPath(sub) : program.name()} --help`
}

function commandPath(cmd: Command): string {
  return cmd.parent ? `${commandPath(cmd.parent)} ${cmd.name()}` : cmd.name()
}
