/** A request as the API pipeline sees it: read off the socket, parsed, and matched to a route. */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { ROUTES } from './endpoints.js'
import { matchRoute, type Route } from './routes.js'

export interface Incoming {
  id: string
  method: string
  /** The path as received, still percent-encoded. */
  rawPath: string
  /** The path percent-decoded (as recorded in the log and matched by faults). */
  path: string
  query: Record<string, string>
  /** Lower-cased names. */
  headers: Record<string, string>
  body: { value: unknown; malformed: boolean }
  match: { route: Route; params: Record<string, string> } | undefined
}

/** GitHub's request ids look like `C0DE:1A2B3C:4D5E6F7:8A9B0C1:65F1A2B3`. */
function requestId(now: number): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase()
  return `${hex(2)}:${hex(3)}:${hex(4)}:${hex(4)}:${Math.floor(now / 1000)
    .toString(16)
    .toUpperCase()}`
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function parseBody(raw: Buffer): Incoming['body'] {
  const text = raw.toString('utf8')
  if (text.trim() === '') return { value: undefined, malformed: false }
  try {
    return { value: JSON.parse(text), malformed: false }
  } catch {
    return { value: text, malformed: true }
  }
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath)
  } catch {
    return rawPath
  }
}

function lowerHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

/** Reads the whole request; `base` only resolves the request target into a URL. */
export async function readIncoming(
  req: IncomingMessage,
  base: string,
  startedAt: number
): Promise<Incoming> {
  const raw = await readBody(req)
  const url = new URL(req.url ?? '/', base)
  const method = (req.method ?? 'GET').toUpperCase()
  return {
    id: requestId(startedAt),
    method,
    rawPath: url.pathname,
    path: decodePath(url.pathname),
    query: Object.fromEntries(url.searchParams),
    headers: lowerHeaders(req.headers),
    body: parseBody(raw),
    match: matchRoute(ROUTES, method, url.pathname)
  }
}
