/**
 * RepoFiles through the REST API, for runs without a checkout and as the fallback when a
 * checkout cannot answer (a `before` commit it cannot fetch).
 */
import { type Client, type Comparison } from '../github/client.js'
import { ApiError } from '../github/api.js'
import {
  changedAgainst,
  treeChanges,
  snapshotOf,
  treeId,
  type Folder,
  type ReadTree,
  type TreeItem,
  type TreeSnapshot
} from './tree-diff.js'
import { blobsInArchive, treeFromArchive } from './archive.js'
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

/** How many tree requests completing a truncated listing keeps in flight (the policy's read bound). */
export const TREE_WALK_CONCURRENCY = 4

type TreeEntries = Awaited<ReturnType<Client['getTree']>>['tree']

function folderOf(entries: TreeEntries): Map<string, TreeItem> {
  const folder = new Map<string, TreeItem>()
  for (const e of entries) {
    if (e.path && e.type && e.sha && e.mode)
      folder.set(e.path, { type: e.type, sha: e.sha, mode: e.mode })
  }
  return folder
}

/**
 * Every file at a commit whose recursive tree came back truncated, completed with as few
 * requests as it takes. GitHub does not document which entries a truncated listing keeps, so
 * nothing is assumed: a folder counts as listed in full only when the id git computes from its
 * listed entries is the folder's own id (`treeId`). A folder that fails the check is listed on
 * its own; a folder with no entry listed at all, with its whole subtree (`recursive=1`, checked
 * the same way). At most `TREE_WALK_CONCURRENCY` requests are in flight. Complete unless a
 * folder's own listing is truncated or still fails the check; then the files that were listed,
 * with `complete: false`.
 */
async function completeTree(
  client: Client,
  owner: string,
  repo: string,
  first: { sha: string; tree: TreeEntries },
  fromArchive: () => Promise<Listing | undefined>
): Promise<Listing> {
  const folders = new Map<string, Map<string, TreeItem>>()
  const merge = (prefix: string, entries: TreeEntries): void => {
    for (const [path, folder] of snapshotOf(
      entries.map(e => ({ ...e, path: e.path && join(prefix, e.path) }))
    ).folders) {
      const known = folders.get(path)
      if (known) for (const [name, item] of folder) known.set(name, item)
      else folders.set(path, new Map(folder))
    }
  }
  merge('', first.tree)
  const ids = () => folderIds(folders, first.sha)
  const given = new Set<string>() // folders listed on their own: as complete as GitHub gives them
  let complete = true
  let triedArchive = false
  for (;;) {
    const todo = [...ids()].filter(
      ([path, sha]) => !given.has(path) && treeId(folders.get(path) ?? new Map(), sha) !== sha
    )
    if (todo.length === 0) break
    if (todo.length > ARCHIVE_AFTER_FOLDERS && !triedArchive) {
      triedArchive = true
      const whole = await fromArchive()
      if (whole) return whole
    }
    await inPool(todo, TREE_WALK_CONCURRENCY, async ([path, sha]) => {
      const listed = folders.get(path)
      const whole = listed === undefined || listed.size === 0
      const tree = await client.getTree(owner, repo, sha, whole)
      if (whole) {
        folders.set(path, new Map())
        merge(path, tree.tree)
        // A truncated subtree is checked folder by folder in the next round.
        if (!tree.truncated) given.add(path)
        return
      }
      folders.set(path, folderOf(tree.tree))
      given.add(path)
      if (tree.truncated || treeId(folders.get(path)!, sha) !== sha) complete = false
    })
  }

  // Depth first, in git's order: the order `recursive=1` gives.
  const files: FileListing['files'] = []
  const collect = (path: string): void => {
    const folder = folders.get(path)
    if (!folder) return
    const names = [...folder.keys()].sort((a, b) =>
      Buffer.compare(
        Buffer.from(folder.get(a)!.type === 'tree' ? `${a}/` : a),
        Buffer.from(folder.get(b)!.type === 'tree' ? `${b}/` : b)
      )
    )
    for (const name of names) {
      const item = folder.get(name)!
      const full = join(path, name)
      if (item.type === 'blob') files.push({ path: full, blobSha: item.sha, mode: item.mode })
      else if (item.type === 'tree') collect(full)
    }
  }
  collect('')
  return { files, complete, snapshot: { folders, files: files.map(f => f.path) } }
}

/** Each folder's id, by path: the root's as given, every other from its entry in its parent. */
function folderIds(folders: ReadonlyMap<string, Folder>, root: string): Map<string, string> {
  const byPath = new Map<string, string>([['', root]])
  for (const [path, folder] of folders) {
    for (const [name, item] of folder)
      if (item.type === 'tree') byPath.set(join(path, name), item.sha)
  }
  return byPath
}

/**
 * Past this many folders to list again, a truncated listing is completed from one archive of the
 * commit instead (when the archive provably holds the commit's tree).
 */
export const ARCHIVE_AFTER_FOLDERS = 2 * TREE_WALK_CONCURRENCY

/** Runs `task` over `items`, at most `limit` at once; the first failure fails it all (once settled). */
async function inPool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>
): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++] as T
      try {
        await task(item)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure) throw failure.error
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
  commit: string,
  archives: Archives
): Promise<Listing> {
  const tree = await client.getTree(owner, repo, commit)
  if (tree.truncated) {
    const fromArchive = async (): Promise<Listing | undefined> => {
      const whole = await archives
        .get(commit)
        .then(archive => treeFromArchive(archive, tree.sha))
        .catch(() => undefined)
      if (!whole) return undefined
      const snapshot = { folders: whole.folders, files: whole.files.map(f => f.path) }
      return { files: whole.files, complete: true, snapshot }
    }
    return completeTree(client, owner, repo, tree, fromArchive)
  }
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
export const PINNED_TREE_BUDGET = 100

/** Raised when a question has used up its budget of tree requests. */
class OverBudget extends Error {}

/**
 * `changedPaths` by tree comparison (tree-diff.ts): for each base, the paths at head that differ
 * from it. Head's listing is the one this run already read; every other tree is read once.
 */
/** Reads trees by sha (a commit's sha gives its root), each once, within a budget of requests. */
function treeReader(client: Client, owner: string, repo: string, budget: number): ReadTree {
  const trees = new Map<string, Promise<{ sha: string; folder: Folder }>>()
  let spent = 0
  return sha => {
    let tree = trees.get(sha)
    if (!tree) {
      if (++spent > budget) return Promise.reject(new OverBudget())
      tree = client.getTree(owner, repo, sha, false).then(t => {
        // A truncated folder cannot be compared in full: the question goes unanswered.
        if (t.truncated) throw new Error(`tree ${t.sha} is truncated`)
        const answer = { sha: t.sha, folder: folderOf(t.tree) }
        trees.set(t.sha, Promise.resolve(answer))
        return answer
      })
      trees.set(sha, tree)
    }
    return tree
  }
}

/**
 * `changedPaths` by tree comparison (tree-diff.ts): for each base, the paths at head that differ
 * from it. Head's listing is the one this run already read; every other tree is read once.
 */
async function treeChangedPaths(
  head: Listing,
  bases: readonly string[],
  read: ReadTree
): Promise<Map<string, ReadonlySet<string> | undefined>> {
  const result = new Map<string, ReadonlySet<string> | undefined>()
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

/** The archive of a commit, downloaded once: a listing and the contents read after it share it. */
interface Archives {
  get(commit: string): Promise<Buffer>
}

function lastArchive(client: Client, owner: string, repo: string): Archives {
  let last: { commit: string; archive: Promise<Buffer> } | undefined
  return {
    get(commit) {
      if (last?.commit !== commit) {
        const entry = { commit, archive: client.getTarball(owner, repo, commit) }
        entry.archive.catch(() => {
          if (last === entry) last = undefined
        })
        last = entry
      }
      return last.archive
    }
  }
}

export function createApiFiles(
  client: Client,
  owner: string,
  repo: string,
  options: { treeBudget?: number } = {}
): ApiFiles {
  const treeBudget = options.treeBudget ?? PINNED_TREE_BUDGET
  const archives = lastArchive(client, owner, repo)
  // The last listing read: a reconcile lists the synced commit, then compares other trees to it.
  let last: { commit: string; listing: Promise<Listing> } | undefined
  const listing = (commit: string): Promise<Listing> => {
    if (last?.commit !== commit) {
      const entry = { commit, listing: listTree(client, owner, repo, commit, archives) }
      // A failed read is not kept: the next call asks again.
      entry.listing.catch(() => {
        if (last === entry) last = undefined
      })
      last = entry
    }
    return last.listing
  }
  /**
   * The compare API's answer when it can give one; otherwise (head not ahead of base, or 300
   * files or more) the two commits' trees compared, within the tree budget.
   */
  const diffOf = async (base: string, head: string, names?: CommitNames): Promise<DiffOutcome> => {
    const outcome = await compareDiff(client, owner, repo, base, head, names)
    if (outcome.changes) return outcome
    try {
      const snapshot = await listing(head)
      if (!snapshot.complete) return outcome
      const read = treeReader(client, owner, repo, treeBudget)
      const changes = await treeChanges(snapshot.snapshot, base, read)
      return { changes, via: `${outcome.why}; compared the two commits' trees instead` }
    } catch {
      return outcome
    }
  }
  return {
    kind: 'api',
    explainDiff: (base, head, names) => diffOf(base, head, names),

    async diff(base, head) {
      return (await diffOf(base, head)).changes
    },

    async listFiles(commit): Promise<FileListing> {
      const { files, complete } = await listing(commit)
      return { files, complete }
    },

    async readBlob(blobSha) {
      return client.getBlob(owner, repo, blobSha)
    },

    async readFileAt(commit, path) {
      return client.getFile(owner, repo, path, commit)
    },

    async readMany(commit, blobShas) {
      return blobsInArchive(await archives.get(commit), blobShas)
    },

    modes: (commit, paths) => treeModes(client, owner, repo, commit, paths),

    async changedPaths(bases, head) {
      let snapshot: Listing
      try {
        snapshot = await listing(head)
      } catch {
        return new Map(bases.map(base => [base, undefined]))
      }
      if (snapshot.complete) {
        return treeChangedPaths(snapshot, bases, treeReader(client, owner, repo, treeBudget))
      }
      // Head's own listing was cut short, so trees cannot be compared in full: the compare API,
      // one request per commit, answers what it can (under 300 files, head ahead).
      const diff = async (base: string, h: string) =>
        (await compareDiff(client, owner, repo, base, h)).changes
      return changedPathsByDiff({ diff }, bases, head)
    }
  }
}
