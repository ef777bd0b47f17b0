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

/** More than `maxWrites` writes within `windowMs` (a sliding window) are refused until one ages out. */
export function secondaryLimit(
  options: EmulatorOptions['secondaryRateLimit'],
  now: () => number
): SecondaryLimit {
  const writes: number[] = []
  return {
    admit() {
      if (!options) return undefined
      const t = now()
      while (writes.length > 0 && (writes[0] as number) <= t - options.windowMs) writes.shift()
      if (writes.length >= options.maxWrites) {
        const frees = (writes[0] as number) + options.windowMs
        return Math.max(1, Math.ceil((frees - t) / 1000))
      }
      writes.push(t)
      return undefined
    }
  }
}
