/**
 * RepoFiles through the REST API, for runs without a checkout and as the fallback when a
 * checkout cannot answer (a `before` commit it cannot fetch).
 */
import { type Client, type Comparison } from '../github/client.js'
import { ApiError } from '../github/api.js'
import {
  changedPathsByDiff,
  short,
  type ChangeStatus,
  type CommitNames,
  type DiffOutcome,
  type ExplainingRepoFiles,
  type FileChange,
  type FileListing,
  type FileMode
} from './files.js'

/** GitHub lists at most this many files in a comparison, without saying whether it cut any. */
export const COMPARE_FILE_LIMIT = 300

export interface ApiFiles extends ExplainingRepoFiles {
  readonly kind: 'api'
}

type DiffEntry = NonNullable<Comparison['files']>[number]

const STATUSES: Partial<Record<DiffEntry['status'], ChangeStatus>> = {
  added: 'added',
  removed: 'deleted',
  modified: 'modified',
  changed: 'modified',
  renamed: 'renamed',
  // A copy leaves its source in place, so for the destination it is an addition.
  copied: 'added'
}

function toChange(entry: DiffEntry): FileChange | undefined {
  const status = STATUSES[entry.status]
  if (!status) return undefined // 'unchanged'
  if (status === 'deleted') return { status, path: entry.filename }
  const change: FileChange = { status, path: entry.filename }
  if (entry.sha) change.blobSha = entry.sha
  if (status === 'renamed') {
    // A rename without its old name would leave the old path behind: treat it as an addition.
    if (entry.previous_filename) change.previousPath = entry.previous_filename
    else change.status = 'added'
  }
  return change
}

/** The net change from the compare API, or why it cannot tell. */
async function compareDiff(
  client: Client,
  owner: string,
  repo: string,
  base: string,
  head: string,
  names: CommitNames = {}
): Promise<DiffOutcome> {
  let comparison: Comparison
  try {
    comparison = await client.compareCommits(owner, repo, base, head)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      return {
        why: `the compare API does not know ${names.base ?? 'base commit'} ${short(base)} or ${names.head ?? 'head commit'} ${short(head)} (404)`
      }
    }
    throw error
  }
  if (comparison.status === 'identical') return { changes: [] }
  // Only when head descends from base are the listed files (merge base to head) the net
  // change from base to head; after a force push they are not.
  if (comparison.status !== 'ahead') {
    return { why: `the compare API reported '${comparison.status}'` }
  }
  const files = comparison.files ?? []
  if (files.length >= COMPARE_FILE_LIMIT) {
    return {
      why: `the compare API listed ${files.length} files, its limit, so the list may be incomplete`
    }
  }
  const changes: FileChange[] = []
  for (const entry of files) {
    const change = toChange(entry)
    if (change) changes.push(change)
  }
  return { changes }
}

/** Modes from the recursive tree; a truncated one is completed by walking down to each folder. */
async function treeModes(
  client: Client,
  owner: string,
  repo: string,
  commit: string,
  paths: readonly string[]
): Promise<Map<string, FileMode>> {
  const found = new Map<string, FileMode>()
  if (paths.length === 0) return found
  const wanted = new Set(paths)
  const tree = await client.getTree(owner, repo, commit)
  for (const e of tree.tree) if (e.path && e.mode && wanted.has(e.path)) found.set(e.path, e.mode)
  if (!tree.truncated) return found
  // A truncated listing may lack some: walk down to each one's folder, one level at a time.
  const folders = new Map<string, Promise<Map<string, { sha: string; mode: string }>>>()
  const folder = (path: string): Promise<Map<string, { sha: string; mode: string }>> => {
    let listed = folders.get(path)
    if (!listed) {
      listed = (async () => {
        const slash = path.lastIndexOf('/')
        const sha =
          path === ''
            ? commit
            : (await folder(slash < 0 ? '' : path.slice(0, slash))).get(path.slice(slash + 1))?.sha
        const entries = new Map<string, { sha: string; mode: string }>()
        if (!sha) return entries
        for (const e of (await client.getTree(owner, repo, sha, false)).tree) {
          if (e.path && e.sha && e.mode) entries.set(e.path, { sha: e.sha, mode: e.mode })
        }
        return entries
      })()
      folders.set(path, listed)
    }
    return listed
  }
  for (const path of paths) {
    if (found.has(path)) continue
    const slash = path.lastIndexOf('/')
    const entry = (await folder(slash < 0 ? '' : path.slice(0, slash))).get(path.slice(slash + 1))
    if (entry) found.set(path, entry.mode)
  }
  return found
}

/** How many non-recursive tree requests a walk keeps in flight (the policy's read bound). */
export const TREE_WALK_CONCURRENCY = 4

type TreeEntries = Awaited<ReturnType<Client['getTree']>>['tree']

/**
 * Every file at a commit, one non-recursive tree request per folder (the root included), at most
 * `TREE_WALK_CONCURRENCY` in flight: what GitHub advises when the recursive tree is truncated.
 * Files come in the order the recursive tree lists them. Complete only when no folder's own
 * listing was truncated; otherwise the files that were listed, with `complete: false`.
 */
async function walkTree(
  client: Client,
  owner: string,
  repo: string,
  commit: string
): Promise<FileListing> {
  const listed = new Map<string, TreeEntries>() // by folder path, '' for the root
  const queue: { path: string; sha: string }[] = [{ path: '', sha: commit }]
  let complete = true
  let failure: { error: unknown } | undefined
  let active = 0

  await new Promise<void>(done => {
    const pump = (): void => {
      while (!failure && active < TREE_WALK_CONCURRENCY && queue.length > 0) {
        const folder = queue.shift() as { path: string; sha: string }
        active++
        client.getTree(owner, repo, folder.sha, false).then(
          tree => {
            if (tree.truncated) complete = false
            listed.set(folder.path, tree.tree)
            for (const e of tree.tree) {
              if (e.type === 'tree' && e.path && e.sha) {
                queue.push({ path: join(folder.path, e.path), sha: e.sha })
              }
            }
            active--
            pump()
          },
          (error: unknown) => {
            failure ??= { error }
            active--
            pump()
          }
        )
      }
      // Done when nothing is in flight and nothing is left to ask (or a request failed).
      if (active === 0 && (failure || queue.length === 0)) done()
    }
    pump()
  })
  if (failure) throw failure.error

  // Depth first, in each tree's order: the order `recursive=1` gives.
  const files: FileListing['files'] = []
  const collect = (path: string): void => {
    for (const e of listed.get(path) ?? []) {
      if (!e.path) continue
      const full = join(path, e.path)
      if (e.type === 'blob' && e.sha && e.mode)
        files.push({ path: full, blobSha: e.sha, mode: e.mode })
      else if (e.type === 'tree') collect(full)
    }
  }
  collect('')
  return { files, complete }
}

function join(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`
}

export function createApiFiles(client: Client, owner: string, repo: string): ApiFiles {
  return {
    kind: 'api',
    explainDiff: (base, head, names) => compareDiff(client, owner, repo, base, head, names),

    async diff(base, head) {
      return (await compareDiff(client, owner, repo, base, head)).changes
    },

    async listFiles(commit): Promise<FileListing> {
      const tree = await client.getTree(owner, repo, commit)
      if (!tree.truncated) {
        const files = tree.tree
          .filter(entry => entry.type === 'blob')
          .map(entry => ({ path: entry.path, blobSha: entry.sha, mode: entry.mode }))
        return { files, complete: true }
      }
      return walkTree(client, owner, repo, commit)
    },

    async readBlob(blobSha) {
      return client.getBlob(owner, repo, blobSha)
    },

    modes: (commit, paths) => treeModes(client, owner, repo, commit, paths),

    // One compare request per base for now.
    changedPaths: (bases, head) =>
      changedPathsByDiff(
        { diff: async (base, h) => (await compareDiff(client, owner, repo, base, h)).changes },
        bases,
        head
      )
  }
}
