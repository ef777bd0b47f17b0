/**
 * Text written by others (file names, file contents, event payloads, GitHub's own messages) is
 * data. The Actions runner acts on `::command::` at the start of a line and on the legacy
 * `##[command]` anywhere in one, and it splits lines at CR, LF and CRLF, so such text is made
 * inert before it reaches a destination the runner or a renderer reads.
 */

// C0 and C1 controls, DEL, the Unicode line and paragraph separators (each can end a line for
// some reader) and the bidirectional controls (they reorder what a person sees).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** Control characters shown visibly (`\n`, `\r`, `\t`, `\u001b` …); everything else as is. */
export function visible(text: string): string {
  return text.replace(
    CONTROL,
    c => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/**
 * A log line that cannot act as a workflow command: control characters shown visibly (so the
 * line stays one line), `##[` broken up, and a `::` at the line's start escaped.
 */
export function forLog(text: string): string {
  return visible(text)
    .replace(/#(?=#\[)/g, '\\u0023')
    .replace(/^(\s*):(?=:)/u, '$1\\u003a')
}
