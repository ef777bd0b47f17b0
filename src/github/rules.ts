/**
 * The retry and rate-limit policy as data and pure functions: the limits (`RetryRules`, with the
 * action's `DEFAULTS`), what kind of failure an error is (`classify`), and how long each kind is
 * waited out (`secondaryWait`, `primaryWait`, `faultWait`) or how far apart a low budget spreads
 * requests (`budgetSpacing`). Time and randomness come in as arguments; the state that uses these
 * answers (the write queue, the read slots, the pause) is policy.ts.
 */
import { ApiError } from './api.js'

export interface RetryRules {
  /** How many reads may be in flight at once. */
  readConcurrency: number
  /** Retries of 5xx answers, timeouts and lost connections, per request. */
  maxFaultRetries: number
  /**
   * The most one request may take across its fault retries: its attempts and the backoffs
   * between them (rate-limit waits do not count; they have bounds of their own). Each attempt
   * is cut short at what remains, and no retry starts whose backoff would pass it.
   */
  maxRequestMs: number
  /** Retries after a rate limit (secondary, or a primary one that resets soon), per request. */
  maxRateLimitRetries: number
  /** The longest the action waits for a primary rate limit to reset before it gives up. */
  primaryWaitBudgetMs: number
  /** The first fault backoff, before jitter; it doubles with each retry. */
  faultBaseMs: number
  /** A secondary limit's first wait when GitHub says neither `retry-after` nor a reset. */
  secondaryDefaultMs: number
  /** Below this many requests left, requests are spread over the time until the reset. */
  lowRemaining: number
  /** The most that spreading puts between two requests. */
  maxSpreadMs: number
}

export const DEFAULTS: Readonly<RetryRules> = Object.freeze({
  readConcurrency: 4,
  maxFaultRetries: 4,
  maxRequestMs: 120_000,
  maxRateLimitRetries: 5,
  primaryWaitBudgetMs: 10 * 60_000,
  faultBaseMs: 1000,
  secondaryDefaultMs: 60_000,
  lowRemaining: 50,
  maxSpreadMs: 60_000
})

/** `DEFAULTS`, with every rule `overrides` sets (an `undefined` keeps the default). */
export function withDefaults(overrides: Partial<RetryRules>): RetryRules {
  const rules = { ...DEFAULTS }
  for (const key of Object.keys(DEFAULTS) as (keyof RetryRules)[]) {
    const value = overrides[key]
    if (value !== undefined) rules[key] = value
  }
  return rules
}

/** Answers that are GitHub failing, not refusing: retried like a lost connection. */
export const FAULT_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504])

/**
 * - `secondary-limit`: a 403 or 429 saying "secondary rate limit": pause everything, then retry.
 * - `primary-limit`: a 403 or 429 with `x-ratelimit-remaining: 0`: wait for the reset if near.
 * - `fault`: no response (a timeout, a lost connection) or a 500, 502, 503, 504: back off, retry.
 * - `final`: nothing was sent, or a retry would go the same way; also anything not an ApiError.
 * - `answer`: every other status. GitHub answered; it is not retried.
 */
export type FailureKind = 'secondary-limit' | 'primary-limit' | 'fault' | 'final' | 'answer'

export function classify(error: unknown): FailureKind {
  if (!(error instanceof ApiError) || error.final) return 'final'
  const limited = error.status === 403 || error.status === 429
  if (limited && /secondary rate limit/i.test(error.githubMessage)) return 'secondary-limit'
  if (limited && error.headers['x-ratelimit-remaining'] === '0') return 'primary-limit'
  if (error.status === undefined || FAULT_STATUSES.has(error.status)) return 'fault'
  return 'answer'
}

type Headers = Readonly<Record<string, string | undefined>>

/** `x-ratelimit-reset` in epoch milliseconds; NaN when absent or not a number. */
export function resetTime(headers: Headers): number {
  return Number(headers['x-ratelimit-reset']) * 1000
}

/**
 * The pause after a secondary limit, `limit` counting from 1 for this request: `retry-after`
 * when GitHub sends it, else until the reset when no requests remain, else 60 s; doubled for
 * each limit before it, plus up to a second of jitter.
 */
export function secondaryWait(
  headers: Headers,
  limit: number,
  now: number,
  random: () => number,
  rules: Pick<RetryRules, 'secondaryDefaultMs'> = DEFAULTS
): number {
  const retryAfter = Number(headers['retry-after'])
  const reset = resetTime(headers)
  const base =
    Number.isFinite(retryAfter) && headers['retry-after'] !== undefined
      ? retryAfter * 1000
      : headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)
        ? Math.max(0, reset - now)
        : rules.secondaryDefaultMs
  return base * 2 ** (limit - 1) + random() * 1000
}

/**
 * The wait for a primary limit that resets at `reset` (epoch ms): until then plus a second, or
 * undefined when the reset is unknown or farther away than the budget (the action gives up).
 */
export function primaryWait(
  reset: number,
  now: number,
  rules: Pick<RetryRules, 'primaryWaitBudgetMs'> = DEFAULTS
): number | undefined {
  if (!Number.isFinite(reset)) return undefined
  const wait = Math.max(0, reset - now) + 1000
  return wait > rules.primaryWaitBudgetMs ? undefined : wait
}

/** The backoff before fault retry `retry` (from 1): doubling from `faultBaseMs`, times 0.5–1.5. */
export function faultWait(
  retry: number,
  random: () => number,
  rules: Pick<RetryRules, 'faultBaseMs'> = DEFAULTS
): number {
  return rules.faultBaseMs * 2 ** (retry - 1) * (0.5 + random())
}

/** What a response's `x-ratelimit-*` headers say about the requests left. */
export type BudgetReading =
  /** None left until `reset`. */
  | { kind: 'exhausted'; reset: number }
  /** Few left: requests go `gapMs` apart until `reset`. */
  | { kind: 'low'; remaining: number; reset: number; gapMs: number }
  /** Enough left, or the headers do not say. */
  | { kind: 'enough' }

export function budgetSpacing(
  headers: Headers,
  now: number,
  rules: Pick<RetryRules, 'lowRemaining' | 'maxSpreadMs'> = DEFAULTS
): BudgetReading {
  const remaining = Number(headers['x-ratelimit-remaining'])
  const reset = resetTime(headers)
  if (
    headers['x-ratelimit-remaining'] === undefined ||
    !Number.isFinite(remaining) ||
    !Number.isFinite(reset)
  ) {
    return { kind: 'enough' }
  }
  if (remaining === 0) return { kind: 'exhausted', reset }
  if (remaining >= rules.lowRemaining) return { kind: 'enough' }
  const gapMs = Math.min(rules.maxSpreadMs, Math.max(0, reset - now) / remaining)
  return { kind: 'low', remaining, reset, gapMs }
}
