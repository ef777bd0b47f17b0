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

/** A header field at `start`: text up to its first NUL, read in place. */
function field(block: Buffer, start: number, length: number): string {
  const nul = block.indexOf(0, start)
  const end = nul < 0 || nul > start + length ? start + length : nul
  return block.toString('utf8', start, end)
}

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d)

/**
 * A numeric field: octal text (up to its first NUL, spaces around it; a blank field is 0 and
 * one without digits NaN), or base-256 when its first byte has the high bit set. Read in place.
 */
function number(block: Buffer, start: number, length: number): number {
  if ((block[start]! & 0x80) !== 0) {
    let value = block[start]! & 0x7f
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i]!
    return value
  }
  let end = start
  while (end < start + length && block[end] !== 0) end++
  let i = start
  while (i < end && isSpace(block[i]!)) i++
  if (i === end) return 0
  let value = 0
  const first = i
  for (; i < end && block[i]! >= 0x30 && block[i]! <= 0x37; i++)
    value = value * 8 + block[i]! - 0x30
  return i === first ? NaN : value
}

/** Whether the block at `at` is all zero bytes: the end of the archive. */
function isZeroBlock(data: Buffer, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (data[i] !== 0) return false
  return true
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
 * The archive is inflated this much at a time. zlib's default (16 KiB) costs a trip to the
 * thread pool and a chunk through the stream each time: some 6,000 for the 100 MB of tar that
 * 100,000 small files make.
 */
const INFLATE_CHUNK = 1024 * 1024

/**
 * Each regular file and symbolic link of a gzipped tar, streamed: only the chunk being read (and
 * the entry that continues into the next) is held, never the whole unpacked archive. Headers are
 * read in place, by offsets; only an entry cut by the end of a chunk is copied, to be joined.
 */
export async function scanArchive(
  gzipped: Buffer,
  onFile: (file: ArchiveFile) => void,
  chunkSize = INFLATE_CHUNK
): Promise<void> {
  const reader = tarReader(onFile)
  // The start of an entry the previous chunk cut, in pieces (a large file spans many chunks),
  // and the entry's whole length once its header is complete.
  let rest: Buffer[] = []
  let restLength = 0
  let entryLength: number | undefined
  for await (const inflated of Readable.from([gzipped]).pipe(createGunzip({ chunkSize }))) {
    const chunk = inflated as Buffer
    if (reader.done) continue
    let from = 0
    if (restLength > 0) {
      if (entryLength === undefined && restLength + chunk.length >= BLOCK) {
        const header = Buffer.concat([...rest, chunk.subarray(0, BLOCK)], BLOCK)
        entryLength = reader.entryLength(header, 0)
      }
      const needed = (entryLength ?? Infinity) - restLength
      if (chunk.length < needed) {
        rest.push(chunk)
        restLength += chunk.length
        continue
      }
      reader.read(Buffer.concat([...rest, chunk.subarray(0, needed)]), 0)
      rest = []
      restLength = 0
      entryLength = undefined
      from = needed
    }
    const cut = reader.read(chunk, from)
    // The inflated chunks are never reused by zlib: a view of one stays valid.
    if (cut < chunk.length && !reader.done) {
      rest = [chunk.subarray(cut)]
      restLength = chunk.length - cut
    }
  }
}

/** Reads whole tar entries from a buffer, telling where an entry the buffer cuts begins. */
function tarReader(onFile: (file: ArchiveFile) => void) {
  let pax: Map<string, string> | undefined
  const state = {
    done: false,
    /** The length of the entry whose header is at `at`, header and padding included. */
    entryLength(data: Buffer, at: number): number {
      if (isZeroBlock(data, at)) return BLOCK
      return BLOCK + Math.ceil(number(data, at + 124, 12) / BLOCK) * BLOCK
    },
    /** Every whole entry from `at` on; the offset of the first one cut short (or the end). */
    read(data: Buffer, at: number): number {
      while (!state.done && data.length - at >= BLOCK) {
        if (isZeroBlock(data, at)) {
          state.done = true
          break
        }
        const size = number(data, at + 124, 12)
        const end = at + BLOCK + Math.ceil(size / BLOCK) * BLOCK
        if (!(end <= data.length)) break
        const header = at
        const content = data.subarray(at + BLOCK, at + BLOCK + size)
        at = end
        const type = data[header + 156]
        if (type === 0x78 /* x */) {
          pax = paxRecords(content)
          continue
        }
        if (type === 0x67 /* g */) continue
        const prefix = field(data, header + 345, 155)
        const name = field(data, header, 100)
        const path = pax?.get('path') ?? (prefix ? `${prefix}/${name}` : name)
        const link = pax?.get('linkpath') ?? field(data, header + 157, 100)
        pax = undefined
        const slash = path.indexOf('/')
        const inside = slash < 0 ? path : path.slice(slash + 1)
        if (type === 0x30 /* 0 */ || type === 0) {
          const executable = (number(data, header + 100, 8) & 0o111) !== 0
          onFile({ path: inside, mode: executable ? '100755' : '100644', content })
        } else if (type === 0x32 /* 2 */) {
          onFile({ path: inside, mode: '120000', content: Buffer.from(link) })
        }
      }
      return at
    }
  }
  return state
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
