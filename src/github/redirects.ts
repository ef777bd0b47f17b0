/**
 * The fetch handed to @octokit/request. It honours the runner's HTTPS_PROXY / NO_PROXY as other
 * actions do, and sends writes with `redirect: 'manual'`: a write follows a redirect only to the
 * same origin with the same method and body (307, 308; or 301, 302 for PUT and DELETE), a few
 * hops at most; anything else ends it with a RedirectRefusedError. Reads follow redirects as
 * fetch does (fetch.ts).
 */
import { HttpClient } from '@actions/http-client'
import { discard, dispatcherFetch, type Init, type NodeFetch, type NodeResponse } from './fetch.js'

/**
 * A write redirected where the client must not follow: to another origin (the token and the
 * body would go there, and whether the write was applied could not be known), through too many
 * hops, or by a status that would turn it into a GET. Thrown by the client's fetch.
 */
export class RedirectRefusedError extends Error {
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

const ADVICE =
  "Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server, https://api.SUBDOMAIN.ghe.com), so that writes are not redirected"

/** Where a write's redirect goes, when it may follow it; otherwise a RedirectRefusedError. */
function writeRedirectTarget(
  response: NodeResponse,
  current: URL,
  method: string,
  hops: number
): URL {
  const status = response.status
  const location = response.headers.get('location')
  if (location === null) {
    // @octokit/request would take a 3xx for success, though the write was not applied.
    throw new RedirectRefusedError(
      status,
      "redirected without a location; the write was not applied. Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server)"
    )
  }
  let target: URL
  try {
    target = new URL(location, current)
  } catch {
    throw new RedirectRefusedError(
      status,
      `redirected to a location that is not a URL; a write is not followed. Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server)`
    )
  }
  if (target.origin !== current.origin) {
    throw new RedirectRefusedError(
      status,
      `redirected to another origin, ${target.origin}; a write is not followed there (the token would go with it, and whether the write was applied could not be known), so it was not applied here. ${ADVICE}`
    )
  }
  if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
    throw new RedirectRefusedError(
      status,
      `redirected with ${status}, which turns the ${method} into a GET; the write is not followed. ${ADVICE}`
    )
  }
  if (hops >= MAX_WRITE_REDIRECTS) {
    throw new RedirectRefusedError(
      status,
      `redirected more than ${MAX_WRITE_REDIRECTS} times (last to ${target.origin}${target.pathname}); the write is not followed further. ${ADVICE}`
    )
  }
  return target
}

/** The fetch, through the runner's proxy when it has one for `baseUrl`. */
function proxiedFetch(baseUrl: string): NodeFetch {
  return dispatcherFetch(new HttpClient().getAgentDispatcher(baseUrl))
}

export function writeSafeFetch(baseUrl: string): typeof fetch {
  const send = proxiedFetch(baseUrl)
  // @octokit/request reads no more of an answer than NodeResponse has.
  return (async (url: string, init: Init = {}): Promise<NodeResponse> => {
    const method = (init.method ?? 'GET').toUpperCase()
    if (method === 'GET' || method === 'HEAD') return send(url, init)
    let current = new URL(url)
    for (let hops = 0; ; hops++) {
      const response = await send(current.href, { ...init, redirect: 'manual' })
      if (!REDIRECT_STATUSES.has(response.status)) return response
      if (response.body) discard(response.body)
      current = writeRedirectTarget(response, current, method, hops)
    }
  }) as unknown as typeof fetch
}
