import { STATUS_CODES } from 'node:http'
import { DOCS, type Answer } from './http.js'
import type { Fault } from './types.js'

interface Pending {
  fault: Fault
  /** Matching requests seen since injection. */
  seen: number
}

export interface Faults {
  add(fault: Fault): void
  /** The fault to fire for this request, if any; counts the request for every fault it matches. */
  take(method: string, paths: string[]): Fault | undefined
}

function matches(fault: Fault, method: string, paths: string[]): boolean {
  if (fault.method && fault.method.toUpperCase() !== method.toUpperCase()) return false
  const want = fault.path
  if (want === undefined) return true
  return paths.some(path => {
    if (typeof want === 'string') return want === path
    want.lastIndex = 0
    return want.test(path)
  })
}

export function createFaults(): Faults {
  let pending: Pending[] = []
  return {
    add(fault) {
      pending.push({ fault, seen: 0 })
    },
    take(method, paths) {
      let fired: Fault | undefined
      for (const p of pending) {
        if (!matches(p.fault, method, paths)) continue
        p.seen++
        const first = p.fault.nth ?? 1
        const last = first + (p.fault.times ?? 1) - 1
        if (p.seen >= first && p.seen <= last) fired ??= p.fault
      }
      pending = pending.filter(p => p.seen < (p.fault.nth ?? 1) + (p.fault.times ?? 1) - 1)
      return fired
    }
  }
}

/** The fault's answer, carrying `rateHeaders` (the primary limit's, as of this request). */
export function faultAnswer(fault: Fault, rateHeaders: Record<string, string>): Answer {
  const status = fault.status ?? 500
  const body =
    status === 204 || status === 304
      ? undefined
      : fault.body !== undefined
        ? fault.body
        : { message: STATUS_CODES[status] ?? 'Error', documentation_url: DOCS }
  const headers: Record<string, string> = { ...rateHeaders }
  for (const [k, v] of Object.entries(fault.headers ?? {})) headers[k.toLowerCase()] = v
  return fault.rawBody === undefined
    ? { status, body, headers }
    : { status, raw: fault.rawBody, headers }
}
