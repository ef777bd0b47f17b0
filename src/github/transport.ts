/**
 * One HTTP exchange with GitHub's REST API through @octokit/request: the headers every request
 * carries (token, API version), the runner's proxy, writes that follow no redirect to another
 * origin, a timeout per attempt, and every failure as one `ApiError`. Pacing and retries are the
 * policy's (policy.ts), on top of this.
 */
import { HttpClient } from '@actions/http-client'
import { request as octokitRequest } from '@octokit/request'
import type { RequestParameters } from '@octokit/types'
import { fetch as undiciFetch } from 'undici'

export const API_VERSION = '2026-03-10'

/** Response headers that explain a 401/403, as GitHub sends them. */
export interface PermissionHints {
  acceptedPermissions?: string
  acceptedScopes?: string
  tokenScopes?: string
}

/**
 * Every failed request surfaces as this one type: the endpoint (method and path), the HTTP
 * status (undefined when no response arrived: reset, timeout, DNS), GitHub's message and the
 * headers a person needs to fix it.
 *
 * `final` marks an error no retry can change: the request could not be built (nothing was sent),
 * or a write was redirected where it must not follow. The request policy throws it at once.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly final: boolean
  constructor(
    readonly endpoint: string,
    readonly status: number | undefined,
    readonly githubMessage: string,
    readonly headers: Record<string, string>,
    readonly errors: unknown[] = [],
    options?: { cause?: unknown; final?: boolean }
  ) {
    super(
      `${endpoint} ${
        status !== undefined
          ? `answered ${status}`
          : options?.final
            ? 'was not sent'
            : 'failed without a response'
      }: ${githubMessage}`,
      options?.cause === undefined ? undefined : { cause: options.cause }
    )
    this.final = options?.final ?? false
  }

  get permissionHints(): PermissionHints {
    return {
      acceptedPermissions: this.headers['x-accepted-github-permissions'],
      acceptedScopes: this.headers['x-accepted-oauth-scopes'],
      tokenScopes: this.headers['x-oauth-scopes']
    }
  }
}

export interface ApiResponse<T> {
  status: number
  headers: Record<string, string>
  data: T
}

/** One request as `send` sees it; the policy layer (pacing, retries) wraps this. */
export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  route: string
  params: RequestParameters
}

export type Transport = (call: ApiCall) => Promise<ApiResponse<unknown>>

/** "METHOD /path" of a call with its parameters filled in, for messages about calls never sent. */
export function describeCall(call: ApiCall): string {
  const path = call.route.replace(/\{(\w+)\}/g, (whole, name: string) =>
    call.params[name] === undefined ? whole : encodeURIComponent(String(call.params[name]))
  )
  return `${call.method} ${path}`
}

/**
 * A write redirected where the client must not follow: to another origin (the token and the
 * body would go there, and whether the write was applied could not be known), through too many
 * hops, or by a status that would turn it into a GET. Thrown by the client's fetch.
 */
class RedirectRefusedError extends Error {
  override readonly name = 'RedirectRefusedError'
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

/** Same-origin redirects a write follows before giving up. */
const MAX_WRITE_REDIRECTS = 3
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/**
 * The fetch handed to @octokit/request. It honours the runner's HTTPS_PROXY / NO_PROXY as other
 * actions do, and sends writes with `redirect: 'manual'`: a write follows a redirect only to the
 * same origin with the same method and body (307, 308; or 301, 302 for PUT and DELETE), a few
 * hops at most; anything else ends it with a RedirectRefusedError. Reads follow redirects as
 * fetch does. (undici answers a manual redirect with its real status and `location` header.)
 */
function proxyFetch(baseUrl: string): typeof fetch {
  const dispatcher = new HttpClient().getAgentDispatcher(baseUrl)
  const send: typeof fetch = dispatcher
    ? (((url: string, init: object) =>
        undiciFetch(url, { ...init, dispatcher })) as unknown as typeof fetch)
    : (url, init) => globalThis.fetch(url, init)
  return (async (url: string, init: RequestInit = {}) => {
    const method = (init.method ?? 'GET').toUpperCase()
    if (method === 'GET' || method === 'HEAD') return send(url, init)
    let current = new URL(url)
    for (let hops = 0; ; hops++) {
      const response = await send(current.href, { ...init, redirect: 'manual' })
      if (!REDIRECT_STATUSES.has(response.status)) return response
      await response.body?.cancel().catch(() => undefined)
      const location = response.headers.get('location')
      if (location === null) {
        // @octokit/request would take a 3xx for success, though the write was not applied.
        throw new RedirectRefusedError(
          response.status,
          "redirected without a location; the write was not applied. Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server)"
        )
      }
      let target: URL
      try {
        target = new URL(location, current)
      } catch {
        throw new RedirectRefusedError(
          response.status,
          `redirected to a location that is not a URL; a write is not followed. Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server)`
        )
      }
      const advice =
        "Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server, https://api.SUBDOMAIN.ghe.com), so that writes are not redirected"
      if (target.origin !== current.origin) {
        throw new RedirectRefusedError(
          response.status,
          `redirected to another origin, ${target.origin}; a write is not followed there (the token would go with it, and whether the write was applied could not be known), so it was not applied here. ${advice}`
        )
      }
      const becomesGet =
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      if (becomesGet) {
        throw new RedirectRefusedError(
          response.status,
          `redirected with ${response.status}, which turns the ${method} into a GET; the write is not followed. ${advice}`
        )
      }
      if (hops >= MAX_WRITE_REDIRECTS) {
        throw new RedirectRefusedError(
          response.status,
          `redirected more than ${MAX_WRITE_REDIRECTS} times (last to ${target.origin}${target.pathname}); the write is not followed further. ${advice}`
        )
      }
      current = target
    }
  }) as typeof fetch
}

function lowerCaseHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v)
  }
  return out
}

interface OctokitFailure {
  name?: string
  status?: number
  message?: string
  cause?: unknown
  response?: { status: number; headers: Record<string, unknown>; data: unknown }
  request?: { method?: string; url?: string }
}

/**
 * A fault of the network, which a retry may get past: undici's `TypeError: fetch failed` (with
 * the socket's error as its cause), or an abort or timeout. @octokit/request throws an
 * AbortError as is and wraps anything else in a RequestError (status 500, no response) whose
 * cause is the original error.
 */
function isNetworkFault(error: unknown): boolean {
  let e = error
  for (let depth = 0; depth < 3 && typeof e === 'object' && e !== null; depth++) {
    const { name, message, cause } = e as { name?: unknown; message?: unknown; cause?: unknown }
    if (name === 'AbortError' || name === 'TimeoutError') return true
    if (name === 'TypeError' && message === 'fetch failed' && cause !== undefined) return true
    e = cause
  }
  return false
}

function causeOfType<T>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  let e = error
  for (let depth = 0; depth < 3 && typeof e === 'object' && e !== null; depth++) {
    if (e instanceof type) return e
    e = (e as { cause?: unknown }).cause
  }
  return undefined
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
    (e as { name?: unknown }).name === 'HttpError' &&
    (e as { cause?: unknown }).cause !== undefined
  ) {
    e = (e as { cause?: unknown }).cause
  }
  const { name, message } = (typeof e === 'object' && e !== null ? e : {}) as {
    name?: unknown
    message?: unknown
  }
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

/**
 * The words of a network fault: a timeout's or an abort's own message, else the socket's error
 * under undici's "fetch failed" (as @octokit/request does, but without relying on instanceof,
 * which fails across realms), else what @octokit/request said.
 */
function faultMessage(error: unknown): string {
  let e = error
  for (let depth = 0; depth < 3 && typeof e === 'object' && e !== null; depth++) {
    const { name, message, cause } = e as { name?: unknown; message?: unknown; cause?: unknown }
    if ((name === 'AbortError' || name === 'TimeoutError') && typeof message === 'string') {
      return message
    }
    if (name === 'TypeError' && message === 'fetch failed') {
      const inner = (cause as { message?: unknown } | undefined)?.message
      if (typeof inner === 'string' && inner !== '') return inner
    }
    e = cause
  }
  const message = (error as { message?: unknown } | undefined)?.message
  return typeof message === 'string' && message !== '' ? message : String(error)
}

function describeEndpoint(call: ApiCall, baseUrl: string, url: string | undefined): string {
  const path = url ? url.replace(baseUrl, '') : call.route
  return `${call.method} ${path}`
}

function toApiError(
  error: unknown,
  call: ApiCall,
  baseUrl: string,
  secrets: readonly string[] = []
): ApiError {
  if (error instanceof ApiError) return error
  const e = (error ?? {}) as OctokitFailure
  const endpoint = describeEndpoint(call, baseUrl, e.request?.url)
  const redirect = causeOfType(error, RedirectRefusedError)
  if (redirect) {
    return new ApiError(endpoint, redirect.status, redirect.message, {}, [], {
      cause: error,
      final: true
    })
  }
  if (!e.response && !isNetworkFault(error)) {
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
  if (!e.response) {
    // @octokit/request puts the socket's own words (e.g. "other side closed") in its message.
    return new ApiError(endpoint, undefined, faultMessage(error), {}, [], { cause: error })
  }
  const data = e.response.data as { message?: string; errors?: unknown[] } | string | undefined
  const message =
    typeof data === 'object' && data?.message
      ? data.message
      : typeof data === 'string' && data
        ? data.slice(0, 200)
        : (e.message ?? 'no message')
  const errors = typeof data === 'object' && Array.isArray(data?.errors) ? data.errors : []
  return new ApiError(
    endpoint,
    e.response.status,
    message,
    lowerCaseHeaders(e.response.headers),
    errors,
    {
      cause: error
    }
  )
}

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
      fetch: proxyFetch(baseUrl),
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
      return { status: res.status, headers: lowerCaseHeaders(res.headers), data: res.data }
    } catch (error) {
      throw toApiError(error, call, baseUrl, [options.token])
    }
  }
}
