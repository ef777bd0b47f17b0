/**
 * One HTTP exchange with GitHub's REST API through @octokit/request: the headers every request
 * carries (token, API version), the runner's proxy, writes that follow no redirect to another
 * origin (redirects.ts), a timeout per attempt, and every failure as one `ApiError`
 * (failures.ts). Pacing and retries are the policy's (policy.ts), on top of this.
 */
import { request as octokitRequest } from '@octokit/request'
import type { Transport } from './api.js'
import { lowerCaseHeaders, toApiError } from './failures.js'
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
