/**
 * The files of a repository archive (GitHub's tarball: a gzipped POSIX tar, as `git archive`
 * writes it), by git blob id. Each file's id is computed from its bytes, so a file the archive
 * changed (`export-subst`) or left out (`export-ignore`) is simply not found, and is read
 * another way. Only the blobs asked for are kept.
 */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { FileEntry } from './files.js'
import { treeId, type TreeItem } from './tree-diff.js'

const BLOCK = 512

/** A header field: NUL-terminated text. */
function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length)
  const end = raw.indexOf(0)
  return raw.toString('utf8', 0, end < 0 ? length : end)
}

/** A numeric field: octal text, or base-256 when its first byte has the high bit set. */
function number(header: Buffer, start: number, length: number): number {
  const raw = header.subarray(start, start + length)
  if ((raw[0]! & 0x80) !== 0) {
    let value = raw[0]! & 0x7f
    for (let i = 1; i < raw.length; i++) value = value * 256 + raw[i]!
    return value
  }
  const text = field(header, start, length).trim()
  return text === '' ? 0 : parseInt(text, 8)
}

/** A pax extended header's records: `LEN key=value\n` each. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>()
  let at = 0
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    if (space < 0) break
    const length = parseInt(data.toString('utf8', at, space), 10)
    if (!Number.isSafeInteger(length) || length <= 0) break
    const record = data.toString('utf8', space + 1, at + length - 1)
    const eq = record.indexOf('=')
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1))
    at += length
  }
  return records
}

/** A file of the archive: its path (the archive's top folder removed), git mode and bytes. */
export interface ArchiveFile {
  path: string
  /** 100644, 100755 or 120000 (a symbolic link, whose bytes are its target, as git stores it). */
  mode: string
  content: Buffer
}

/**
 * Each regular file and symbolic link of a gzipped tar, streamed: only the entry being read is
 * held, never the whole unpacked archive.
 */
export async function scanArchive(
  gzipped: Buffer,
  onFile: (file: ArchiveFile) => void
): Promise<void> {
  let pending: Buffer = Buffer.alloc(0)
  let pax: Map<string, string> | undefined
  let done = false
  for await (const chunk of Readable.from([gzipped]).pipe(createGunzip())) {
    if (done) continue
    pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer])
    while (pending.length >= BLOCK) {
      const header = pending.subarray(0, BLOCK)
      if (header.every(b => b === 0)) {
        done = true
        break
      }
      const size = number(header, 124, 12)
      const end = BLOCK + Math.ceil(size / BLOCK) * BLOCK
      if (pending.length < end) break
      const content = pending.subarray(BLOCK, BLOCK + size)
      pending = pending.subarray(end)
      const type = String.fromCharCode(header[156]!)
      if (type === 'x') {
        pax = paxRecords(content)
        continue
      }
      if (type === 'g') continue
      const prefix = field(header, 345, 155)
      const name = field(header, 0, 100)
      const path = pax?.get('path') ?? (prefix ? `${prefix}/${name}` : name)
      const link = pax?.get('linkpath') ?? field(header, 157, 100)
      pax = undefined
      const slash = path.indexOf('/')
      const inside = slash < 0 ? path : path.slice(slash + 1)
      if (type === '0' || type === '\0') {
        const executable = (number(header, 100, 8) & 0o111) !== 0
        onFile({ path: inside, mode: executable ? '100755' : '100644', content })
      } else if (type === '2') {
        onFile({ path: inside, mode: '120000', content: Buffer.from(link) })
      }
    }
  }
}

/** The git blob id of these bytes, in the hash of `like` (40 hex digits: SHA-1; 64: SHA-256). */
export function blobId(content: Buffer, like: string): string {
  const hash = createHash(like.length === 64 ? 'sha256' : 'sha1')
  hash.update(`blob ${content.length}\0`)
  hash.update(content)
  return hash.digest('hex')
}

/** The wanted blobs found in a gzipped tar archive, by id. */
export async function blobsInArchive(
  gzipped: Buffer,
  wanted: readonly string[]
): Promise<Map<string, Buffer>> {
  const want = new Set(wanted.map(w => w.toLowerCase()))
  const found = new Map<string, Buffer>()
  if (want.size === 0) return found
  const like = wanted[0]!
  await scanArchive(gzipped, file => {
    const id = blobId(file.content, like)
    // A copy: the chunk it lies in is let go.
    if (want.has(id) && !found.has(id)) found.set(id, Buffer.from(file.content))
  })
  return found
}

/**
 * Every file of a commit from its archive, when the archive provably holds the commit's tree:
 * the git tree ids computed from its files, folder by folder up to the root, must give the
 * commit's root tree id. An archive that left a file out (`export-ignore`), changed one
 * (`export-subst`) or cannot hold one (a submodule) fails that check: undefined.
 */
export async function treeFromArchive(
  gzipped: Buffer,
  rootTree: string
): Promise<{ files: FileEntry[]; folders: Map<string, Map<string, TreeItem>> } | undefined> {
  const files: FileEntry[] = []
  const folders = new Map<string, Map<string, TreeItem>>([['', new Map()]])
  const folderAt = (path: string): Map<string, TreeItem> => {
    let folder = folders.get(path)
    if (!folder) {
      folders.set(path, (folder = new Map()))
      const slash = path.lastIndexOf('/')
      // Registered in its parent now; its id is filled in below.
      folderAt(slash < 0 ? '' : path.slice(0, slash)).set(path.slice(slash + 1), {
        type: 'tree',
        mode: '040000',
        sha: ''
      })
    }
    return folder
  }
  await scanArchive(gzipped, file => {
    const blobSha = blobId(file.content, rootTree)
    const slash = file.path.lastIndexOf('/')
    const name = file.path.slice(slash + 1)
    folderAt(slash < 0 ? '' : file.path.slice(0, slash)).set(name, {
      type: 'blob',
      mode: file.mode,
      sha: blobSha
    })
    files.push({ path: file.path, blobSha, mode: file.mode })
  })
  // Deepest first, so that each folder's id is known before its parent's is computed.
  const paths = [...folders.keys()].sort((a, b) => b.split('/').length - a.split('/').length)
  for (const path of paths) {
    if (path === '') continue
    const slash = path.lastIndexOf('/')
    const parent = folders.get(slash < 0 ? '' : path.slice(0, slash))!
    parent.get(path.slice(slash + 1))!.sha = treeId(folders.get(path)!, rootTree)
  }
  return treeId(folders.get('')!, rootTree) === rootTree ? { files, folders } : undefined
}
