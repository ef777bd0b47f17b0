/**
 * How requests go out: writes one at a time with a minimum gap, reads a few at a time, the whole
 * queue paused by a secondary rate limit, waits for a primary limit that resets soon, and bounded
 * retries of server faults and lost connections. Everything else is an answer and is not retried.
 *
 * A small layer of our own rather than @octokit/plugin-throttling and @octokit/plugin-retry:
 * those plug into @octokit/core (this action uses @octokit/request directly), throttle by
 * request groups rather than giving us one serial write queue with a gap we set, and cannot
 * read back a Space before repeating a create. The policy is a few dozen lines and is tested
 * with a clock we control.
 */
import {
  ApiError,
  describeCall,
  type ApiCall,
  type ApiResponse,
  type Transport
} from './transport.js'

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms))
}

export interface PolicyOptions {
  /** Minimum time between the end of one write and the start of the next (GitHub asks for 1 s). */
  writeIntervalMs: number
  clock?: Clock
  log?: (line: string) => void
  /** Jitter source in [0, 1). */
  random?: () => number
  /** How many reads may be in flight at once. */
  readConcurrency?: number
  /** Retries of 5xx answers, timeouts and lost connections, per request. */
  maxFaultRetries?: number
  /**
   * The most one request may take across its fault retries: its attempts and the backoffs
   * between them (rate-limit waits do not count; they have bounds of their own). Each attempt
   * is cut short at what remains, and no retry starts whose backoff would pass it.
   */
  maxRequestMs?: number
  /** Retries after a secondary rate limit, per request. */
  maxRateLimitRetries?: number
  /** The longest the action waits for a primary rate limit to reset before it gives up. */
  primaryWaitBudgetMs?: number
  /**
   * Called before repeating a write whose answer was lost: a request can fail after GitHub has
   * applied it. Returning a response ends the request with it instead of sending it again.
   */
  recover?: (call: ApiCall) => Promise<ApiResponse<unknown> | undefined>
}

export const DEFAULTS = {
  readConcurrency: 4,
  maxFaultRetries: 4,
  maxRequestMs: 120_000,
  maxRateLimitRetries: 5,
  primaryWaitBudgetMs: 10 * 60_000,
  faultBaseMs: 1000,
  secondaryDefaultMs: 60_000,
  /** Below this many requests left, requests are spread over the time until the reset. */
  lowRemaining: 50,
  /** The most that spreading puts between two requests. */
  maxSpreadMs: 60_000
} as const

/**
 * A request the policy did not send, because a rate limit had already stopped the run: sending
 * it would only be refused too, and would prolong the limit.
 */
export class NotSentError extends Error {
  override readonly name = 'NotSentError'
}

const FAULT_STATUSES = new Set([500, 502, 503, 504])

function isSecondaryLimit(e: ApiError): boolean {
  return (e.status === 403 || e.status === 429) && /secondary rate limit/i.test(e.githubMessage)
}

function isPrimaryLimit(e: ApiError): boolean {
  return (e.status === 403 || e.status === 429) && e.headers['x-ratelimit-remaining'] === '0'
}

function isFault(e: ApiError): boolean {
  return e.status === undefined || FAULT_STATUSES.has(e.status)
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`

export function createPolicy(options: PolicyOptions): (next: Transport) => Transport {
  const clock = options.clock ?? systemClock
  const log = options.log ?? (() => {})
  const random = options.random ?? Math.random
  const readConcurrency = options.readConcurrency ?? DEFAULTS.readConcurrency
  const maxFaultRetries = options.maxFaultRetries ?? DEFAULTS.maxFaultRetries
  const maxRateLimitRetries = options.maxRateLimitRetries ?? DEFAULTS.maxRateLimitRetries
  const maxRequestMs = options.maxRequestMs ?? DEFAULTS.maxRequestMs
  const budget = options.primaryWaitBudgetMs ?? DEFAULTS.primaryWaitBudgetMs

  let pausedUntil = 0
  let writeQueue: Promise<unknown> = Promise.resolve()
  let lastWriteEnd = -Infinity
  let readsInFlight = 0
  const readWaiters: (() => void)[] = []
  let spreadUntil = 0
  let spreadGapMs = 0
  /** When GitHub said no requests remain: the reset time. */
  let exhaustedUntil = 0
  /** Set once a rate limit has stopped the run: later requests are not sent. */
  let stopped: { until: number; reason: string } | undefined

  /** Every request waits out a pause set by any other (a secondary limit stops the whole queue). */
  async function waitForPause(): Promise<void> {
    for (let now = clock.now(); now < pausedUntil; now = clock.now())
      await clock.sleep(pausedUntil - now)
  }

  function pause(ms: number): void {
    pausedUntil = Math.max(pausedUntil, clock.now() + ms)
  }

  function stop(until: number, reason: string): void {
    stopped = { until, reason }
  }

  /** Reads the primary budget from a response: note exhaustion, or slow down when it runs low. */
  function noteBudget(headers: Record<string, string>): void {
    const remaining = Number(headers['x-ratelimit-remaining'])
    const reset = Number(headers['x-ratelimit-reset']) * 1000
    if (
      headers['x-ratelimit-remaining'] === undefined ||
      !Number.isFinite(remaining) ||
      !Number.isFinite(reset)
    ) {
      return
    }
    if (remaining === 0) {
      exhaustedUntil = Math.max(exhaustedUntil, reset)
      return
    }
    if (remaining >= DEFAULTS.lowRemaining) return
    const gap = Math.min(DEFAULTS.maxSpreadMs, Math.max(0, reset - clock.now()) / remaining)
    // Said once per window, and again only when the spacing changes by a second or more.
    if (clock.now() > spreadUntil || Math.abs(gap - spreadGapMs) >= 1000) {
      log(
        `Only ${remaining} API requests left until ${new Date(reset).toISOString()}: spacing requests ${seconds(gap)} apart.`
      )
    }
    spreadGapMs = gap
    spreadUntil = reset
  }

  /** Before sending: give up at once if stopped; wait for an exhausted budget's reset if it is near. */
  async function clearToSend(call: ApiCall): Promise<void> {
    if (stopped && clock.now() < stopped.until) {
      throw new NotSentError(`${describeCall(call)} was not sent: ${stopped.reason}`)
    }
    const now = clock.now()
    if (now < exhaustedUntil) {
      const wait = exhaustedUntil - now + 1000
      const when = new Date(exhaustedUntil).toISOString()
      if (wait > budget) {
        stop(
          exhaustedUntil,
          `the API rate limit is used up until ${when}, more than ${seconds(budget)} from now; run again after the reset`
        )
        throw new NotSentError(`${describeCall(call)} was not sent: ${stopped!.reason}`)
      }
      log(`No API requests left: waiting ${seconds(wait)} for the reset at ${when}.`)
      pause(wait)
      exhaustedUntil = 0
    }
    await waitForPause()
    if (clock.now() < spreadUntil && spreadGapMs > 0) await clock.sleep(spreadGapMs)
  }

  /** The request as sent once: with a signal that ends it when the request's time is up. */
  function bounded(call: ApiCall, ms: number): ApiCall {
    const signal = AbortSignal.timeout(Math.max(1, Math.ceil(ms)))
    return { ...call, params: { ...call.params, request: { ...call.params.request, signal } } }
  }

  /** The error a request ends with when its time is up. */
  function outOfTime(error: ApiError, attempts: number): ApiError {
    const what =
      error.status === undefined ? `no response (${error.githubMessage})` : error.githubMessage
    return new ApiError(
      error.endpoint,
      error.status,
      `${what}; gave up after ${attempts} attempt(s), since one request may take at most ${seconds(maxRequestMs)} across its retries. GitHub or the network did not answer in time: run again later`,
      error.headers,
      error.errors,
      { cause: error }
    )
  }

  async function attempt(next: Transport, call: ApiCall): Promise<ApiResponse<unknown>> {
    let faults = 0
    let limits = 0
    let repeated = false
    // Only a fault (no answer, or a 5xx) can hide a write GitHub applied; a rate limit refused it.
    let maybeApplied = false
    // Time spent on this request's attempts and fault backoffs, against maxRequestMs.
    let spent = 0
    let attempts = 0
    for (;;) {
      await clearToSend(call)
      try {
        if (maybeApplied && call.method !== 'GET' && options.recover) {
          maybeApplied = false
          const recovered = await options.recover(call)
          if (recovered) {
            log(
              `${describeCall(call)}: GitHub had applied the earlier attempt; not sending it again.`
            )
            return recovered
          }
        }
        const started = clock.now()
        attempts++
        try {
          const response = await next(bounded(call, maxRequestMs - spent))
          noteBudget(response.headers)
          return response
        } finally {
          spent += clock.now() - started
        }
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        // Nothing was sent, or a retry would go the same way (a refused redirect).
        if (error.final) throw error
        // A repeated DELETE that finds nothing: the first attempt was applied.
        if (repeated && call.method === 'DELETE' && error.status === 404) {
          log(`${error.endpoint}: already deleted by the earlier attempt.`)
          return { status: 204, headers: error.headers, data: undefined }
        }
        if (isSecondaryLimit(error)) {
          if (++limits > maxRateLimitRetries) {
            stop(Infinity, `GitHub's secondary rate limit stopped this run at ${error.endpoint}`)
            throw new ApiError(
              error.endpoint,
              error.status,
              `${error.githubMessage} (still limited after ${maxRateLimitRetries} waits; GitHub asks integrations to slow down: try again later, or raise 'write-interval')`,
              error.headers,
              error.errors
            )
          }
          const retryAfter = Number(error.headers['retry-after'])
          const reset = Number(error.headers['x-ratelimit-reset']) * 1000
          const base =
            Number.isFinite(retryAfter) && error.headers['retry-after'] !== undefined
              ? retryAfter * 1000
              : error.headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)
                ? Math.max(0, reset - clock.now())
                : DEFAULTS.secondaryDefaultMs
          const wait = base * 2 ** (limits - 1) + random() * 1000
          log(
            `${error.endpoint}: secondary rate limit (${error.status}); pausing all requests for ${seconds(wait)} (wait ${limits} of ${maxRateLimitRetries}).`
          )
          pause(wait)
          repeated = true
          continue
        }
        if (isPrimaryLimit(error)) {
          const reset = Number(error.headers['x-ratelimit-reset']) * 1000
          const wait = Math.max(0, reset - clock.now()) + 1000
          const when = Number.isFinite(reset) ? new Date(reset).toISOString() : 'an unknown time'
          if (!Number.isFinite(reset) || wait > budget || ++limits > maxRateLimitRetries) {
            const reason = `the rate limit resets at ${when}, more than ${seconds(budget)} from now: not waiting; run again after the reset`
            stop(Number.isFinite(reset) ? reset : Infinity, reason)
            throw new ApiError(
              error.endpoint,
              error.status,
              `${error.githubMessage} (${reason})`,
              error.headers,
              error.errors
            )
          }
          log(
            `${error.endpoint}: rate limit exhausted; waiting ${seconds(wait)} for the reset at ${when}.`
          )
          pause(wait)
          repeated = true
          continue
        }
        noteBudget(error.headers)
        if (isFault(error) && faults < maxFaultRetries) {
          const wait = DEFAULTS.faultBaseMs * 2 ** faults * (0.5 + random())
          if (spent + wait >= maxRequestMs) throw outOfTime(error, attempts)
          faults++
          maybeApplied = true
          const what =
            error.status === undefined ? `no response (${error.githubMessage})` : `${error.status}`
          log(
            `${error.endpoint}: ${what}; retrying in ${seconds(wait)} (retry ${faults} of ${maxFaultRetries}).`
          )
          const slept = clock.now()
          await clock.sleep(wait)
          spent += clock.now() - slept
          repeated = true
          continue
        }
        throw error
      }
    }
  }

  async function write(next: Transport, call: ApiCall): Promise<ApiResponse<unknown>> {
    const run = async () => {
      const gap = lastWriteEnd + options.writeIntervalMs - clock.now()
      if (gap > 0) await clock.sleep(gap)
      try {
        return await attempt(next, call)
      } finally {
        lastWriteEnd = clock.now()
      }
    }
    const result = writeQueue.then(run, run)
    writeQueue = result.catch(() => undefined)
    return result
  }

  async function read(next: Transport, call: ApiCall): Promise<ApiResponse<unknown>> {
    while (readsInFlight >= readConcurrency)
      await new Promise<void>(resolve => readWaiters.push(resolve))
    readsInFlight++
    try {
      return await attempt(next, call)
    } finally {
      readsInFlight--
      readWaiters.shift()?.()
    }
  }

  return next => call => (call.method === 'GET' ? read(next, call) : write(next, call))
}
