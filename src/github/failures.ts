/**
 * Whatever @octokit/request (or the fetch under it) threw, as one `ApiError`: an answer from
 * GitHub with its status, message and headers; a network fault a retry may get past; or a
 * failure no retry can change (a request that could not be built, a refused redirect).
 */
import type { RequestError } from '@octokit/request-error'
import { ApiError, type ApiCall } from './api.js'
import { RedirectRefusedError } from './redirects.js'

/**
 * A successful answer whose body could not be read to its end (the connection closed or the
 * attempt timed out half-way): a network fault, retried like a lost connection. `request.url`
 * names the endpoint, as a RequestError's does.
 */
export class ResponseBodyError extends Error {
  override readonly name = 'ResponseBodyError'
  readonly request: { url: string }
  constructor(url: string, cause: unknown) {
    super('the connection failed while the answer was read', { cause })
    this.request = { url }
  }
}

/** What may be read off a thrown value: a RequestError's fields, when it is one. */
type Thrown = Partial<Pick<RequestError, 'message' | 'request' | 'response'>>

export function lowerCaseHeaders(
  headers: Record<string, unknown> | undefined
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v)
  }
  return out
}

/** The error and up to two causes under it, outermost first. */
function causes(error: unknown): object[] {
  const chain: object[] = []
  let e = error
  for (let depth = 0; depth < 3 && typeof e === 'object' && e !== null; depth++) {
    chain.push(e)
    e = (e as { cause?: unknown }).cause
  }
  return chain
}

interface Named {
  name?: unknown
  message?: unknown
  cause?: unknown
}

const isAbort = ({ name }: Named) => name === 'AbortError' || name === 'TimeoutError'
const isFetchFailed = ({ name, message }: Named) =>
  name === 'TypeError' && message === 'fetch failed'

/**
 * A fault of the network, which a retry may get past: undici's `TypeError: fetch failed` (with
 * the socket's error as its cause), or an abort or timeout. @octokit/request throws an
 * AbortError as is and wraps anything else in a RequestError (status 500, no response) whose
 * cause is the original error.
 */
function isNetworkFault(error: unknown): boolean {
  return causes(error).some(
    (e: Named) =>
      isAbort(e) || (isFetchFailed(e) && e.cause !== undefined) || e instanceof ResponseBodyError
  )
}

/**
 * The words of a network fault: a timeout's or an abort's own message, else the socket's error
 * under undici's "fetch failed" (as @octokit/request does, but without relying on instanceof,
 * which fails across realms), else what @octokit/request said.
 */
function faultMessage(error: unknown): string {
  if (error instanceof ResponseBodyError) {
    // The socket's words under undici's "terminated", else the reason itself (a timeout's).
    const [, inner, under] = causes(error) as Named[]
    const reason = [under, inner]
      .map(e => e?.message)
      .find((m): m is string => typeof m === 'string' && m !== '')
    return reason ? `${error.message}: ${reason}` : error.message
  }
  for (const e of causes(error) as Named[]) {
    if (isAbort(e) && typeof e.message === 'string') return e.message
    if (isFetchFailed(e)) {
      const inner = (e.cause as { message?: unknown } | undefined)?.message
      if (typeof inner === 'string' && inner !== '') return inner
    }
  }
  const message = (error as { message?: unknown } | undefined)?.message
  return typeof message === 'string' && message !== '' ? message : String(error)
}

/**
 * What the library said when it refused to build a request, without any value it quoted (an
 * undici message quotes the header value, which may be the token) and without the secrets.
 */
function safeDetail(error: unknown, secrets: readonly string[]): string {
  let e = error
  while (
    typeof e === 'object' &&
    e !== null &&
    (e as Named).name === 'HttpError' &&
    (e as Named).cause !== undefined
  ) {
    e = (e as Named).cause
  }
  const { name, message } = (typeof e === 'object' && e !== null ? e : {}) as Named
  let text = typeof message === 'string' ? message : String(e)
  // Quoted text first to last quote, and every control character, go; then any secret left.
  text = text.replace(/"[\s\S]*"/, '"…"').replace(/'[\s\S]*'/, "'…'")
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
  for (const secret of secrets) {
    // eslint-disable-next-line no-control-regex
    for (const piece of [secret, ...secret.split(/[\u0000-\u001f\u007f-\u009f\s]+/)]) {
      if (piece.length >= 4) text = text.split(piece).join('***')
    }
  }
  return `${typeof name === 'string' ? name : 'Error'}: ${text.slice(0, 200)}`
}

/** GitHub's answer as an ApiError: its message (or the start of a non-JSON body) and errors. */
function answerError(
  endpoint: string,
  response: NonNullable<Thrown['response']>,
  error: Thrown
): ApiError {
  const data = response.data as { message?: string; errors?: unknown[] } | string | undefined
  const message =
    typeof data === 'object' && data?.message
      ? data.message
      : typeof data === 'string' && data
        ? data.slice(0, 200)
        : (error.message ?? 'no message')
  const errors = typeof data === 'object' && Array.isArray(data?.errors) ? data.errors : []
  const headers = lowerCaseHeaders(response.headers)
  return new ApiError(endpoint, response.status, message, headers, errors, { cause: error })
}

export function toApiError(
  error: unknown,
  call: ApiCall,
  baseUrl: string,
  secrets: readonly string[] = []
): ApiError {
  if (error instanceof ApiError) return error
  const e = (error ?? {}) as Thrown
  const endpoint = `${call.method} ${e.request?.url ? e.request.url.replace(baseUrl, '') : call.route}`
  const redirect = causes(error).find(
    (c): c is RedirectRefusedError => c instanceof RedirectRefusedError
  )
  if (redirect) {
    return new ApiError(endpoint, redirect.status, redirect.message, {}, [], {
      cause: error,
      final: true
    })
  }
  if (e.response) return answerError(endpoint, e.response, e)
  if (!isNetworkFault(error)) {
    // Raised while building the request (an invalid header value, URL or body): nothing was
    // sent, and sending it again would fail the same way.
    return new ApiError(
      endpoint,
      undefined,
      `the HTTP library refused to build the request (${safeDetail(error, secrets)}); it was not retried. ` +
        'A header value with a line break or another control character (in the token, for one) is a common cause.',
      {},
      [],
      { cause: error, final: true }
    )
  }
  // @octokit/request puts the socket's own words (e.g. "other side closed") in its message.
  return new ApiError(endpoint, undefined, faultMessage(error), {}, [], { cause: error })
}
