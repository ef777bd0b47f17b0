/**
 * The shapes every layer of the request path shares: one call as the client makes it, the answer
 * it gets, a transport (anything that turns the one into the other), and `ApiError`, the one
 * error the rest of the action sees. No behaviour lives here beyond naming a call for a message.
 */
import type { OctokitResponse, RequestParameters } from '@octokit/types'

/** Response headers that explain a 401/403, as GitHub sends them. */
export interface PermissionHints {
  acceptedPermissions?: string
  acceptedScopes?: string
  tokenScopes?: string
}

/**
 * Every failed request surfaces as this one type: the endpoint (method and path), the HTTP
 * status (undefined when no response arrived: reset, timeout, DNS), GitHub's message and the
 * headers a person needs to fix it.
 *
 * `final` marks an error no retry can change: the request could not be built (nothing was sent),
 * or a write was redirected where it must not follow. The request policy throws it at once.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly final: boolean
  constructor(
    readonly endpoint: string,
    readonly status: number | undefined,
    readonly githubMessage: string,
    readonly headers: Record<string, string>,
    readonly errors: unknown[] = [],
    options?: { cause?: unknown; final?: boolean }
  ) {
    super(
      `${endpoint} ${
        status !== undefined
          ? `answered ${status}`
          : options?.final
            ? 'was not sent'
            : 'failed without a response'
      }: ${githubMessage}`,
      options?.cause === undefined ? undefined : { cause: options.cause }
    )
    this.final = options?.final ?? false
  }

  get permissionHints(): PermissionHints {
    return {
      acceptedPermissions: this.headers['x-accepted-github-permissions'],
      acceptedScopes: this.headers['x-accepted-oauth-scopes'],
      tokenScopes: this.headers['x-oauth-scopes']
    }
  }
}

/**
 * Octokit's response, as the transport hands it on: header names in lower case and every value a
 * string. Without `url`: the policy answers some requests itself (a create found by reading the
 * Space back, a repeated DELETE that finds nothing), and those have no URL of their own.
 */
export type ApiResponse<T> = Omit<OctokitResponse<T>, 'url' | 'headers'> & {
  headers: Record<string, string>
}

/** One request as `send` sees it; the policy layer (pacing, retries) wraps this. */
export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  route: string
  params: RequestParameters
  /** A JSON answer comes back unparsed, as `JsonBytes`, for a reader that parses it in pieces. */
  bytes?: boolean
}

/** A successful JSON answer's body as read, chunk by chunk: what a call with `bytes` gets. */
export interface JsonBytes {
  readonly jsonChunks: readonly Uint8Array[]
}

export type Transport = (call: ApiCall) => Promise<ApiResponse<unknown>>

/** "METHOD /path" of a call with its parameters filled in, for messages about calls never sent. */
export function describeCall(call: ApiCall): string {
  const path = call.route.replace(/\{(\w+)\}/g, (whole, name: string) =>
    call.params[name] === undefined ? whole : encodeURIComponent(String(call.params[name]))
  )
  return `${call.method} ${path}`
}
