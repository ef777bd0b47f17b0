/**
 * The fetch under @octokit/request: undici's `request` API kept to the fetch contract that the
 * library and failures.ts rely on. A network fault rejects with `TypeError('fetch failed')`, its
 * cause the socket's error; an abort rejects with the signal's reason; a request undici refuses
 * to build rejects with undici's own error. Reads follow up to 20 redirects, as fetch does, and
 * drop the token when one leads to another origin; a write's 3xx (and any with `redirect:
 * 'manual'`) is handed back as is.
 *
 * Why not undici's fetch: its body is a WHATWG stream, and a run reads its largest answer (the
 * Space's listing, 27 MB for 100,000 resources) while that code is still cold. Read through the
 * stream it took 260-300 ms on this project's machines, through a Node stream 170-190 ms.
 */
import { STATUS_CODES } from 'node:http'
import { request, type Dispatcher } from 'undici'

/** What fetch follows before giving up. */
const MAX_REDIRECTS = 20
const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** undici's errors for a request it cannot send as given: not a fault of the network. */
const NOT_SENDABLE = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED'])

/** A Node stream of the answer's bytes, async-iterable as fetch's body is. */
export type Body = Dispatcher.ResponseData['body']

export type Init = Pick<RequestInit, 'method' | 'headers' | 'body' | 'redirect' | 'signal'>

/**
 * The answer, as much of a fetch `Response` as @octokit/request and the transport read. Its
 * `body` is a Node stream (async-iterable like the WHATWG one), or null when there is none.
 */
export interface NodeResponse {
  status: number
  statusText: string
  ok: boolean
  url: string
  redirected: boolean
  headers: Headers
  body: Body | null
  text(): Promise<string>
  json(): Promise<unknown>
  arrayBuffer(): Promise<ArrayBuffer>
}

export type NodeFetch = (url: string | URL, init?: Init) => Promise<NodeResponse>

export function dispatcherFetch(dispatcher?: Dispatcher): NodeFetch {
  return async (url, init = {}) => {
    const method = (init.method ?? 'GET').toUpperCase()
    const headers = { ...(init.headers as Record<string, string> | undefined) }
    const signal = init.signal ?? undefined
    let current = new URL(url)
    for (let hops = 0; ; hops++) {
      const answer = await send(current, method, headers, init.body, signal, dispatcher)
      const location = answer.headers.location
      // Only reads are followed here: a write's redirects are redirects.ts's to judge.
      const follows = init.redirect !== 'manual' && (method === 'GET' || method === 'HEAD')
      if (!follows || !REDIRECTS.has(answer.statusCode) || !location) {
        return responseOf(answer, current, method, hops > 0)
      }
      discard(answer.body)
      if (hops >= MAX_REDIRECTS) {
        throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') })
      }
      const next = new URL(String(location), current)
      // The token goes only where it was meant to: never to another origin (as fetch does).
      if (next.origin !== current.origin) {
        for (const name of Object.keys(headers)) {
          if (name.toLowerCase() === 'authorization') delete headers[name]
        }
      }
      current = next
    }
  }
}

async function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Init['body'],
  signal: AbortSignal | undefined,
  dispatcher: Dispatcher | undefined
): Promise<Dispatcher.ResponseData> {
  try {
    return await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers,
      body: body as string | undefined,
      signal,
      ...(dispatcher ? { dispatcher } : {})
    })
  } catch (error) {
    if (signal?.aborted) throw signal.reason
    if (NOT_SENDABLE.has((error as { code?: unknown }).code as string)) throw error
    throw new TypeError('fetch failed', { cause: error })
  }
}

function responseOf(
  answer: Dispatcher.ResponseData,
  url: URL,
  method: string,
  redirected: boolean
): NodeResponse {
  const status = answer.statusCode
  const headers = new Headers()
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else if (value !== undefined) headers.append(name, value)
  }
  const empty = method === 'HEAD' || status === 204 || status === 205 || status === 304
  // An answer without a body is read off now, so that its connection is free for the next.
  if (empty) discard(answer.body)
  const body = answer.body
  return {
    status,
    statusText: STATUS_CODES[status] ?? '',
    ok: status >= 200 && status < 300,
    url: url.href,
    redirected,
    headers,
    body: empty ? null : body,
    text: async () => (empty ? '' : body.text()),
    json: async () => body.json(),
    arrayBuffer: async () => (empty ? new ArrayBuffer(0) : body.arrayBuffer())
  }
}

/** Reads off and drops a body not wanted (a redirect's, an empty one), freeing its connection. */
export function discard(body: Body): void {
  body.dump().catch(() => undefined)
}
