import { DOCS, fail, type Answer } from './http.js'

const PREFIX = 'cursor:v2:'

/** Opaque to clients, like GitHub's cursors (base64 of a position). */
export function encodeCursor(position: number): string {
  return Buffer.from(`${PREFIX}${position}`).toString('base64')
}

export function decodeCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(cursor)) return undefined
  const text = Buffer.from(cursor, 'base64').toString('utf8')
  if (!text.startsWith(PREFIX)) return undefined
  const rest = text.slice(PREFIX.length)
  return /^\d+$/.test(rest) ? Number(rest) : undefined
}

function invalid(message: string): Answer {
  return { status: 422, body: { message, documentation_url: DOCS } }
}

/** `per_page`: default 30; above 100 is clamped to 100 (as GitHub does); not a positive integer is 422. */
export function perPage(query: Record<string, string>, fallback = 30, maximum = 100): number {
  const raw = query.per_page
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    fail(invalid(`Invalid per_page value: ${JSON.stringify(raw)}. It must be a positive integer.`))
  }
  return Math.min(Number(raw), maximum)
}

export interface CursorPage<T> {
  items: T[]
  next?: string
  prev?: string
}

/**
 * Cursor pagination over items sorted by `position` ascending. `after` pages forward from a
 * cursor, `before` pages backward (the last `size` items before it); a cursor is the position of
 * the item at a page's edge, so it stays valid when that item is deleted.
 */
export function cursorPage<T>(
  items: T[],
  position: (item: T) => number,
  query: Record<string, string>
): CursorPage<T> {
  const size = perPage(query)
  if (query.after !== undefined && query.before !== undefined) {
    fail(invalid('Only one of `after` and `before` may be given.'))
  }
  const cursor = query.after ?? query.before
  const at = cursor === undefined ? undefined : decodeCursor(cursor)
  if (cursor !== undefined && at === undefined) {
    fail(invalid(`\`${cursor}\` does not appear to be a valid cursor.`))
  }
  let start: number
  let end: number
  if (query.before !== undefined) {
    end = items.filter(i => position(i) < (at as number)).length
    start = Math.max(0, end - size)
  } else {
    start = at === undefined ? 0 : items.filter(i => position(i) <= at).length
    end = Math.min(items.length, start + size)
  }
  const page = items.slice(start, end)
  const first = page[0]
  const last = page[page.length - 1]
  return {
    items: page,
    next: last !== undefined && end < items.length ? encodeCursor(position(last)) : undefined,
    prev: first !== undefined && start > 0 ? encodeCursor(position(first)) : undefined
  }
}

/** A `Link` header pointing back at the emulator, keeping every other query parameter. */
export function linkHeader(
  base: string,
  rawPath: string,
  query: Record<string, string>,
  links: Partial<Record<'next' | 'prev' | 'first' | 'last', Record<string, string>>>
): string | undefined {
  const parts: string[] = []
  for (const rel of ['next', 'prev', 'last', 'first'] as const) {
    const change = links[rel]
    if (!change) continue
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query))
      if (!(k in change) && k !== 'after' && k !== 'before') params.set(k, v)
    for (const [k, v] of Object.entries(change)) params.set(k, v)
    parts.push(`<${base}${rawPath}?${params.toString()}>; rel="${rel}"`)
  }
  return parts.length > 0 ? parts.join(', ') : undefined
}
