import type { EmulatorOptions } from './types.js'

export interface PrimaryLimit {
  /** Counts one request; `exhausted` when none were left before it. */
  consume(): { exhausted: boolean; headers: Record<string, string> }
  headers(): Record<string, string>
}

/**
 * GitHub's primary limit: a budget of requests per hour. `remaining` drops with every request, the
 * request that finds it at 0 is refused, and the budget refills once the clock passes the reset
 * time (a new hour then starts).
 */
export function primaryLimit(
  options: EmulatorOptions['rateLimit'],
  now: () => number
): PrimaryLimit {
  const limit = options?.limit ?? 5000
  let remaining = options?.remaining ?? limit
  let resetAt = options?.resetAt ?? Math.floor(now() / 1000) + 3600

  function roll(): void {
    const seconds = Math.floor(now() / 1000)
    if (seconds >= resetAt) {
      remaining = limit
      resetAt = seconds + 3600
    }
  }
  function headers(): Record<string, string> {
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(limit - remaining),
      'x-ratelimit-reset': String(resetAt),
      'x-ratelimit-resource': 'core'
    }
  }
  return {
    consume() {
      roll()
      const exhausted = remaining <= 0
      if (!exhausted) remaining--
      return { exhausted, headers: headers() }
    },
    headers() {
      roll()
      return headers()
    }
  }
}

export interface SecondaryLimit {
  /** Seconds to wait when this write would exceed the limit; otherwise records it and gives undefined. */
  admit(): number | undefined
}

/** GitHub's secondary limits on content-creating requests: 80 a minute and 500 an hour. */
export const CONTENT_CREATION_LIMITS: readonly SecondaryWindow[] = [
  { maxWrites: 80, windowMs: 60_000 },
  { maxWrites: 500, windowMs: 3_600_000 }
]

type SecondaryWindow = { maxWrites: number; windowMs: number }

/**
 * More than `maxWrites` writes within `windowMs` (a sliding window) are refused until one ages
 * out; with several windows, a write must fit in each, and the wait is the longest.
 */
export function secondaryLimit(
  options: EmulatorOptions['secondaryRateLimit'],
  now: () => number
): SecondaryLimit {
  const windows = options === undefined ? [] : Array.isArray(options) ? options : [options]
  const writes: number[] = []
  const longest = Math.max(0, ...windows.map(w => w.windowMs))
  return {
    admit() {
      const t = now()
      while (writes.length > 0 && (writes[0] as number) <= t - longest) writes.shift()
      let wait = 0
      for (const w of windows) {
        // Writes are in time order: the ones within this window are the last few.
        let first = writes.length
        while (first > 0 && (writes[first - 1] as number) > t - w.windowMs) first--
        if (writes.length - first >= w.maxWrites) {
          const frees = (writes[writes.length - w.maxWrites] as number) + w.windowMs
          wait = Math.max(wait, Math.max(1, Math.ceil((frees - t) / 1000)))
        }
      }
      if (wait > 0) return wait
      if (windows.length > 0) writes.push(t)
      return undefined
    }
  }
}
