/**
 * The one way out to the log. Every line passes through `forLog` here, whatever it holds, so a
 * file name or a GitHub message inside it can never act as a workflow command; lint forbids
 * `@actions/core`'s printing functions and `console` everywhere else in `src/`.
 */
import * as core from '@actions/core'
import { forLog } from './untrusted.js'

export type Log = (line: string) => void

/** A log that neutralises each line before handing it to `sink` (the runner's stdout by default). */
export function safeLog(sink: Log = line => core.info(line)): Log {
  return line => sink(forLog(line))
}

export const info: Log = safeLog()

/** A notice annotation. */
export const notice: Log = line => core.notice(forLog(line))

/** A warning annotation. */
export const warning: Log = line => core.warning(forLog(line))

/** An error annotation. */
export const error: Log = line => core.error(forLog(line))

/**
 * An error annotation with a title, shown on `file` when the path can travel as a property as it
 * is: @actions/core escapes `%`, CR, LF, `:` and `,` there, and a path the log would have to
 * neutralise (a control character, `##[`) gets no `file=` and stays in the message, neutralised there.
 */
export function annotateError(line: string, at: { title: string; file?: string }): void {
  const file = at.file !== undefined && forLog(at.file) === at.file ? at.file : undefined
  core.error(forLog(line), { title: forLog(at.title), ...(file !== undefined ? { file } : {}) })
}

/** Fails the step with this message (an error annotation, and exit code 1). */
export const fail: Log = line => core.setFailed(forLog(line))

/** Fails the step (exit code 1) with this line in the log: each failure has its annotation. */
export const failStep: Log = line => {
  info(line)
  process.exitCode = core.ExitCode.Failure
}

/** A collapsible group in the log. */
export function group<T>(title: string, fn: () => Promise<T>): Promise<T> {
  return core.group(forLog(title), fn)
}
