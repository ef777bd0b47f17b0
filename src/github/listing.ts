/**
 * A large JSON listing read in pieces: the items of one array-valued key of the top-level object
 * (a Space's `resources`) are parsed some 48 KiB at a time and handed on one by one, so that a
 * listing of 100,000 resources (some 30 MB) is never one string, nor 100,000 objects alive at
 * once. The body is cut only at commas between the array's items, and each piece and the rest of
 * the body are parsed with JSON.parse: the answer is JSON.parse's, with one exception (a body that
 * gives the key again after items were handed on is refused, where JSON.parse would take the
 * last). A body this cannot follow (not an object, bytes that are not JSON, the key absent or not
 * a list) is left to JSON.parse of the whole, so that the caller says what is wrong with it.
 */

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
/** Between two objects of the array, as GitHub writes it: where a piece may be cut. */
const SEPARATOR = Buffer.from('},{')

/**
 * About this many bytes are parsed at a time: less than a chunk as the body arrives (64 KiB), so
 * that a piece is seldom copied, and small enough that its text and objects are young garbage
 * the collector drops at little cost, rather than large strings on fresh memory.
 */
const PIECE_BYTES = 48 * 1024

/** The body as read: its chunks in order, never copied into one buffer. */
export type BodyChunks = readonly Uint8Array[]

/** Where the items are: the array's brackets and the commas the pieces are cut at. */
interface Cuts {
  open: number
  close: number
  commas: number[]
}

/** Bytes of a body spread over chunks, addressed as one run of bytes. */
class Bytes {
  readonly length: number
  private readonly starts: number[] = []
  private scratch = Buffer.alloc(0)
  constructor(readonly chunks: BodyChunks) {
    let length = 0
    for (const c of chunks) {
      this.starts.push(length)
      length += c.length
    }
    this.length = length
  }

  /** The text of bytes [from, to): cuts fall on ASCII bytes, so no character is split. */
  text(from: number, to: number): string {
    return this.copy(from, to, '', '')
  }

  /**
   * The text of `before`, bytes [from, to) and `after` (ASCII), copied into one buffer kept for
   * the next piece: a piece's text is made once, rather than concatenated and flattened.
   */
  copy(from: number, to: number, before: string, after: string): string {
    const size = before.length + (to - from) + after.length
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.max(size, 64 * 1024))
    let at = this.scratch.write(before, 0, 'latin1')
    for (let k = this.chunkAt(from); k < this.chunks.length && from < to; k++) {
      const chunk = this.chunks[k]!
      const start = this.starts[k]!
      const end = Math.min(to, start + chunk.length)
      this.scratch.set(chunk.subarray(from - start, end - start), at)
      at += end - from
      from = end
    }
    at += this.scratch.write(after, at, 'latin1')
    return this.scratch.toString('utf8', 0, at)
  }

  startOf(k: number): number {
    return this.starts[k] ?? this.length
  }

  /** The offset of the next `},{` at or after `from` (an object, a comma, an object), or -1. */
  findSeparator(from: number): number {
    for (let k = this.chunkAt(from); k < this.chunks.length; k++) {
      const chunk = this.chunks[k]!
      const start = this.starts[k]!
      const local = Math.max(0, from - start)
      const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
      const at = view.indexOf(SEPARATOR, local)
      if (at >= 0) return start + at
      // One that straddles this chunk's end and the next one's start.
      const next = this.chunks[k + 1]
      if (next) {
        const seam = Buffer.concat([
          view.subarray(Math.max(local, chunk.length - 2)),
          next.subarray(0, 2)
        ])
        const across = seam.indexOf(SEPARATOR)
        if (across >= 0) return start + Math.max(local, chunk.length - 2) + across
      }
    }
    return -1
  }

  /** Whether bytes [from, to) are JSON whitespace only; looked at from the end, as an item ends there. */
  blank(from: number, to: number): boolean {
    for (let at = to - 1; at >= from; at--) {
      const k = this.chunkAt(at)
      const c = this.chunks[k]![at - this.starts[k]!]!
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false
    }
    return true
  }

  chunkAt(offset: number): number {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return lo
  }
}

/** Bytes that matter outside strings: quotes, brackets and commas. */
const STRUCTURAL = new Uint8Array(256)
for (const c of [QUOTE, COMMA, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY])
  STRUCTURAL[c] = 1

/** Whether the first byte that is not JSON whitespace opens an object. */
function opensObject(bytes: Bytes): boolean {
  for (const chunk of bytes.chunks) {
    for (const c of chunk) {
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue
      return c === OPEN_OBJECT
    }
  }
  return false
}

/** Where a scan starts: the top of the body, or a cut between the array's items. */
interface ScanFrom {
  at: number
  /** The array's `[`, when the scan starts inside it. */
  open?: number
  /** Stop at the first cut (`close` is then -1): the scan only finds the next piece's end. */
  oneCut?: boolean
}

/**
 * A pass over the bytes from `from`: where the top-level object's `key` array opens and closes,
 * and the commas between its items at which a piece reaches `pieceBytes`. From the top, the scan
 * stops once the array opens (`close` is then -1). Undefined when the body is not a plain case:
 * not an object, `key` absent, given twice or not an array, strings or brackets unbalanced. The
 * loop is the hot part of reading a listing: strings are skipped in an inner loop, and other
 * bytes are looked at only when they are structural.
 */
function findCuts(
  bytes: Bytes,
  key: string,
  pieceBytes: number,
  from: ScanFrom = { at: 0 }
): Cuts | undefined {
  const inside = from.open !== undefined
  if (!inside && !opensObject(bytes)) return undefined
  let depth = inside ? 2 : 0
  let inString = false
  let stringStart = -1
  let expectKey = false
  let lastKey: string | undefined = inside ? key : undefined
  let seen = inside ? 1 : 0
  let open = from.open ?? -1
  let close = -1
  let pieceStart = inside ? from.at : -1
  const commas: number[] = []
  // An escape at the end of a chunk skips the first byte of the next.
  let carry = 0
  let k = bytes.chunkAt(from.at)
  let offset = bytes.startOf(k)
  carry = from.at - offset
  for (; k < bytes.chunks.length; k++) {
    const chunk = bytes.chunks[k]!
    const length = chunk.length
    let i = carry
    while (i < length) {
      if (inString) {
        while (i < length) {
          const c = chunk[i]!
          if (c === QUOTE) break
          i += c === BACKSLASH ? 2 : 1
        }
        if (i >= length) break
        inString = false
        if (depth === 1 && expectKey) {
          // A key that is not a JSON string makes the body no JSON: JSON.parse of it says so.
          const parsed = parseOr(bytes.text(stringStart, offset + i + 1))
          if (typeof parsed !== 'string') return undefined
          lastKey = parsed
          expectKey = false
          if (lastKey === key) seen++
        }
        i++
        continue
      }
      const c = chunk[i]!
      i++
      if (STRUCTURAL[c] === 0) continue
      if (c === QUOTE) {
        inString = true
        stringStart = offset + i - 1
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        depth++
        if (depth === 1) expectKey = true
        else if (depth === 2 && c === OPEN_ARRAY && lastKey === key && open < 0) {
          open = offset + i - 1
          if (!inside) return seen === 1 ? { open, close: -1, commas } : undefined
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (depth === 2 && open >= 0 && close < 0) {
          close = offset + i - 1
          // Between cut commas, a piece needs an item: `[a, ,b]` or `[a, ]` is not JSON.
          if ((commas.length > 0 || pieceStart > open + 1) && bytes.blank(pieceStart, close)) {
            return undefined
          }
        }
        if (--depth < 0) return undefined
      } else if (depth === 1) {
        expectKey = true
      } else if (depth === 2 && open >= 0 && close < 0 && offset + i - pieceStart > pieceBytes) {
        if (bytes.blank(pieceStart, offset + i - 1)) return undefined
        commas.push(offset + i - 1)
        if (from.oneCut) return { open, close: -1, commas }
        pieceStart = offset + i
      }
    }
    carry = i - length
    offset += length
  }
  if (inString || depth !== 0 || seen !== 1 || open < 0 || close < 0) return undefined
  return { open, close, commas }
}

/** JSON.parse of `text`, or undefined when it is not JSON. */
function parseOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** The whole body parsed, or its text when it is not JSON: what the caller judges. */
function parseWhole(chunks: BodyChunks): unknown {
  const decoder = new TextDecoder()
  const parts = chunks.map(chunk => decoder.decode(chunk, { stream: true }))
  parts.push(decoder.decode())
  const text = parts.join('')
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** A listing page: the items handed to `visit` and how many, or what the body is instead. */
export type ListingPage =
  | { listed: true; count: number; page: Record<string, unknown> }
  | { listed: false; data: unknown; reason?: string }

/** The page as JSON.parse of the whole body gives it, its items handed to `visit`. */
function parsedWhole(chunks: BodyChunks, key: string, visit: (item: unknown) => void): ListingPage {
  const data = parseWhole(chunks)
  const list = (data as Record<string, unknown> | null)?.[key]
  if (typeof data !== 'object' || data === null || !Array.isArray(list)) {
    return { listed: false, data }
  }
  for (const item of list) visit(item)
  return { listed: true, count: list.length, page: { ...data, [key]: [] } }
}

/**
 * Hands every item of `key` to `visit`, in order, parsing a piece of about `pieceBytes` at a time.
 * `page` is the rest of the top-level object (`key` as an empty list). When the body is not such
 * a listing, `data` is what JSON.parse made of it (its text when it is not JSON), for the caller
 * to say why.
 *
 * The bytes before the array are scanned; then a piece is cut at the first `},{` past
 * `pieceBytes`, which is where GitHub's compact JSON has a comma between two items, without
 * looking at the bytes in between. Such a cut is proved by its piece: cut inside a string or a
 * nested object, the piece before it cannot parse (a string or a bracket is left open), and is
 * cut again by a scan from the last proved cut. The rest of the body after the last such cut is
 * scanned. So items are handed on as their piece parses, before the rest of the body is checked:
 * when it then turns out not to be JSON (or to give `key` again, which JSON.parse would take,
 * and which is then refused), the caller must drop what it made of them.
 */
export function forEachItem(
  chunks: BodyChunks,
  key: string,
  visit: (item: unknown) => void,
  pieceBytes = PIECE_BYTES
): ListingPage {
  const bytes = new Bytes(chunks)
  const head = findCuts(bytes, key, pieceBytes)
  if (!head) return parsedWhole(chunks, key, visit)
  const { open } = head
  let count = 0
  let from = open + 1
  const piece = (end: number): boolean => {
    const items = parseOr(bytes.copy(from, end, '[', ']')) as unknown[] | undefined
    if (!items) return false
    for (const item of items) visit(item)
    count += items.length
    from = end + 1
    return true
  }
  for (;;) {
    const separator = bytes.findSeparator(from + pieceBytes)
    if (separator < 0) break
    if (piece(separator + 1)) continue
    // Not a cut between items: the scan finds the next one, and cutting at `},{` goes on.
    const next = findCuts(bytes, key, pieceBytes, { at: from, open, oneCut: true })
    if (!next || next.commas.length === 0 || !piece(next.commas[0]!)) break
  }
  const tail = findCuts(bytes, key, pieceBytes, { at: from, open })
  // Once items were handed on, the whole is only judged: JSON that parses then gives `key` again.
  const refused = (): ListingPage => {
    if (count === 0) return parsedWhole(chunks, key, visit)
    const data = parseWhole(chunks)
    return typeof data === 'string'
      ? { listed: false, data }
      : { listed: false, data, reason: `JSON that gives "${key}" more than once` }
  }
  if (!tail) return refused()
  // The rest of the body, the items' list left empty, must be JSON too, before more is handed on.
  const page = parseOr(bytes.text(0, open + 1) + bytes.text(tail.close, bytes.length))
  if (page === undefined) return refused()
  for (const end of [...tail.commas, tail.close]) {
    // The pieces are the array's items, so the whole body is not JSON either.
    if (!piece(end)) return { listed: false, data: parseWhole(chunks) }
  }
  return { listed: true, count, page: page as Record<string, unknown> }
}
