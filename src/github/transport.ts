/**
 * One HTTP exchange with GitHub's REST API through @octokit/request: the headers every request
 * carries (token, API version), the runner's proxy, writes that follow no redirect to another
 * origin (redirects.ts), a timeout per attempt, a successful answer's body parsed with the
 * native `JSON.parse`, and every failure as one `ApiError` (failures.ts). Pacing and retries are
 * the policy's (policy.ts), on top of this.
 */
import { request as octokitRequest } from '@octokit/request'
import type { JsonBytes, Transport } from './api.js'
import { lowerCaseHeaders, ResponseBodyError, toApiError } from './failures.js'
import type { NodeResponse } from './fetch.js'
import { writeSafeFetch } from './redirects.js'

export const API_VERSION = '2026-03-10'

export interface TransportOptions {
  baseUrl: string
  token: string
  userAgent?: string
  /** Abort an attempt that has not answered in this long (a timeout is retried like a lost connection). */
  timeoutMs?: number
  /** Where @octokit/request's own warnings go. */
  log?: (line: string) => void
}

export function createTransport(options: TransportOptions): Transport {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const octokit = octokitRequest.defaults({
    baseUrl,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${options.token}`,
      'x-github-api-version': API_VERSION,
      'user-agent': options.userAgent ?? 'copilot-space-sync'
    },
    request: {
      fetch: writeSafeFetch(baseUrl),
      // A successful answer's body comes back unread and is parsed here (successData): the
      // library's own parser (json-with-bigint) keeps big integers exact at several times the
      // cost of JSON.parse (4-8x on a 30-50 MB listing), and no number GitHub sends the action
      // comes near 2^53. An error's body (status 400 and up) is still read and parsed by the
      // library, into its RequestError.
      parseSuccessResponseBody: false,
      // @octokit/request warns about deprecated endpoints with text from response headers: into
      // the action's own log, which neutralises it, rather than to the console.
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => options.log?.(message),
        error: (message: string) => options.log?.(message)
      }
    }
  })

  const timeoutMs = options.timeoutMs ?? 60_000
  // A signal in the call's params (the policy's bound on the whole request) shortens the attempt.
  return async call => {
    const bound = call.params.request?.signal
    const timeout = AbortSignal.timeout(timeoutMs)
    try {
      const res = await octokit(`${call.method} ${call.route}`, {
        ...call.params,
        request: { signal: bound ? AbortSignal.any([timeout, bound]) : timeout }
      })
      const headers = lowerCaseHeaders(res.headers)
      return { status: res.status, headers, data: await successData(res, headers, call.bytes) }
    } catch (error) {
      throw toApiError(error, call, baseUrl, [options.token])
    }
  }
}

/** A media type's essence (`application/json`) and its charset, both lower case. */
function mediaType(contentType: string): { type: string; charset?: string } {
  const [type = '', ...parameters] = contentType.split(';')
  const charset = parameters
    .map(p => /^\s*charset\s*=\s*"?([^"]*)"?\s*$/i.exec(p)?.[1])
    .find(c => c !== undefined)
  return { type: type.trim().toLowerCase(), charset: charset?.toLowerCase() }
}

/** The body's chunks, all of them, or a `ResponseBodyError` when the connection fails first. */
async function readBody(
  body: AsyncIterable<Uint8Array> | null,
  url: string
): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  try {
    if (body) for await (const chunk of body) chunks.push(chunk)
  } catch (error) {
    throw new ResponseBodyError(url, error)
  }
  return chunks
}

/** Chunks as text, decoded one by one: a 30 MB listing is never copied into one buffer first. */
function textOf(chunks: readonly Uint8Array[]): string {
  const decoder = new TextDecoder()
  const parts = chunks.map(chunk => decoder.decode(chunk, { stream: true }))
  parts.push(decoder.decode())
  return parts.join('')
}

/**
 * A successful answer's data, as @octokit/request would have made it but with `JSON.parse`: a
 * JSON body parsed; a JSON body that does not parse (an empty one included) as its text, which
 * the client names ("a body that is not JSON", "an empty body"); a body without a content type,
 * or of a text type, as text; anything else as an ArrayBuffer. A 204 or 205 arrives as ''. With
 * `asBytes`, a JSON body comes back unparsed (`JsonBytes`).
 */
async function successData(
  res: { url: string; data: unknown },
  headers: Record<string, string>,
  asBytes = false
): Promise<unknown> {
  // With parseSuccessResponseBody off, the library hands back '' for a 204 or 205, and the
  // unread body (null when there is none) for any other success.
  if (typeof res.data === 'string') return res.data
  const chunks = await readBody(res.data as NodeResponse['body'], res.url)
  const text = () => textOf(chunks)
  const contentType = headers['content-type']
  if (contentType === undefined) return text()
  const { type, charset } = mediaType(contentType)
  if (type === 'application/json' || type === 'application/scim+json') {
    if (asBytes) return { jsonChunks: chunks } satisfies JsonBytes
    const body = text()
    try {
      return JSON.parse(body) as unknown
    } catch {
      return body
    }
  }
  if (type.startsWith('text/') || (charset === 'utf-8' && type !== 'application/octet-stream')) {
    return text()
  }
  const bytes = Buffer.concat(chunks)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
}
