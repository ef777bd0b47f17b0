/**
 * How requests go out: writes one at a time with a minimum gap, reads a few at a time, the whole
 * queue paused by a secondary rate limit, waits for a primary limit that resets soon, and bounded
 * retries of server faults and lost connections. Everything else is an answer and is not retried.
 * The rules (which failure is which, how long each is waited out) are data and pure functions in
 * rules.ts; this module holds the state they act on: the write queue, the read slots, the pause
 * shared by all requests, and the stop after which nothing more is sent.
 *
 * A small layer of our own rather than @octokit/plugin-throttling and @octokit/plugin-retry,
 * whose write pacing is much the same (serial, 1 s apart): a lost write is read back before it is
 * repeated (`recover`), one pause and one stop hold for every request of the run, and every wait
 * goes through a Clock the tests control (__tests__/policy.test.ts).
 */
import { ApiError, describeCall, type ApiCall, type ApiResponse, type Transport } from './api.js'
import {
  budgetSpacing,
  classify,
  faultWait,
  primaryWait,
  resetTime,
  secondaryWait,
  withDefaults,
  type RetryRules
} from './rules.js'

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms))
}

/** Any rule of `RetryRules` left out (or undefined) is the default of rules.ts. */
export interface PolicyOptions extends Partial<RetryRules> {
  /** Minimum time between the end of one write and the start of the next (GitHub asks for 1 s). */
  writeIntervalMs: number
  clock?: Clock
  log?: (line: string) => void
  /** Jitter source in [0, 1). */
  random?: () => number
  /**
   * Called before repeating a write whose answer was lost: a request can fail after GitHub has
   * applied it. Returning a response ends the request with it instead of sending it again.
   */
  recover?: (call: ApiCall) => Promise<ApiResponse<unknown> | undefined>
}

/**
 * A request the policy did not send, because a rate limit had already stopped the run: sending
 * it would only be refused too, and would prolong the limit.
 */
export class NotSentError extends Error {
  override readonly name = 'NotSentError'
  /** Why the run stopped sending, the same for every request it did not send. */
  readonly reason: string
  constructor(message: string, reason = message) {
    super(message)
    this.reason = reason
  }
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`

interface Context {
  rules: RetryRules
  clock: Clock
  log: (line: string) => void
  random: () => number
}

/**
 * What all requests share: a pause (a secondary limit stops the whole queue), an exhausted or
 * low primary budget read from the last answers, and the stop after which nothing is sent.
 */
class Gate {
  private pausedUntil = 0
  private spread = { until: 0, gapMs: 0 }
  /** When GitHub said no requests remain: the reset time. */
  private exhaustedUntil = 0
  /** Set once a rate limit has stopped the run: later requests are not sent. */
  private stopped: { until: number; reason: string } | undefined

  constructor(private readonly ctx: Context) {}

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.ctx.clock.now() + ms)
  }

  stop(until: number, reason: string): void {
    this.stopped = { until, reason }
  }

  /** Reads the primary budget from an answer: note exhaustion, or slow down when it runs low. */
  noteBudget(headers: Record<string, string>): void {
    const { clock, log, rules } = this.ctx
    const reading = budgetSpacing(headers, clock.now(), rules)
    if (reading.kind === 'exhausted') {
      this.exhaustedUntil = Math.max(this.exhaustedUntil, reading.reset)
    }
    if (reading.kind !== 'low') return
    const { remaining, reset, gapMs } = reading
    // Said once per window, and again only when the spacing changes by a second or more.
    if (clock.now() > this.spread.until || Math.abs(gapMs - this.spread.gapMs) >= 1000) {
      log(
        `Only ${remaining} API requests left until ${new Date(reset).toISOString()}: spacing requests ${seconds(gapMs)} apart.`
      )
    }
    this.spread = { until: reset, gapMs }
  }

  /** Before sending: give up if stopped; wait out an exhausted budget's near reset and any pause. */
  async clearToSend(call: ApiCall): Promise<void> {
    const { clock } = this.ctx
    this.refuseIfStopped(call)
    if (clock.now() < this.exhaustedUntil) {
      this.awaitReset(this.exhaustedUntil)
      this.refuseIfStopped(call)
    }
    for (let now = clock.now(); now < this.pausedUntil; now = clock.now())
      await clock.sleep(this.pausedUntil - now)
    if (clock.now() < this.spread.until && this.spread.gapMs > 0) {
      await clock.sleep(this.spread.gapMs)
    }
  }

  private refuseIfStopped(call: ApiCall): void {
    if (this.stopped && this.ctx.clock.now() < this.stopped.until) {
      const { reason } = this.stopped
      throw new NotSentError(`${describeCall(call)} was not sent: ${reason}`, reason)
    }
  }

  /** No requests left until `reset`: pause until then if it is near, else stop. */
  private awaitReset(reset: number): void {
    const { clock, log, rules } = this.ctx
    const wait = primaryWait(reset, clock.now(), rules)
    const when = new Date(reset).toISOString()
    if (wait === undefined) {
      this.stop(
        reset,
        `the API rate limit is used up until ${when}, more than ${seconds(rules.primaryWaitBudgetMs)} from now; run again after the reset`
      )
      return
    }
    log(`No API requests left: waiting ${seconds(wait)} for the reset at ${when}.`)
    this.pause(wait)
    this.exhaustedUntil = 0
  }
}

/**
 * Which requests may go now: writes one at a time, each starting at least `writeIntervalMs`
 * after the previous one ended; reads up to `readConcurrency` at once.
 */
class Lanes {
  private writeQueue: Promise<unknown> = Promise.resolve()
  private lastWriteEnd = -Infinity
  private readsInFlight = 0
  private readonly readWaiters: (() => void)[] = []

  constructor(
    private readonly ctx: Context,
    private readonly writeIntervalMs: number
  ) {}

  run<T>(call: ApiCall, send: () => Promise<T>): Promise<T> {
    return call.method === 'GET' ? this.read(send) : this.write(send)
  }

  private async write<T>(send: () => Promise<T>): Promise<T> {
    const run = async () => {
      const gap = this.lastWriteEnd + this.writeIntervalMs - this.ctx.clock.now()
      if (gap > 0) await this.ctx.clock.sleep(gap)
      try {
        return await send()
      } finally {
        this.lastWriteEnd = this.ctx.clock.now()
      }
    }
    const result = this.writeQueue.then(run, run)
    this.writeQueue = result.catch(() => undefined)
    return result
  }

  private async read<T>(send: () => Promise<T>): Promise<T> {
    while (this.readsInFlight >= this.ctx.rules.readConcurrency)
      await new Promise<void>(resolve => this.readWaiters.push(resolve))
    this.readsInFlight++
    try {
      return await send()
    } finally {
      this.readsInFlight--
      this.readWaiters.shift()?.()
    }
  }
}

/** What one request's attempts use: the rules, the shared gate, and the read-back before a repeat. */
interface Shared extends Context {
  gate: Gate
  recover: PolicyOptions['recover']
}

/** One request's retries so far. */
interface Tally {
  faults: number
  limits: number
  /** Sent more than once: a repeated DELETE that finds nothing was applied by an earlier one. */
  repeated: boolean
  /** Only a fault (no answer, or a 5xx) can hide a write GitHub applied; a rate limit refused it. */
  maybeApplied: boolean
  /** Time spent on this request's attempts and fault backoffs, against maxRequestMs. */
  spent: number
  attempts: number
}

/** The request as sent once: with a signal that ends it when the request's time is up. */
function bounded(call: ApiCall, ms: number): ApiCall {
  const signal = AbortSignal.timeout(Math.max(1, Math.ceil(ms)))
  return { ...call, params: { ...call.params, request: { ...call.params.request, signal } } }
}

/** The error a request ends with when its time is up. */
function outOfTime(error: ApiError, attempts: number, maxRequestMs: number): ApiError {
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

/** The error a rate limit ends a request with, GitHub's message followed by why it stopped. */
function limitError(error: ApiError, why: string): ApiError {
  return new ApiError(
    error.endpoint,
    error.status,
    `${error.githubMessage} (${why})`,
    error.headers,
    error.errors
  )
}

/** One send, after reading back a write that may have been applied; its time counts in `spent`. */
async function once(
  p: Shared,
  next: Transport,
  call: ApiCall,
  t: Tally
): Promise<ApiResponse<unknown>> {
  if (t.maybeApplied && call.method !== 'GET' && p.recover) {
    t.maybeApplied = false
    const recovered = await p.recover(call)
    if (recovered) {
      p.log(`${describeCall(call)}: GitHub had applied the earlier attempt; not sending it again.`)
      return recovered
    }
  }
  const started = p.clock.now()
  t.attempts++
  try {
    const response = await next(bounded(call, p.rules.maxRequestMs - t.spent))
    p.gate.noteBudget(response.headers)
    return response
  } finally {
    t.spent += p.clock.now() - started
  }
}

function onSecondaryLimit(p: Shared, error: ApiError, t: Tally): void {
  const max = p.rules.maxRateLimitRetries
  if (++t.limits > max) {
    p.gate.stop(Infinity, `GitHub's secondary rate limit stopped this run at ${error.endpoint}`)
    throw limitError(
      error,
      `still limited after ${max} waits; GitHub asks integrations to slow down: try again later, or raise 'write-interval'`
    )
  }
  const wait = secondaryWait(error.headers, t.limits, p.clock.now(), p.random, p.rules)
  p.log(
    `${error.endpoint}: secondary rate limit (${error.status}); pausing all requests for ${seconds(wait)} (wait ${t.limits} of ${max}).`
  )
  p.gate.pause(wait)
}

function onPrimaryLimit(p: Shared, error: ApiError, t: Tally): void {
  const reset = resetTime(error.headers)
  const wait = primaryWait(reset, p.clock.now(), p.rules)
  const when = Number.isFinite(reset) ? new Date(reset).toISOString() : 'an unknown time'
  if (wait === undefined || ++t.limits > p.rules.maxRateLimitRetries) {
    const why = `the rate limit resets at ${when}, more than ${seconds(p.rules.primaryWaitBudgetMs)} from now: not waiting; run again after the reset`
    p.gate.stop(Number.isFinite(reset) ? reset : Infinity, why)
    throw limitError(error, why)
  }
  p.log(
    `${error.endpoint}: rate limit exhausted; waiting ${seconds(wait)} for the reset at ${when}.`
  )
  p.gate.pause(wait)
}

async function onFault(p: Shared, error: ApiError, t: Tally): Promise<void> {
  const wait = faultWait(t.faults + 1, p.random, p.rules)
  if (t.spent + wait >= p.rules.maxRequestMs) {
    throw outOfTime(error, t.attempts, p.rules.maxRequestMs)
  }
  t.faults++
  t.maybeApplied = true
  const what =
    error.status === undefined ? `no response (${error.githubMessage})` : `${error.status}`
  p.log(
    `${error.endpoint}: ${what}; retrying in ${seconds(wait)} (retry ${t.faults} of ${p.rules.maxFaultRetries}).`
  )
  const slept = p.clock.now()
  await p.clock.sleep(wait)
  t.spent += p.clock.now() - slept
}

/** After a failed attempt: the answer to end with, undefined to try again, or a throw. */
async function afterFailure(
  p: Shared,
  error: unknown,
  call: ApiCall,
  t: Tally
): Promise<ApiResponse<unknown> | undefined> {
  const kind = classify(error)
  if (kind === 'final' || !(error instanceof ApiError)) throw error
  if (t.repeated && call.method === 'DELETE' && error.status === 404) {
    p.log(`${error.endpoint}: already deleted by the earlier attempt.`)
    return { status: 204, headers: error.headers, data: undefined }
  }
  if (kind === 'secondary-limit') onSecondaryLimit(p, error, t)
  else if (kind === 'primary-limit') onPrimaryLimit(p, error, t)
  else {
    p.gate.noteBudget(error.headers)
    if (kind !== 'fault' || t.faults >= p.rules.maxFaultRetries) throw error
    await onFault(p, error, t)
  }
  t.repeated = true
  return undefined
}

/** One request from its first attempt to its answer: waits, retries and the read-back. */
async function attempt(p: Shared, next: Transport, call: ApiCall): Promise<ApiResponse<unknown>> {
  const t: Tally = {
    faults: 0,
    limits: 0,
    repeated: false,
    maybeApplied: false,
    spent: 0,
    attempts: 0
  }
  for (;;) {
    try {
      await p.gate.clearToSend(call)
      return await once(p, next, call, t)
    } catch (error) {
      const answer = await afterFailure(p, error, call, t)
      if (answer) return answer
    }
  }
}

export function createPolicy(options: PolicyOptions): (next: Transport) => Transport {
  const ctx: Context = {
    rules: withDefaults(options),
    clock: options.clock ?? systemClock,
    log: options.log ?? (() => {}),
    random: options.random ?? Math.random
  }
  const shared: Shared = { ...ctx, gate: new Gate(ctx), recover: options.recover }
  const lanes = new Lanes(ctx, options.writeIntervalMs)
  return next => call => lanes.run(call, () => attempt(shared, next, call))
}
