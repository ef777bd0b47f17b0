/**
 * What the transport makes of whatever @octokit/request threw (failures.ts), without a server:
 * GitHub's answers, network faults, requests that could not be built, refused redirects. The
 * thrown values are shaped as @octokit/request and undici shape them. Real HTTP is
 * network.test.ts and github-api.test.ts.
 */
import { describe, expect, it } from '@jest/globals'
import { ApiError, type ApiCall } from '../src/github/api.js'
import { toApiError } from '../src/github/failures.js'
import { RedirectRefusedError } from '../src/github/redirects.js'

const BASE = 'https://api.example.test'
const call: ApiCall = {
  method: 'POST',
  route: '/orgs/{org}/copilot-spaces/{space_number}/resources',
  params: { org: 'o', space_number: 3 }
}

/** Shaped like @octokit/request-error's RequestError. */
function requestError(
  status: number,
  message: string,
  response?: { status: number; headers: Record<string, unknown>; data: unknown },
  cause?: unknown
) {
  return Object.assign(new Error(message, { cause }), {
    name: 'HttpError',
    status,
    request: { method: 'POST', url: `${BASE}/orgs/o/copilot-spaces/3/resources`, headers: {} },
    response
  })
}

describe('toApiError', () => {
  it("an answer: GitHub's message, its errors, and the headers in lower case", () => {
    const thrown = requestError(422, 'Validation Failed - https://docs', {
      status: 422,
      headers: { 'X-Accepted-OAuth-Scopes': 'write:org', 'x-ratelimit-remaining': 4999 },
      data: { message: 'Validation Failed', errors: [{ field: 'metadata' }] }
    })
    const e = toApiError(thrown, call, BASE)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.message).toBe(
      'POST /orgs/o/copilot-spaces/3/resources answered 422: Validation Failed'
    )
    expect(e.headers).toEqual({
      'x-accepted-oauth-scopes': 'write:org',
      'x-ratelimit-remaining': '4999'
    })
    expect(e.errors).toEqual([{ field: 'metadata' }])
    expect(e.final).toBe(false)
    expect(e.cause).toBe(thrown)
  })

  it('a body that is not JSON: its start; an empty body: what the library said', () => {
    const html = `<html>${'x'.repeat(300)}</html>`
    const e = toApiError(
      requestError(502, 'Bad Gateway', { status: 502, headers: {}, data: html }),
      call,
      BASE
    )
    expect(e.githubMessage).toBe(html.slice(0, 200))
    const empty = toApiError(
      requestError(503, 'Service Unavailable', { status: 503, headers: {}, data: '' }),
      call,
      BASE
    )
    expect(empty.githubMessage).toBe('Service Unavailable')
  })

  it("a lost connection: no status, the socket's own words, retryable", () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })
    const fetchFailed = new TypeError('fetch failed', { cause: socket })
    const e = toApiError(requestError(500, 'fetch failed', undefined, fetchFailed), call, BASE)
    expect(e.status).toBeUndefined()
    expect(e.final).toBe(false)
    expect(e.message).toBe(
      'POST /orgs/o/copilot-spaces/3/resources failed without a response: other side closed'
    )
  })

  it('a timeout: its own message (the endpoint from the route when there is no URL)', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    const e = toApiError(timeout, call, BASE)
    expect(e.final).toBe(false)
    expect(e.message).toBe(
      `POST ${call.route} failed without a response: The operation was aborted due to timeout`
    )
  })

  it('a request the library refused to build: final, with no quoted value and no secret', () => {
    const token = 'ghp_first0123\nsecond4567'
    const invalid = new TypeError(`Headers.append: "Bearer ${token}" is an invalid header value.`)
    const e = toApiError(requestError(500, invalid.message, undefined, invalid), call, BASE, [
      token
    ])
    expect(e.final).toBe(true)
    expect(e.status).toBeUndefined()
    expect(e.message).toBe(
      'POST /orgs/o/copilot-spaces/3/resources was not sent: the HTTP library refused to build the request ' +
        '(TypeError: Headers.append: "…" is an invalid header value.); it was not retried. ' +
        'A header value with a line break or another control character (in the token, for one) is a common cause.'
    )
    for (const piece of ['ghp_first0123', 'second4567']) expect(e.message).not.toContain(piece)
  })

  it('a secret the library quotes outside quotes is masked', () => {
    const e = toApiError(new Error('bad value ghp_first0123 here'), call, BASE, ['ghp_first0123'])
    expect(e.githubMessage).toContain('(Error: bad value *** here)')
  })

  it('a refused redirect: final, with its status and reason', () => {
    const refused = new RedirectRefusedError(307, 'redirected to another origin')
    const fetchFailed = new TypeError('fetch failed', { cause: refused })
    const e = toApiError(requestError(500, 'fetch failed', undefined, fetchFailed), call, BASE)
    expect(e.final).toBe(true)
    expect(e.message).toBe(
      'POST /orgs/o/copilot-spaces/3/resources answered 307: redirected to another origin'
    )
  })

  it('an ApiError is returned as it is', () => {
    const e = new ApiError('GET /x', 404, 'Not Found', {})
    expect(toApiError(e, call, BASE)).toBe(e)
  })
})
