/**
 * Which files differ between commits, by comparing git trees through the REST API: exact at any
 * size (the compare API lists at most 300 files), and cheap, since only folders whose tree
 * differs are read. Head's folders come from the listing the run already holds; each other tree
 * is read once, however many commits share it, and all reads of one question stay within a
 * budget, so a Space pinned at many commits costs a bounded number of requests.
 */
import { createHash } from 'node:crypto'
import type { FileChange } from './files.js'

export interface TreeItem {
  type: string
  sha: string
  mode: string
}

/** A folder's entries by name. */
export type Folder = ReadonlyMap<string, TreeItem>

/** A commit's files and folders, as a recursive listing or a walk gave them. */
export interface TreeSnapshot {
  /** Each folder's entries, by the folder's path ('' for the root). */
  folders: ReadonlyMap<string, Folder>
  /** Every file's path, for the files under a folder the other commit lacks. */
  files: readonly string[]
}

/**
 * The git object id of a folder with exactly these entries, as git hashes a tree object: each
 * entry `<mode> <name>\0<id bytes>` in git's order (by name, a folder's as if it ended in `/`).
 * When it equals the folder's id, the listing holds every entry of the folder: a check that costs
 * no request.
 */
export function treeId(folder: Folder, like: string): string {
  const entries = [...folder].map(([name, item]) => ({
    item,
    key: Buffer.from(item.type === 'tree' ? `${name}/` : name),
    name: Buffer.from(name)
  }))
  entries.sort((a, b) => Buffer.compare(a.key, b.key))
  const parts: Buffer[] = []
  for (const { item, name } of entries) {
    // GitHub writes a folder's mode as 040000; the tree object holds 40000.
    parts.push(Buffer.from(`${item.mode.replace(/^0+/, '')} `), name, Buffer.from([0]))
    parts.push(Buffer.from(item.sha, 'hex'))
  }
  const body = Buffer.concat(parts)
  const hash = createHash(like.length === 64 ? 'sha256' : 'sha1')
  hash.update(`tree ${body.length}\0`)
  hash.update(body)
  return hash.digest('hex')
}

/** A tree's root and entries: a commit's root tree (by the commit's sha), or a tree by its sha. */
export type ReadTree = (sha: string) => Promise<{ sha: string; folder: Folder }>

/** Folders from recursive-listing entries (full paths), the way `walk` keeps them. */
export function snapshotOf(
  entries: readonly { path?: string; type?: string; sha?: string; mode?: string }[]
): TreeSnapshot {
  const folders = new Map<string, Map<string, TreeItem>>([['', new Map()]])
  const files: string[] = []
  for (const e of entries) {
    if (!e.path || !e.type || !e.sha || !e.mode) continue
    const slash = e.path.lastIndexOf('/')
    const parent = slash < 0 ? '' : e.path.slice(0, slash)
    let folder = folders.get(parent)
    if (!folder) folders.set(parent, (folder = new Map()))
    folder.set(e.path.slice(slash + 1), { type: e.type, sha: e.sha, mode: e.mode })
    if (e.type === 'tree' && !folders.has(e.path)) folders.set(e.path, new Map())
    if (e.type === 'blob') files.push(e.path)
  }
  return { folders, files }
}

/** Head's files below a folder (a folder the other commit does not have). */
function filesUnder(head: TreeSnapshot, folder: string): string[] {
  const prefix = `${folder}/`
  return head.files.filter(path => path.startsWith(prefix))
}

/** The paths at head whose file differs from `base`'s: changed, added, or of another mode. */
export async function changedAgainst(
  head: TreeSnapshot,
  base: string,
  read: ReadTree
): Promise<Set<string>> {
  const changed = new Set<string>()
  const under = (folder: string) => {
    for (const path of filesUnder(head, folder)) changed.add(path)
  }
  const compare = async (path: string, theirs: Folder): Promise<void> => {
    const ours = head.folders.get(path) ?? new Map<string, TreeItem>()
    const deeper: Promise<void>[] = []
    for (const [name, item] of ours) {
      const full = path === '' ? name : `${path}/${name}`
      const other = theirs.get(name)
      if (other && other.sha === item.sha && other.mode === item.mode) continue
      if (item.type === 'blob') changed.add(full)
      else if (item.type === 'tree') {
        if (other?.type === 'tree') {
          deeper.push(read(other.sha).then(t => compare(full, t.folder)))
        } else under(full)
      }
    }
    await Promise.all(deeper)
  }
  await compare('', (await read(base)).folder)
  return changed
}

/**
 * The net change from `base` to head by comparing trees, as a diff: files added, modified and
 * deleted, and a file deleted and one added with the same content paired as a rename (git's
 * exact renames; a rename with edits is a deletion and an addition). Only folders whose trees
 * differ are read; a folder only `base` has is read down to its files.
 */
export async function treeChanges(
  head: TreeSnapshot,
  base: string,
  read: ReadTree
): Promise<FileChange[]> {
  const added: FileChange[] = []
  const modified: FileChange[] = []
  const deleted: { path: string; sha: string }[] = []
  const join = (path: string, name: string) => (path === '' ? name : `${path}/${name}`)
  const headFilesUnder = (folder: string): void => {
    for (const path of filesUnder(head, folder)) {
      const slash = path.lastIndexOf('/')
      const item = head.folders.get(path.slice(0, slash))?.get(path.slice(slash + 1))
      if (item) added.push({ status: 'added', path, blobSha: item.sha, mode: item.mode })
    }
  }
  const baseFilesUnder = async (path: string, sha: string): Promise<void> => {
    const { folder } = await read(sha)
    await Promise.all(
      [...folder].map(async ([name, item]) => {
        if (item.type === 'blob') deleted.push({ path: join(path, name), sha: item.sha })
        else if (item.type === 'tree') await baseFilesUnder(join(path, name), item.sha)
      })
    )
  }
  const compare = async (path: string, theirs: Folder): Promise<void> => {
    const ours = head.folders.get(path) ?? new Map<string, TreeItem>()
    const deeper: Promise<void>[] = []
    for (const name of new Set([...ours.keys(), ...theirs.keys()])) {
      const h = ours.get(name)
      const b = theirs.get(name)
      if (h && b && h.sha === b.sha && h.mode === b.mode) continue
      const full = join(path, name)
      if (h?.type === 'tree' && b?.type === 'tree') {
        deeper.push(read(b.sha).then(t => compare(full, t.folder)))
        continue
      }
      if (h?.type === 'blob') {
        const status = b?.type === 'blob' ? 'modified' : 'added'
        ;(status === 'modified' ? modified : added).push({
          status,
          path: full,
          blobSha: h.sha,
          mode: h.mode
        })
      } else if (h?.type === 'tree') headFilesUnder(full)
      if (b?.type === 'blob' && h?.type !== 'blob') deleted.push({ path: full, sha: b.sha })
      else if (b?.type === 'tree') deeper.push(baseFilesUnder(full, b.sha))
    }
    await Promise.all(deeper)
  }
  await compare('', (await read(base)).folder)

  // Exact renames: a deleted file's content added at another path.
  const gone = new Map<string, string[]>()
  for (const d of deleted) gone.set(d.sha, [...(gone.get(d.sha) ?? []), d.path])
  const changes: FileChange[] = [...modified]
  for (const a of added) {
    const from = gone.get(a.blobSha!)?.shift()
    changes.push(from === undefined ? a : { ...a, status: 'renamed', previousPath: from })
  }
  for (const paths of gone.values()) {
    for (const path of paths) changes.push({ status: 'deleted', path })
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
