/**
 * How the action reads the repository: from a local git checkout when there is one, otherwise
 * through the REST API. Both answer the same three questions, so scope resolution and the
 * rest of the pipeline never care which one they hold.
 */

/** Git file modes; only regular files (100644, 100755) become resources. */
export type FileMode = '100644' | '100755' | '120000' | '160000' | string

export interface FileEntry {
  path: string
  blobSha: string
  mode: FileMode
}

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed'

/** One path's net change between two commits. */
export interface FileChange {
  status: ChangeStatus
  path: string
  /** The old path of a rename. */
  previousPath?: string
  /** The blob at the head commit (absent for deletions). */
  blobSha?: string
  /** The mode at the head commit, when known (the compare API does not say). */
  mode?: FileMode
}

export interface FileListing {
  files: FileEntry[]
  /** False when the listing was cut short (a truncated tree): never prune on it. */
  complete: boolean
}

export interface RepoFiles {
  readonly kind: 'git' | 'api'
  /**
   * The net change from `base` to `head` (renames as renames), or undefined when this reader
   * cannot tell (an unknown base commit, or a comparison GitHub would cut short).
   */
  diff(base: string, head: string): Promise<FileChange[] | undefined>
  /** Every file at a commit. */
  listFiles(commit: string): Promise<FileListing>
  /** A blob's bytes. */
  readBlob(blobSha: string): Promise<Buffer>
  /** The bytes of the regular file at `path` in a commit; undefined when there is none. */
  readFileAt(commit: string, path: string): Promise<Buffer | undefined>
  /**
   * Many blobs of one commit at once, when the reader has a cheaper way than one at a time (the
   * API reader: one archive download). What it does not find is read with `readBlob`.
   */
  readMany?(commit: string, blobShas: readonly string[]): Promise<Map<string, Buffer>>
  /**
   * The modes of these paths at a commit (a path that is not there is left out): what a diff
   * without modes (the compare API's) needs so that symbolic links and submodules are skipped.
   */
  modes(commit: string, paths: readonly string[]): Promise<Map<string, FileMode>>
  /**
   * `diff` for many base commits at once, as the paths each one's diff touches (both paths of a
   * rename): for each base, the paths that differ between it and `head`, or undefined when this
   * reader cannot tell (not a commit, or one it cannot get). Never throws for one base. The git
   * reader answers in a bounded number of git processes, however many bases.
   */
  changedPaths(
    bases: readonly string[],
    head: string
  ): Promise<Map<string, ReadonlySet<string> | undefined>>
  /**
   * Release what the reader holds (the git reader's long-lived `git cat-file --batch`). Optional
   * to call: an idle reader never keeps Node running. The reader still works afterwards.
   */
  close?(): Promise<void>
}

/** The paths a diff touches: each change's path, and the old path of a rename. */
export function touchedPaths(changes: readonly FileChange[]): Set<string> {
  return new Set(
    changes.flatMap(c => (c.previousPath !== undefined ? [c.path, c.previousPath] : [c.path]))
  )
}

/**
 * `changedPaths` one base at a time through `diff`: what a reader without a batched answer does
 * (the API reader: one compare request per base). A base whose diff fails is unknown.
 */
export async function changedPathsByDiff(
  files: Pick<RepoFiles, 'diff'>,
  bases: readonly string[],
  head: string
): Promise<Map<string, ReadonlySet<string> | undefined>> {
  const result = new Map<string, ReadonlySet<string> | undefined>()
  for (const base of new Set(bases)) {
    let changes: FileChange[] | undefined
    try {
      changes = await files.diff(base, head)
    } catch {
      changes = undefined
    }
    result.set(base, changes && touchedPaths(changes))
  }
  return result
}

/** What the two commits of a diff are called in explanations ("before commit", "merge commit"). */
export interface CommitNames {
  base?: string
  head?: string
}

/**
 * A diff, or why the reader cannot give one (a clause that reads on its own in a log line).
 * `via` says when a fallback answered, and why the first reader could not; `logged` that the
 * reader already logged why it has no diff.
 */
export type DiffOutcome =
  | { changes: FileChange[]; via?: string; why?: undefined }
  | { changes?: undefined; why: string; logged?: boolean }

/**
 * A reader that can say why it has no diff, so that the scope's reason can tell a person
 * why a run went full. Both readers of this project are ones; any RepoFiles still works.
 */
export interface ExplainingRepoFiles extends RepoFiles {
  /** `log` hears what a fallback tried, when the reader has one. */
  explainDiff(
    base: string,
    head: string,
    names?: CommitNames,
    log?: (msg: string) => void
  ): Promise<DiffOutcome>
}

/** A commit's short name for messages (anything that is not a full object id, as it is). */
export function short(sha: string): string {
  return /^[0-9a-f]{40,64}$/i.test(sha) ? sha.slice(0, 7) : sha
}

/** What a reader calls itself in explanations. */
export function sourceName(files: RepoFiles): string {
  return files.kind === 'api' ? 'the compare API' : 'git'
}

/** A reader's diff with its explanation; any RepoFiles will do. */
export async function explainDiffOf(
  files: RepoFiles,
  base: string,
  head: string,
  names: CommitNames = {},
  log?: (msg: string) => void
): Promise<DiffOutcome> {
  if ('explainDiff' in files && typeof files.explainDiff === 'function') {
    return (files as ExplainingRepoFiles).explainDiff(base, head, names, log)
  }
  const changes = await files.diff(base, head)
  return changes
    ? { changes }
    : { why: `${sourceName(files)} could not diff ${short(base)} and ${short(head)}` }
}
