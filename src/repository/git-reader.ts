/**
 * RepoFiles from a local git checkout: no API calls, no rate limits, and exact answers for any
 * two commits the checkout has (or can fetch).
 */
import { assertRev, GitError, type Git, type GitExit, type GitProcess } from './git.js'
import {
  changedPathsByDiff,
  explainDiffOf,
  short,
  sourceName,
  touchedPaths,
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
const REGULAR = /^100(644|755)$/

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

/**
 * Split NUL-terminated output into its records. Decoding it whole gives the same text as record
 * by record (a NUL byte is never part of a UTF-8 sequence) at a fraction of the cost.
 */
function records(out: Buffer): string[] {
  const parts = out.toString('utf8').split('\0')
  if (parts[parts.length - 1] === '') parts.pop()
  return parts
}

const RAW_HEADER = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/

/**
 * Parse `git diff --raw -z`: each change is a header `:oldmode newmode oldsha newsha status`
 * followed by one path, or two (source, destination) for renames and copies.
 */
export function parseRawDiff(out: Buffer): FileChange[] {
  const fields = records(out)
  return parseRawFields(fields, 0, false).changes
}

/**
 * Raw diff records from `fields[start]` on; with `stopAtOther`, up to the first field in a
 * header's place that is not a raw header (the next commit of `git diff-tree --stdin`).
 */
function parseRawFields(
  fields: readonly string[],
  start: number,
  stopAtOther: boolean
): { changes: FileChange[]; next: number } {
  const changes: FileChange[] = []
  let i = start
  while (i < fields.length) {
    const header = fields[i] ?? ''
    const m = RAW_HEADER.exec(header)
    if (!m && stopAtOther && !header.startsWith(':')) break
    i++
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
  return { changes, next: i }
}

/**
 * Parse `git diff-tree --stdin --always -r -z` fed `<head> <base>` lines: for each line, the
 * head's id and then that diff's raw records, in the order of the lines.
 */
export function parseDiffTreeStdin(out: Buffer, expected: number): FileChange[][] {
  const fields = records(out)
  const diffs: FileChange[][] = []
  let i = 0
  while (i < fields.length) {
    const id = fields[i++] ?? ''
    if (!/^[0-9a-f]{4,64}$/.test(id)) {
      throw new Error(`unexpected git diff-tree record: ${JSON.stringify(id)}`)
    }
    const { changes, next } = parseRawFields(fields, i, true)
    diffs.push(changes)
    i = next
  }
  if (diffs.length !== expected) {
    throw new Error(`git diff-tree --stdin answered ${diffs.length} of ${expected} diffs`)
  }
  return diffs
}

/** Parse `git ls-tree -r -z`: `<mode> <type> <sha>\t<path>` per record; blobs only. */
export function parseLsTree(out: Buffer): FileEntry[] {
  const files: FileEntry[] = []
  lsTreeRecords(out.toString('utf8'), files)
  return files
}

/** The modes git writes, each one string rather than a copy a record. */
const MODES = ['100644', '100755', '120000', '160000', '040000']

/**
 * The NUL-terminated `ls-tree` records of `text` (the last one may lack its NUL), each blob added
 * to `files`. Read in place, by offsets: a path and a sha are slices of the text, and nothing
 * else is made for a record (100,000 of them in a large repository).
 */
function lsTreeRecords(text: string, files: FileEntry[]): void {
  for (let at = 0; at < text.length;) {
    let end = text.indexOf('\0', at)
    if (end < 0) end = text.length
    const typeAt = text.indexOf(' ', at) + 1
    const shaAt = typeAt === 0 ? 0 : text.indexOf(' ', typeAt) + 1
    const tab = shaAt === 0 ? -1 : text.indexOf('\t', shaAt)
    if (typeAt === 0 || shaAt === 0 || tab <= shaAt || tab >= end) {
      throw new Error(`unexpected git ls-tree record: ${JSON.stringify(text.slice(at, end))}`)
    }
    if (text.startsWith('blob ', typeAt)) {
      const modeLength = typeAt - 1 - at
      let mode = MODES.find(m => m.length === modeLength && text.startsWith(m, at))
      mode ??= text.slice(at, typeAt - 1)
      files.push({ path: text.slice(tab + 1, end), blobSha: text.slice(shaAt, tab), mode })
    }
    at = end + 1
  }
}

/** How much of `git ls-tree`'s output is decoded at a time (see lsTreeAll). */
const LS_TREE_TEXT_BYTES = 256 * 1024

/**
 * Every file at a commit, `git ls-tree -r -z` parsed as git writes it: whole records of each
 * chunk as it comes, so that a listing of 100,000 files is never one 10 MB buffer and string, and
 * its parsing takes turns with the other work of the run (the Space's listing arriving).
 */
async function lsTreeAll(git: Git, commit: string): Promise<FileEntry[]> {
  const args = ['ls-tree', '-r', '-z', '--full-tree', commit]
  const proc = git.start(args)
  proc.hold(true)
  const files: FileEntry[] = []
  // Chunks are gathered to some 256 KiB before they are decoded: a path is a slice of the text it
  // was decoded from, which it keeps alive, and a text that large is never copied by the young
  // generation's collector (chunk-sized texts would be, twice each).
  let pending = Buffer.allocUnsafe(LS_TREE_TEXT_BYTES * 2)
  let used = 0
  const decode = (all: boolean) => {
    // A NUL byte is never part of a UTF-8 sequence: records up to the last one decode whole.
    const end = all ? used : pending.lastIndexOf(0, used - 1) + 1
    if (end > 0) lsTreeRecords(pending.toString('utf8', 0, end), files)
    pending.copy(pending, 0, end, used)
    used -= end
  }
  try {
    proc.stdin.end()
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      if (used + chunk.length > pending.length) {
        const larger = Buffer.allocUnsafe(Math.max(pending.length * 2, used + chunk.length))
        pending.copy(larger, 0, 0, used)
        pending = larger
      }
      chunk.copy(pending, used)
      used += chunk.length
      if (used >= LS_TREE_TEXT_BYTES) decode(false)
    }
    const rest = used > 0 && pending[used - 1] !== 0 ? pending.toString('utf8', 0, used) : undefined
    if (!rest && used > 0) decode(true)
    const exit = await proc.exited
    if (exit.code !== 0) {
      const code = exit.error
        ? ((exit.error as NodeJS.ErrnoException).code ?? exit.error.message)
        : (exit.code ?? exit.signal ?? undefined)
      throw new GitError(args, code, exit.stderr)
    }
    if (rest !== undefined) {
      const last = rest.slice(rest.lastIndexOf('\0') + 1)
      throw new Error(`unexpected git ls-tree record: ${JSON.stringify(last)}`)
    }
  } finally {
    proc.hold(false)
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

/** What `git cat-file --batch` answered for one name: the object, or why there is none. */
export type BatchAnswer = { type: string; content: Buffer } | { missing: string }

/**
 * `git cat-file --batch`, spoken to by one long-lived process: names written one a line, answers
 * read back in the same order, `<sha> <type> <size>\n<content>\n` or `<name> missing\n` (or
 * `ambiguous`). Requests are pipelined: many may be in flight at once, each answered in turn.
 * The process starts on the first read, holds Node only while an answer is awaited, ends after
 * a second idle or on `close`, and is started again by the next read; one that died fails the
 * reads it owed with a GitError.
 */
export interface CatFileBatch {
  /** The object a name (a full sha) points at. The name must hold no whitespace. */
  read(name: string): Promise<BatchAnswer>
  /** End the process once it has answered what it was asked. */
  close(): Promise<void>
}

interface Waiting {
  name: string
  resolve(answer: BatchAnswer): void
  reject(error: Error): void
}

const NEWLINE = 0x0a

/**
 * Idle this long, a `cat-file --batch` process ends (the next read starts another): a reader that
 * nobody closes, one per run in a test process of many runs, leaves no process behind for long.
 */
const BATCH_IDLE_MS = 1000

/** One `git cat-file --batch` process and the reads it owes. */
function batchSession(git: Git, onEnd: () => void) {
  const proc: GitProcess = git.start(['cat-file', '--batch'])
  const waiting: Waiting[] = []
  // Parser state: a header being gathered, or the content of an object being filled.
  let header: Buffer[] = []
  let object: { type: string; content: Buffer; filled: number } | undefined
  let broken: Error | undefined
  let idle: NodeJS.Timeout | undefined

  const close = () => {
    clearTimeout(idle)
    onEnd()
    proc.stdin.end()
  }

  const fail = (error: Error) => {
    clearTimeout(idle)
    broken ??= error
    for (const w of waiting.splice(0)) w.reject(broken)
    proc.hold(false)
    onEnd()
  }

  const answer = (a: BatchAnswer) => {
    const w = waiting.shift()
    if (!w) throw new Error(`git cat-file --batch answered more than it was asked`)
    w.resolve(a)
    if (waiting.length === 0) {
      proc.hold(false)
      idle = setTimeout(close, BATCH_IDLE_MS).unref()
    }
  }

  const onData = (chunk: Buffer) => {
    let i = 0
    while (i < chunk.length) {
      if (object) {
        const { content } = object
        if (object.filled < content.length) {
          const n = Math.min(content.length - object.filled, chunk.length - i)
          chunk.copy(content, object.filled, i, i + n)
          object.filled += n
          i += n
          continue
        }
        // The newline after the content.
        if (chunk[i] !== NEWLINE) throw new Error('no newline after an object')
        i++
        const { type } = object
        object = undefined
        answer({ type, content })
        continue
      }
      const nl = chunk.indexOf(NEWLINE, i)
      if (nl === -1) {
        header.push(chunk.subarray(i))
        break
      }
      header.push(chunk.subarray(i, nl))
      const line = Buffer.concat(header).toString('utf8')
      header = []
      i = nl + 1
      const m = /^[0-9a-f]+ ([a-z]+) (\d+)$/.exec(line)
      if (m) {
        object = { type: m[1]!, content: Buffer.allocUnsafe(Number(m[2])), filled: 0 }
      } else if (/^\S+ (missing|ambiguous)$/.test(line)) {
        answer({ missing: line })
      } else {
        throw new Error(`unexpected header ${JSON.stringify(line)}`)
      }
    }
  }

  proc.stdout.on('data', (chunk: Buffer) => {
    if (broken) return
    try {
      onData(chunk)
    } catch (error) {
      proc.kill()
      fail(new GitError(['cat-file', '--batch'], 'unreadable output', '', { cause: error }))
    }
  })
  void proc.exited.then((end: GitExit) => {
    const reason = end.error
      ? ((end.error as NodeJS.ErrnoException).code ?? end.error.message)
      : (end.code ?? end.signal ?? undefined)
    fail(
      new GitError(['cat-file', '--batch'], reason ?? 'exited', end.stderr, { cause: end.error })
    )
  })

  return {
    read(name: string): Promise<BatchAnswer> {
      if (broken) return Promise.reject(broken)
      return new Promise<BatchAnswer>((resolve, reject) => {
        clearTimeout(idle)
        if (waiting.length === 0) proc.hold(true)
        waiting.push({ name, resolve, reject })
        proc.stdin.write(`${name}\n`)
      })
    },
    async close() {
      close()
      await proc.exited
    }
  }
}

/** A `git cat-file --batch` reader over `git`; see CatFileBatch. */
export function createCatFileBatch(git: Git): CatFileBatch {
  let session: ReturnType<typeof batchSession> | undefined
  return {
    read(name) {
      if (/[\s\0]/.test(name) || !name) {
        return Promise.reject(new Error(`not a usable object name: ${JSON.stringify(name)}`))
      }
      if (!session) {
        const started = batchSession(git, () => {
          if (session === started) session = undefined
        })
        session = started
      }
      return session.read(name)
    },
    async close() {
      const ending = session
      session = undefined
      await ending?.close()
    }
  }
}

/**
 * What these names are here, from one `git cat-file --batch-check` fed `<name>` and
 * `<name>^{commit}` lines: the commit's full id (a tag's commit for a tag), null for an object
 * that is no commit, or undefined when the object is not here.
 */
async function commitIds(
  git: Git,
  names: readonly string[]
): Promise<Map<string, string | null | undefined>> {
  const found = new Map<string, string | null | undefined>()
  if (names.length === 0) return found
  const input = names.map(n => `${assertRev(n)}\n${n}^{commit}\n`).join('')
  const res = await git.run(['cat-file', '--batch-check'], { input })
  const lines = res.stdout.toString('utf8').split('\n')
  names.forEach((name, i) => {
    const here = /^[0-9a-f]+ [a-z]+ \d+$/.test(lines[2 * i] ?? '')
    const commit = /^([0-9a-f]+) commit \d+$/.exec(lines[2 * i + 1] ?? '')?.[1]
    found.set(name, commit ?? (here ? null : undefined))
  })
  return found
}

export function createGitFiles(git: Git, options: GitFilesOptions = {}): GitFiles {
  const renameLimit = options.renameLimit ?? 10000
  const via = options.fallback?.kind === 'api' ? 'the REST API' : 'the fallback reader'
  const blobs = createCatFileBatch(git)

  async function listFiles(commit: string): Promise<FileListing> {
    assertRev(commit)
    if (!(await ensureCommit(commit)) && options.fallback) {
      options.log?.(`listing ${short(commit)} through ${via} instead`)
      return options.fallback.listFiles(commit)
    }
    return { files: await lsTreeAll(git, commit), complete: true }
  }
  let listed: { commit: string; listing: Promise<FileListing> } | undefined

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
    if (second.changes) {
      // The fallback may have answered another way than its first (trees, not the compare API).
      const how = second.via ? `${second.via}, as ${first.why}` : `from ${name}; ${first.why}`
      return { changes: second.changes, via: how }
    }
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

  /**
   * The paths each base's diff to head touches, in a bounded number of git processes: which
   * bases are commits here (one `cat-file --batch-check`), one `git fetch` for those missing
   * (more only past a few hundred, or when the remote refuses some), which arrived (one more
   * `cat-file --batch-check`) and every diff from one `git diff-tree --stdin`. Renames need no
   * detection: a rename's two paths are a deletion and an addition without it. A base git
   * cannot get is asked of the fallback, one diff each, as `diff` would.
   */
  async function changedPaths(
    bases: readonly string[],
    head: string
  ): Promise<Map<string, ReadonlySet<string> | undefined>> {
    const result = new Map<string, ReadonlySet<string> | undefined>()
    const unique = [...new Set(bases)]
    if (unique.length === 0) return result
    // Bases are full shas (anything else is unknown to git here); head may be any commit name.
    const ids = [...new Set([...unique.filter(b => OBJECT_ID.test(b)), head])]
    let found: Map<string, string | null | undefined>
    try {
      found = await commitIds(git, ids)
      // An object that is here but is no commit (a blob's sha) is not worth a fetch.
      const missing = ids.filter(n => found.get(n) === undefined)
      if (missing.length > 0) {
        const listed = missing.slice(0, 5).map(short).join(', ')
        options.log?.(
          `${missing.length} commit(s) not in the checkout (${listed}${missing.length > 5 ? ', …' : ''}); fetching them`
        )
        await git.fetchCommits(missing)
        for (const [name, id] of await commitIds(git, missing)) found.set(name, id)
      }
    } catch (error) {
      options.log?.(`git cannot look up commits: ${error instanceof Error ? error.message : error}`)
      found = new Map()
    }
    const headId = found.get(head)
    const local = headId ? unique.filter(b => found.get(b)) : []
    if (local.length > 0) {
      try {
        const input = local.map(b => `${headId} ${found.get(b)}\n`).join('')
        const res = await git.run(
          ['diff-tree', '--stdin', '--always', '-r', '-z', '--no-abbrev', '--no-renames'],
          { input }
        )
        const diffs = parseDiffTreeStdin(res.stdout, local.length)
        local.forEach((base, i) => result.set(base, touchedPaths(diffs[i]!)))
      } catch (error) {
        // Git failing in an unexpected way: one diff at a time, each with its own fallback.
        options.log?.(
          `git diff-tree --stdin failed: ${error instanceof Error ? error.message : error}`
        )
      }
    }
    const rest = unique.filter(b => !result.has(b))
    if (rest.length === 0) return result
    // A commit git has but diff-tree could not answer: `diff`, with its fallback. One git cannot
    // get (it tried above): the fallback alone, without fetching it once more.
    const fallback = options.fallback
    const each = await changedPathsByDiff(
      {
        diff: async base =>
          (headId && found.get(base)
            ? await diffOrFallback(base, head, {})
            : fallback && (await explainDiffOf(fallback, base, head))
          )?.changes
      },
      rest,
      head
    )
    for (const [base, paths] of each) result.set(base, paths)
    return result
  }

  return {
    kind: 'git',
    git,
    fallback: options.fallback,
    explainDiff: (base, head, names = {}, log) => diffOrFallback(base, head, names, log),

    async diff(base, head) {
      return (await diffOrFallback(base, head, {})).changes
    },

    listFiles(commit): Promise<FileListing> {
      // The last listing is kept, a failure too (a missing commit is not fetched twice): a full
      // reconcile starts it early (main.ts) and asks again.
      if (listed?.commit !== commit) listed = { commit, listing: listFiles(commit) }
      return listed.listing
    },

    modes: (commit, paths) => lsTreeModes(git, commit, paths),

    async readFileAt(commit, path) {
      if (!(await ensureCommit(commit)) && options.fallback) {
        return options.fallback.readFileAt(commit, path)
      }
      const res = await git.run(['ls-tree', '-z', '--full-tree', commit, '--', `:(literal)${path}`])
      const entry = parseLsTree(res.stdout).find(e => e.path === path)
      return entry && REGULAR.test(entry.mode) ? this.readBlob(entry.blobSha) : undefined
    },

    async readBlob(blobSha) {
      assertRev(blobSha)
      // One long-lived `git cat-file --batch` answers every blob of the reader.
      let why: string
      try {
        const answer = await blobs.read(blobSha)
        if ('content' in answer && answer.type === 'blob') return answer.content
        why = 'missing' in answer ? answer.missing : `${blobSha} is a ${answer.type}, not a blob`
        if (!options.fallback) throw new GitError(['cat-file', '--batch'], 'no blob', why)
      } catch (error) {
        if (!options.fallback) throw error
        why = error instanceof Error ? error.message : String(error)
      }
      options.log?.(
        `blob ${short(blobSha)} is not in the checkout (${why}); reading it through ${via}`
      )
      return options.fallback.readBlob(blobSha)
    },

    changedPaths: (bases, head) => changedPaths(bases, head),

    close: () => blobs.close()
  }
}
