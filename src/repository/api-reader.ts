/**
 * RepoFiles through the REST API, for runs without a checkout and as the fallback when a
 * checkout cannot answer (a `before` commit it cannot fetch).
 */
import { type Client, type Comparison } from '../github/client.js'
import { ApiError } from '../github/api.js'
import {
  changedAgainst,
  snapshotOf,
  type Folder,
  type ReadTree,
  type TreeItem,
  type TreeSnapshot
} from './tree-diff.js'
import { blobsInArchive } from './archive.js'
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
): Promise<Listing> {
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
  const folders = new Map<string, Folder>()
  for (const [path, entries] of listed) {
    const folder = new Map<string, TreeItem>()
    for (const e of entries) {
      if (e.path && e.type && e.sha && e.mode) {
        folder.set(e.path, { type: e.type, sha: e.sha, mode: e.mode })
      }
    }
    folders.set(path, folder)
  }
  return { files, complete, snapshot: { folders, files: files.map(f => f.path) } }
}

/** A listing, with the folders it was read from (what tree comparisons start from). */
interface Listing extends FileListing {
  snapshot: TreeSnapshot
}

/** Every file at a commit: the recursive tree, or a walk folder by folder when it is truncated. */
async function listTree(
  client: Client,
  owner: string,
  repo: string,
  commit: string
): Promise<Listing> {
  const tree = await client.getTree(owner, repo, commit)
  if (tree.truncated) return walkTree(client, owner, repo, commit)
  const files = tree.tree
    .filter(entry => entry.type === 'blob')
    .map(entry => ({ path: entry.path, blobSha: entry.sha, mode: entry.mode }))
  return { files, complete: true, snapshot: snapshotOf(tree.tree) }
}

/**
 * The most tree requests one pinned-commit question may take (all its commits together): past
 * it, the commits not yet answered are unknown, so their resources are updated, which pins them
 * at the synced commit and leaves the next run fewer commits to ask about.
 */
export const PINNED_TREE_BUDGET = 60

/** Raised when a question has used up its budget of tree requests. */
class OverBudget extends Error {}

/**
 * `changedPaths` by tree comparison (tree-diff.ts): for each base, the paths at head that differ
 * from it. Head's listing is the one this run already read; every other tree is read once.
 */
async function treeChangedPaths(
  client: Client,
  owner: string,
  repo: string,
  head: Listing,
  bases: readonly string[]
): Promise<Map<string, ReadonlySet<string> | undefined>> {
  const result = new Map<string, ReadonlySet<string> | undefined>()
  const trees = new Map<string, Promise<{ sha: string; folder: Folder }>>()
  let spent = 0
  const read: ReadTree = sha => {
    let tree = trees.get(sha)
    if (!tree) {
      if (++spent > PINNED_TREE_BUDGET) return Promise.reject(new OverBudget())
      tree = client.getTree(owner, repo, sha, false).then(t => {
        const folder = new Map<string, TreeItem>()
        for (const e of t.tree) {
          if (e.path && e.type && e.sha && e.mode) {
            folder.set(e.path, { type: e.type, sha: e.sha, mode: e.mode })
          }
        }
        // A truncated folder cannot be compared in full: that base is unknown.
        if (t.truncated) throw new Error(`tree ${t.sha} is truncated`)
        const answer = { sha: t.sha, folder }
        trees.set(t.sha, Promise.resolve(answer))
        return answer
      })
      trees.set(sha, tree)
    }
    return tree
  }
  for (const base of new Set(bases)) {
    try {
      result.set(base, await changedAgainst(head.snapshot, base, read))
    } catch {
      result.set(base, undefined)
    }
  }
  return result
}

function join(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`
}

export function createApiFiles(client: Client, owner: string, repo: string): ApiFiles {
  // The last listing read: a reconcile lists the synced commit, then compares other trees to it.
  let last: { commit: string; listing: Promise<Listing> } | undefined
  const listing = (commit: string): Promise<Listing> => {
    if (last?.commit !== commit) {
      const entry = { commit, listing: listTree(client, owner, repo, commit) }
      // A failed read is not kept: the next call asks again.
      entry.listing.catch(() => {
        if (last === entry) last = undefined
      })
      last = entry
    }
    return last.listing
  }
  return {
    kind: 'api',
    explainDiff: (base, head, names) => compareDiff(client, owner, repo, base, head, names),

    async diff(base, head) {
      return (await compareDiff(client, owner, repo, base, head)).changes
    },

    async listFiles(commit): Promise<FileListing> {
      const { files, complete } = await listing(commit)
      return { files, complete }
    },

    async readBlob(blobSha) {
      return client.getBlob(owner, repo, blobSha)
    },

    async readMany(commit, blobShas) {
      return blobsInArchive(await client.getTarball(owner, repo, commit), blobShas)
    },

    modes: (commit, paths) => treeModes(client, owner, repo, commit, paths),

    async changedPaths(bases, head) {
      let snapshot: Listing
      try {
        snapshot = await listing(head)
      } catch {
        return new Map(bases.map(base => [base, undefined]))
      }
      if (snapshot.complete) return treeChangedPaths(client, owner, repo, snapshot, bases)
      // Head's own listing was cut short, so trees cannot be compared in full: the compare API,
      // one request per commit, answers what it can (under 300 files, head ahead).
      const diff = async (base: string, h: string) =>
        (await compareDiff(client, owner, repo, base, h)).changes
      return changedPathsByDiff({ diff }, bases, head)
    }
  }
}
