/**
 * The files of a repository archive (GitHub's tarball: a gzipped POSIX tar, as `git archive`
 * writes it), by git blob id. Each file's id is computed from its bytes, so a file the archive
 * changed (`export-subst`) or left out (`export-ignore`) is simply not found, and is read
 * another way. Only the blobs asked for are kept.
 */
import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'

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

/** Each regular file of a tar, with its path (its first folder, the archive's top one, removed). */
export function* tarFiles(tar: Buffer): Generator<{ path: string; content: Buffer }> {
  let longPath: string | undefined
  for (let at = 0; at + BLOCK <= tar.length;) {
    const header = tar.subarray(at, at + BLOCK)
    if (header.every(b => b === 0)) return
    const size = number(header, 124, 12)
    const type = String.fromCharCode(header[156]!)
    const content = tar.subarray(at + BLOCK, at + BLOCK + size)
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK
    if (type === 'x') {
      longPath = paxRecords(content).get('path') ?? longPath
      continue
    }
    if (type === 'g') continue
    const prefix = field(header, 345, 155)
    const name = field(header, 0, 100)
    const path = longPath ?? (prefix ? `${prefix}/${name}` : name)
    longPath = undefined
    if (type !== '0' && type !== '\0') continue
    const slash = path.indexOf('/')
    yield { path: slash < 0 ? path : path.slice(slash + 1), content }
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
export function blobsInArchive(gzipped: Buffer, wanted: readonly string[]): Map<string, Buffer> {
  const want = new Set(wanted.map(w => w.toLowerCase()))
  const found = new Map<string, Buffer>()
  if (want.size === 0) return found
  const like = wanted[0]!
  for (const file of tarFiles(gunzipSync(gzipped))) {
    const id = blobId(file.content, like)
    // A copy: the archive's buffer is let go once this returns.
    if (want.has(id) && !found.has(id)) found.set(id, Buffer.from(file.content))
  }
  return found
}
