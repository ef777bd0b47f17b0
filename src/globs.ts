/**
 * The `files` input: one glob a line, `!` to exclude. Patterns are matched against repository
 * path strings, not the disk, because a deleted file must still match to be pruned.
 */
import { Minimatch } from 'minimatch'

export interface GlobSet {
  /** The patterns as given, one per line, comments and blank lines dropped. */
  readonly patterns: readonly string[]
  /** A path is in scope when it matches a positive pattern and no `!` pattern. */
  matches(path: string): boolean
}

// dot: dotfiles match like any other file; nocase stays off, because git paths are case-sensitive.
const OPTIONS = { dot: true, nocase: false, nonegate: true, nocomment: true, optimizationLevel: 2 }

/** Throws an Error whose message completes "Input 'files' …" when a line is unusable. */
export function compileGlobs(text: string): GlobSet {
  const patterns = text
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'))

  const include: Minimatch[] = []
  const exclude: Minimatch[] = []
  for (const line of patterns) {
    const negated = line.startsWith('!')
    const pattern = negated ? line.slice(1) : line
    const problem =
      pattern === ''
        ? 'has a lone "!"; write the pattern to exclude after it, e.g. "!docs/drafts/**"'
        : pattern.startsWith('/')
          ? 'has a pattern starting with "/"; patterns are relative to the repository root, e.g. "docs/**/*.md"'
          : /(^|\/)\.\.(\/|$)/.test(pattern)
            ? 'has a pattern with ".."; only paths inside the repository can match'
            : pattern.endsWith('/')
              ? 'has a pattern ending in "/", which matches folders, never files; for every file below a folder write "docs/**"'
              : /(^|[^\\])(\\\\)*\\$/.test(pattern)
                ? 'has a pattern ending in a lone "\\" (an escape with nothing to escape)'
                : undefined
    if (problem) throw new Error(`${problem}; got ${JSON.stringify(line)}.`)
    const matcher = new Minimatch(pattern.replace(/^\.\//, ''), OPTIONS)
    const re = matcher.makeRe()
    // minimatch compiles what cannot match (an inverted range such as [z-a]) to this.
    if (re === false || re.source.includes('$.$')) {
      throw new Error(
        `has a pattern that is not a valid glob (it can never match a path, e.g. an inverted range like [z-a]); got ${JSON.stringify(line)}.`
      )
    }
    ;(negated ? exclude : include).push(matcher)
  }
  if (include.length === 0) {
    throw new Error(
      `needs at least one pattern that is not an exclusion (one glob a line, e.g. "**/*.md"); got ${JSON.stringify(text)}.`
    )
  }
  return {
    patterns,
    matches: path => include.some(m => m.match(path)) && !exclude.some(m => m.match(path))
  }
}
