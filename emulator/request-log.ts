import type { Exchange } from './exchange.js'

/** The emulator's log: entries in arrival order, even when a slower request finishes later. */
export interface RequestLog {
  entries: Exchange[]
  record(entry: Exchange): void
  clear(): void
}

export function createRequestLog(): RequestLog {
  const entries: Exchange[] = []
  return {
    entries,
    record(entry) {
      let at = entries.length
      while (at > 0 && (entries[at - 1] as Exchange).seq > entry.seq) at--
      entries.splice(at, 0, entry)
    },
    clear() {
      entries.length = 0
    }
  }
}
