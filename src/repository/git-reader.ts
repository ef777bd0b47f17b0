/**
 * RepoFiles from a local git checkout: no API calls, no rate limits, and exact answers for any
 * two commits the checkout has (or can fetch).
 */
import { assertRev, type Git } from './git.js'
import {
  explainDiffOf,
  short,
  sourceName,
  type CommitNames,
  type DiffOutcome,
  type ExplainingRepoFiles,
  type FileChange,
  type FileEntry,
  type FileListing,
  type FileMode,
  type RepoFiles
} from './files.js'

export interface GitFilesOptions {
  log?: (msg: string) => void
  /**
   * Sources × destinations above this square skip inexact rename detection. Git's default (1000)
   * is easily reached by moving a folder; the matrix cost grows with the square, so keep a bound.
   */
  renameLimit?: number
  /**
   * Asked for the listing of a commit, or a blob, that the checkout lacks and cannot fetch (a
   * pull_request_target head when the fetch is refused, blobs named by the compare API). Without
   * it those reads fail.
   */
  fallback?: RepoFiles
}

export interface GitFiles extends ExplainingRepoFiles {
  readonly kind: 'git'
  readonly git: Git
  /** The reader asked for what the checkout cannot answer. */
  readonly fallback?: RepoFiles
}

const GITLINK = '160000'

/** Split NUL-terminated output into its records, each decoded on its own. */
function records(out: Buffer): string[] {
  const parts: string[] = []
  let start = 0
  for (let i = out.indexOf(0, start); i !== -1; i = out.indexOf(0, start)) {
    parts.push(out.toString('utf8', start, i))
    start = i + 1
  }
  if (start < out.length) parts.push(out.toString('utf8', start))
  return parts
}

/**
 * Parse `git diff --raw -z`: each change is a header `:oldmode newmode oldsha newsha status`
 * followed by one path, or two (source, destination) for renames and copies.
 */
export function parseRawDiff(out: Buffer): FileChange[] {
  const fields = records(out)
  const changes: FileChange[] = []
  for (let i = 0; i < fields.length;) {
    const header = fields[i++] ?? ''
    const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(header)
    if (!m) throw new Error(`unexpected git diff --raw record: ${JSON.stringify(header)}`)
    const [, oldMode, newMode, , newSha, status] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string
    ]
    const twoPaths = status === 'R' || status === 'C'
    const first = fields[i++]
    const second = twoPaths ? fields[i++] : undefined
    if (first === undefined || (twoPaths && second === undefined)) {
      throw new Error(`truncated git diff --raw output after ${JSON.stringify(header)}`)
    }
    const path = second ?? first
    const present = { path, blobSha: newSha, mode: newMode }
    // Submodules (gitlinks) are commits, not files: a path that becomes or stops being one is
    // a deletion or an addition of the file on the other side.
    const oldLink = oldMode === GITLINK
    const newLink = newMode === GITLINK
    switch (status) {
      case 'A':
      case 'C':
        if (!newLink) changes.push({ status: 'added', ...present })
        break
      case 'M':
      case 'T':
        if (oldLink && newLink) break
        if (newLink) changes.push({ status: 'deleted', path })
        else if (oldLink) changes.push({ status: 'added', ...present })
        else changes.push({ status: 'modified', ...present })
        break
      case 'D':
        if (!oldLink) changes.push({ status: 'deleted', path })
        break
      case 'R':
        changes.push({ status: 'renamed', previousPath: first, ...present })
        break
      default:
        // U (unmerged) and X (unknown) cannot occur between two commits.
        throw new Error(`unexpected git diff status ${status} for ${JSON.stringify(path)}`)
    }
  }
  return changes
}

/** Parse `git ls-tree -r -z`: `<mode> <type> <sha>\t<path>` per record; blobs only. */
export function parseLsTree(out: Buffer): FileEntry[] {
  const files: FileEntry[] = []
  for (const record of records(out)) {
    const tab = record.indexOf('\t')
    const [mode, type, sha] = record.slice(0, tab).split(' ')
    if (tab === -1 || !mode || !type || !sha) {
      throw new Error(`unexpected git ls-tree record: ${JSON.stringify(record)}`)
    }
    if (type === 'blob') files.push({ path: record.slice(tab + 1), blobSha: sha, mode })
  }
  return files
}

/** `git diff --raw` between two local commits. */
async function rawDiff(
  git: Git,
  base: string,
  head: string,
  renameLimit: number,
  log?: (msg: string) => void
): Promise<FileChange[]> {
  const res = await git.run([
    'diff',
    '--raw',
    '-z',
    '-M',
    `-l${renameLimit}`,
    '--no-abbrev',
    '--no-ext-diff',
    '--no-textconv',
    // A repository's diff.relative would otherwise cut paths to the current directory.
    '--no-relative',
    base,
    head,
    '--'
  ])
  const warning = res.stderr.toString('utf8').trim()
  // Git still answers when it gives up on renames, reporting them as deletion plus addition:
  // correct, only less tidy, so say so rather than fail.
  if (warning) log?.(`git diff ${short(base)} ${short(head)}: ${warning}`)
  return parseRawDiff(res.stdout)
}

/** The modes of some paths at a commit, submodules (commits) included: their mode marks them. */
async function lsTreeModes(
  git: Git,
  commit: string,
  paths: readonly string[]
): Promise<Map<string, FileMode>> {
  assertRev(commit)
  const found = new Map<string, FileMode>()
  // In slices, so that no command line grows past the system's limit.
  for (let i = 0; i < paths.length; i += 500) {
    const slice = paths.slice(i, i + 500).map(p => `:(literal)${p}`)
    const res = await git.run(['ls-tree', '-z', '--full-tree', commit, '--', ...slice])
    for (const record of records(res.stdout)) {
      const tab = record.indexOf('\t')
      if (tab > 0) found.set(record.slice(tab + 1), record.slice(0, record.indexOf(' ')))
    }
  }
  return found
}

export function createGitFiles(git: Git, options: GitFilesOptions = {}): GitFiles {
  const renameLimit = options.renameLimit ?? 10000
  const via = options.fallback?.kind === 'api' ? 'the REST API' : 'the fallback reader'

  /** Make sure a commit is local, fetching it when a shallow checkout lacks it. */
  async function ensureCommit(sha: string): Promise<boolean> {
    if (await git.hasCommit(sha)) return true
    options.log?.(`commit ${short(sha)} is not in the checkout; fetching it`)
    return git.fetchCommit(sha)
  }

  /**
   * The diff from git, else from the fallback (the compare API), saying which answered and why:
   * the one place where a diff falls back. `log` is left out for quiet look-ups.
   */
  async function diffOrFallback(
    base: string,
    head: string,
    names: CommitNames,
    log?: (msg: string) => void
  ): Promise<DiffOutcome> {
    let first: DiffOutcome
    try {
      first = await gitDiff(base, head, names)
    } catch (error) {
      // A checkout failing in an unexpected way should not sink a run the API can still serve.
      if (!options.fallback) throw error
      first = { why: `git failed: ${error instanceof Error ? error.message : String(error)}` }
    }
    if (first.changes || !options.fallback) return first
    const between = `between ${short(base)} and ${short(head)}`
    log?.(`git cannot diff ${between}: ${first.why}`)
    const second = await explainDiffOf(options.fallback, base, head, names)
    const name = sourceName(options.fallback)
    if (second.changes) return { changes: second.changes, via: `from ${name}; ${first.why}` }
    log?.(`${name} cannot diff ${between} either: ${second.why}`)
    return { why: `${first.why}; ${second.why}`, logged: log !== undefined }
  }

  async function gitDiff(base: string, head: string, names: CommitNames): Promise<DiffOutcome> {
    assertRev(base)
    assertRev(head)
    for (const [sha, name] of [
      [base, names.base ?? 'base commit'],
      [head, names.head ?? 'head commit']
    ] as const) {
      if (!(await ensureCommit(sha))) {
        return { why: `${name} ${short(sha)} is not in the checkout and could not be fetched` }
      }
    }
    return { changes: await rawDiff(git, base, head, renameLimit, options.log) }
  }

  return {
    kind: 'git',
    git,
    fallback: options.fallback,
    explainDiff: (base, head, names = {}, log) => diffOrFallback(base, head, names, log),

    async diff(base, head) {
      return (await diffOrFallback(base, head, {})).changes
    },

    async listFiles(commit): Promise<FileListing> {
      assertRev(commit)
      if (!(await ensureCommit(commit)) && options.fallback) {
        options.log?.(`listing ${short(commit)} through ${via} instead`)
        return options.fallback.listFiles(commit)
      }
      const res = await git.run(['ls-tree', '-r', '-z', '--full-tree', commit])
      return { files: parseLsTree(res.stdout), complete: true }
    },

    modes: (commit, paths) => lsTreeModes(git, commit, paths),

    async readBlob(blobSha) {
      assertRev(blobSha)
      // One git process per blob; a missing object is the rare case, so ask git first.
      const res = await git.run(['cat-file', 'blob', blobSha], {
        allowFailure: options.fallback !== undefined
      })
      if (res.code === 0) return res.stdout
      options.log?.(`blob ${short(blobSha)} is not in the checkout; reading it through ${via}`)
      return (options.fallback as RepoFiles).readBlob(blobSha)
    }
  }
}
