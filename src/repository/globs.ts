/**
 * The `files` input: one glob a line, `!` to exclude. Patterns are matched against repository
 * path strings, not the disk, because a deleted file must still match to be pruned.
 */
import { braceExpand, GLOBSTAR, Minimatch } from 'minimatch'

export interface GlobSet {
  /** The patterns as given, one per line, comments and blank lines dropped. */
  readonly patterns: readonly string[]
  /** A path is in scope when it matches a positive pattern and no `!` pattern. */
  matches(path: string): boolean
}

/** Braces expand to at most this many patterns a line (`docs/{1..100000}.md` would hang the action). */
export const MAX_BRACE_EXPANSIONS = 1000
/** …holding at most this many characters in all (compiling costs time in proportion to them). */
export const MAX_EXPANDED_CHARS = 100_000
/** …nested at most this deep (each level is rescanned, so deep nesting is slow to expand). */
export const MAX_BRACE_DEPTH = 10

// dot: dotfiles match like any other file; nocase stays off, because git paths are case-sensitive.
// braceExpandMax: expansion stops one past the limit, so a line over it costs no more than that.
const OPTIONS = {
  dot: true,
  nocase: false,
  nonegate: true,
  nocomment: true,
  optimizationLevel: 2,
  braceExpandMax: MAX_BRACE_EXPANSIONS + 1
}

/** How deep unescaped braces nest in a pattern. */
function braceDepth(pattern: string): number {
  let depth = 0
  let deepest = 0
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\') i++
    else if (c === '{') deepest = Math.max(deepest, ++depth)
    else if (c === '}' && depth > 0) depth--
  }
  return deepest
}

/** Why a pattern's braces are refused, or undefined; never expands more than the limit. */
function braceProblem(pattern: string): string | undefined {
  // Formatted only when refusing: a number's first toLocaleString loads ICU's data (30 ms).
  const limits = () => `at most ${MAX_BRACE_EXPANSIONS.toLocaleString('en-US')} patterns a line`
  if (braceDepth(pattern) > MAX_BRACE_DEPTH) {
    return `nests braces more than ${MAX_BRACE_DEPTH} deep (the limit is ${MAX_BRACE_DEPTH} levels and ${limits()})`
  }
  // Without a brace there is nothing to expand (and expanding costs a cold start of its own).
  const expanded = pattern.includes('{')
    ? braceExpand(pattern, { braceExpandMax: MAX_BRACE_EXPANSIONS + 1 })
    : [pattern]
  if (expanded.length > MAX_BRACE_EXPANSIONS) {
    return `has braces that expand to more than ${MAX_BRACE_EXPANSIONS.toLocaleString('en-US')} patterns (the limit is ${limits()}); use a wildcard instead, e.g. "docs/*.md" rather than "docs/{1..5000}.md"`
  }
  const chars = expanded.reduce((sum, p) => sum + p.length, 0)
  if (chars > MAX_EXPANDED_CHARS) {
    return `has braces that expand to ${expanded.length} patterns of ${chars.toLocaleString('en-US')} characters in all (the limit is ${MAX_EXPANDED_CHARS.toLocaleString('en-US')} characters, and ${limits()}); use fewer alternatives or a wildcard`
  }
  return undefined
}

/**
 * The literal of a one-segment glob `*<literal>`, or undefined for any other. The literal has no
 * character a glob gives a meaning (nor a `/`), and is not dots alone: `*` matches any run of
 * characters, the empty one included (with `dot`), but never makes a `.` or `..` segment.
 */
function starSuffix(glob: unknown): string | undefined {
  if (typeof glob !== 'string' || !glob.startsWith('*')) return undefined
  const literal = glob.slice(1)
  return /^[^*?[\]{}()!+@\\/]*[^*?[\]{}()!+@\\/.][^*?[\]{}()!+@\\/]*$/.test(literal)
    ? literal
    : undefined
}

/** Throws an Error whose message completes "Input 'files' …" when a line is unusable. */
export function compileGlobs(text: string): GlobSet {
  const lines = text
    .split(/\r?\n/)
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
  const patterns = lines.map(l => l.line)

  const include: Minimatch[] = []
  const exclude: Minimatch[] = []
  for (const { line, number } of lines) {
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
    const braces = braceProblem(pattern)
    if (braces) throw new Error(`line ${number} ${braces}; got ${JSON.stringify(line)}.`)
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
  // What Minimatch.match does, with the path split once for every pattern rather than once for
  // each: a git path has no empty, '.' or '..' segment, so splitting at '/' is its split. For the
  // same reason, with dotfiles matched, `**/<segment>` (the default `**/*.md`) matches exactly
  // the paths whose last segment matches <segment>: one segment compared, not every suffix, and
  // the path not split at all.
  type Test = (path: string, parts: string[]) => boolean
  let splits = false
  const tests = (m: Minimatch): Test[] =>
    m.set.map((p): Test => {
      if (p.length === 2 && p[0] === GLOBSTAR && p[1] !== GLOBSTAR) {
        // matchOne on one segment is this comparison (a literal, a RegExp, or false for a part
        // that can never match), without its per-call work on the path (it copies and reduces
        // the segments, 100,000 times on a large repository).
        const segment = p[1]
        const last = (path: string) => path.slice(path.lastIndexOf('/') + 1)
        if (typeof segment === 'string') return path => last(path) === segment
        if (!(segment instanceof RegExp)) return () => false
        // `*<literal>` (`*.md`): the last segment ends with the literal exactly when the path
        // does, the literal holding no `/`. Known by the glob minimatch compiled (`_glob`).
        const suffix = starSuffix((segment as { _glob?: unknown })._glob)
        if (suffix !== undefined) return path => path.endsWith(suffix)
        return path => segment.test(last(path))
      }
      splits = true
      return (_, parts) => m.matchOne(parts, p)
    })
  // A path matches a pattern when it matches any of its sets (braces make several).
  const includes = include.flatMap(tests)
  const excludes = exclude.flatMap(tests)
  const NOT_SPLIT: string[] = []
  return {
    patterns,
    // Loops, not closures: this runs for every path of the repository and of the Space.
    matches: path => {
      const parts = splits ? path.split('/') : NOT_SPLIT
      let included = false
      for (const test of includes) {
        if (test(path, parts)) {
          included = true
          break
        }
      }
      if (!included) return false
      for (const test of excludes) if (test(path, parts)) return false
      return true
    }
  }
}
