/** What a handler answers; the server adds the headers every response carries. */
export interface Answer {
  status: number
  body?: unknown
  /** Sent instead of the JSON of `body` (a fault's malformed answer). */
  raw?: string
  /** The JSON of `body`, already encoded (a large answer kept between requests). */
  payload?: Buffer
  headers?: Record<string, string>
  /** True when the request changed the emulator's state. */
  applied?: boolean
}

export const DOCS = 'https://docs.github.com/rest'

/** The one REST API version the emulator serves (`X-GitHub-Api-Version`), as the action sends it. */
export const API_VERSION = '2026-03-10'

/** Thrown by handlers to answer early (an error status) from deep inside a check. */
export class ApiError extends Error {
  constructor(readonly answer: Answer) {
    super(`HTTP ${answer.status}`)
  }
}

export function fail(answer: Answer): never {
  throw new ApiError(answer)
}

export function ok(body: unknown, status = 200, applied?: boolean): Answer {
  return { status, body, applied }
}

export function notFound(message = 'Not Found'): Answer {
  return { status: 404, body: { message, documentation_url: DOCS, status: '404' } }
}

export function badCredentials(): Answer {
  return {
    status: 401,
    body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' }
  }
}

export function forbidden(message: string, headers?: Record<string, string>): Answer {
  return { status: 403, body: { message, documentation_url: DOCS, status: '403' }, headers }
}

export interface FieldError {
  resource: string
  field: string
  code: 'missing_field' | 'invalid' | 'missing' | 'already_exists'
  message?: string
}

export function validationFailed(errors: FieldError[], message = 'Validation Failed'): Answer {
  return { status: 422, body: { message, errors, documentation_url: DOCS } }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Encodes each segment of a repository path for use in a URL, keeping the slashes. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}
