import type { Exchange } from './exchange.js'

/** The emulator's log: entries in arrival order, even when a slower request finishes later. */
export interface RequestLog {
  entries: Exchange[]
  /** Records an exchange whose `responseBody` is `body()`, called once, when first read. */
  record(entry: Omit<Exchange, 'responseBody'>, body: () => unknown): void
  clear(): void
}

export function createRequestLog(): RequestLog {
  const entries: Exchange[] = []
  return {
    entries,
    record(fields, body) {
      let decoded: { value: unknown } | undefined
      const entry = Object.defineProperty(fields, 'responseBody', {
        enumerable: true,
        get: () => (decoded ??= { value: body() }).value
      }) as Exchange
      let at = entries.length
      while (at > 0 && (entries[at - 1] as Exchange).seq > entry.seq) at--
      entries.splice(at, 0, entry)
    },
    clear() {
      entries.length = 0
    }
  }
}
