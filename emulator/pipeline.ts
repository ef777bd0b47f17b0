/**
 * One request through the emulator, as a function of its state: latency, then an injected fault
 * (instead of the API, or after it with `apply`), the primary limit, the API, and the headers
 * every answer carries. What comes out is what to send and what to record.
 */
import { answerApi, WRITE_METHODS, type ApiEnv } from './api.js'
import type { Exchange } from './exchange.js'
import { createFaults, faultAnswer } from './faults.js'
import { API_VERSION, DOCS, type Answer } from './http.js'
import type { Incoming } from './incoming.js'
import type { PrimaryLimit } from './limits.js'
import type { Fault } from './types.js'

const RATE_HEADERS = /^x-ratelimit-/

/**
 * What to send (nothing when `reset`: the socket is destroyed) and the log entry, less its timing
 * and its body: `body` decodes that when a reader asks (a 30 MB listing is not parsed back for a
 * log nobody reads).
 */
export interface Reply {
  status: number
  headers: Record<string, string>
  payload: Buffer
  reset: boolean
  exchange: Omit<Exchange, 'seq' | 'startedAt' | 'endedAt' | 'responseBody'>
  body: () => unknown
}

export interface Pipeline {
  respond(inc: Incoming): Promise<Reply>
  injectFault(fault: Fault): void
  setLatency(ms: number): void
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

function pick(headers: Record<string, string> | undefined, name: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([k]) => name.test(k)))
}

/** The API's answer with the primary limit's headers; `applied` as the handler said. */
async function limitedAnswer(env: ApiEnv, primary: PrimaryLimit, inc: Incoming): Promise<Answer> {
  const counted = primary.consume()
  let answer: Answer
  try {
    answer = await answerApi(env, inc, counted.exhausted)
  } catch (error) {
    answer = {
      status: 500,
      body: { message: `Emulator error: ${(error as Error).message}`, documentation_url: DOCS }
    }
  }
  return { ...answer, headers: { ...counted.headers, ...answer.headers } }
}

/** The headers and bytes of an answer, and the log entry that goes with them. */
function reply(inc: Incoming, answer: Answer, fault: Fault | undefined): Reply {
  const headers: Record<string, string> = {
    'x-github-request-id': inc.id,
    'x-github-api-version-selected': API_VERSION,
    'x-github-media-type': 'github.v3; format=json'
  }
  for (const [k, v] of Object.entries(answer.headers ?? {})) headers[k.toLowerCase()] = v
  const hasBody =
    answer.status !== 204 &&
    answer.status !== 304 &&
    (answer.body !== undefined || answer.raw !== undefined || answer.payload !== undefined)
  // Encoded once: the length and the bytes sent come from the same buffer.
  const payload = !hasBody
    ? Buffer.alloc(0)
    : (answer.payload ?? Buffer.from(answer.raw ?? JSON.stringify(answer.body)))
  if (hasBody) {
    headers['content-type'] = 'application/json; charset=utf-8'
    headers['content-length'] = String(payload.length)
  }
  const reset = fault?.reset === true
  const applied = WRITE_METHODS.has(inc.method) ? answer.applied === true : undefined
  return {
    status: answer.status,
    headers,
    payload,
    reset,
    exchange: {
      method: inc.method,
      path: inc.path,
      route: inc.match?.route.template,
      query: inc.query,
      requestHeaders: inc.headers,
      requestBody: inc.body.value,
      status: reset ? 0 : answer.status,
      responseHeaders: reset ? {} : headers,
      ...(fault ? { fault: reset ? 'reset' : 'status' } : {}),
      ...(applied !== undefined ? { applied } : {})
    },
    body: () => (reset || !hasBody ? undefined : (answer.raw ?? JSON.parse(payload.toString())))
  }
}

export function createPipeline(env: ApiEnv, primary: PrimaryLimit, latencyMs = 0): Pipeline {
  const faults = createFaults()
  let latency = latencyMs
  return {
    async respond(inc) {
      if (latency > 0) await sleep(latency)
      const fault = faults.take(inc.method, [inc.path, inc.rawPath])
      if (fault && !fault.apply) return reply(inc, faultAnswer(fault, primary.headers()), fault)
      const answer = await limitedAnswer(env, primary, inc)
      if (!fault) return reply(inc, answer, undefined)
      // An applied fault: the state changed, the caller sees the fault (with this request's limits).
      const faulted = faultAnswer(fault, pick(answer.headers, RATE_HEADERS))
      return reply(inc, { ...faulted, applied: answer.applied }, fault)
    },
    injectFault: fault => faults.add(fault),
    setLatency: ms => {
      latency = ms
    }
  }
}
