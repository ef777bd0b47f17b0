/**
 * One request the emulator answered, as recorded in its log. Tests read these to count
 * requests and to check every exchange against GitHub's OpenAPI description.
 */
export interface Exchange {
  /** Sequence number in the emulator's log, from 1. */
  seq: number
  method: string
  /** URL path as received, percent-decoded, without the query string. */
  path: string
  /** OpenAPI path template the request matched, e.g. `/orgs/{org}/copilot-spaces/{space_number}`; undefined when no route matched. */
  route?: string
  query: Record<string, string>
  /** Lower-cased header names. */
  requestHeaders: Record<string, string>
  /** Parsed JSON body, or undefined when the request had none. */
  requestBody: unknown
  status: number
  /** Lower-cased header names. */
  responseHeaders: Record<string, string>
  /** Parsed JSON body, the raw text of a fault's `rawBody`, or undefined (204, or a connection reset). */
  responseBody: unknown
  /** Set when the answer came from an injected fault rather than the emulated API. */
  fault?: 'status' | 'reset'
  /** Set when the write was applied to the emulator's state (true even when a fault then replaced the answer). */
  applied?: boolean
  startedAt: number
  endedAt: number
}
