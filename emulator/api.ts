/**
 * The API proper, after faults and the primary limit: version, credentials, the limits' refusals,
 * route, scopes and permissions, body, handler. Each check answers early or lets the request on.
 */
import {
  acceptedScopes,
  missingScopes,
  notAccessibleMessage,
  scopeError,
  tokenFrom
} from './auth.js'
import {
  ApiError,
  API_VERSION,
  badCredentials,
  DOCS,
  forbidden,
  isObject,
  notFound
} from './http.js'
import type { Answer } from './http.js'
import type { Incoming } from './incoming.js'
import type { SecondaryLimit } from './limits.js'
import { accountId, type State, type Token } from './state.js'
import type { EmulatorOptions } from './types.js'

export const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const RATE_LIMIT_DOCS =
  'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting'
const SECONDARY_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'

/** What the API needs besides the request: the state, the clock and the options handlers read. */
export interface ApiEnv extends Pick<
  EmulatorOptions,
  'resourcesPageSize' | 'storeText' | 'nestedAttributes'
> {
  state: State
  now: () => number
  secondary: SecondaryLimit
  /** The emulator's base URL, for the URLs inside answers. */
  base: () => string
  treeLimit: number
  treeBytesLimit: number
}

function versionError(inc: Incoming): Answer | undefined {
  const version = inc.headers['x-github-api-version']
  if (version === undefined || version === API_VERSION) return undefined
  return {
    status: 400,
    body: { message: `API version ${version} is not supported.`, documentation_url: DOCS }
  }
}

/** `2026-03-02 09:00:00 UTC`, as GitHub writes the time in a rate-limit message. */
function utcStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
}

function primaryLimitError(env: ApiEnv, inc: Incoming, token: Token): Answer {
  return {
    status: 403,
    body: {
      message:
        `API rate limit exceeded for user ID ${accountId(env.state, token.login)}. If you reach out to ` +
        `GitHub Support for help, please include the request ID ${inc.id} and timestamp ` +
        `${utcStamp(env.now())}.`,
      documentation_url: RATE_LIMIT_DOCS
    }
  }
}

function secondaryLimitError(env: ApiEnv, inc: Incoming): Answer | undefined {
  if (!WRITE_METHODS.has(inc.method)) return undefined
  const retryAfter = env.secondary.admit()
  if (retryAfter === undefined) return undefined
  return {
    status: 403,
    headers: { 'retry-after': String(retryAfter) },
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try ' +
        `again. If you reach out to GitHub Support for help, please include the request ID ${inc.id}.`,
      documentation_url: SECONDARY_DOCS
    }
  }
}

/** Sets the permission and scope headers of the route, and refuses a token that may not use it. */
function accessError(
  inc: Incoming,
  token: Token,
  extra: Record<string, string>
): Answer | undefined {
  const route = inc.match?.route
  if (!route) return notFound()
  if (route.permission) {
    // Sent whatever the token kind, so a caller can tell which fine-grained permission fits.
    extra['x-accepted-github-permissions'] =
      `${route.permission}=${inc.method === 'GET' ? 'read' : 'write'}`
  }
  if (token.kind === 'classic') {
    extra['x-accepted-oauth-scopes'] = route.scopes ? acceptedScopes(route.scopes) : ''
    if (route.scopes && missingScopes(token, route.scopes).length > 0) {
      return scopeError(token, route.scopes)
    }
  } else if (route.classicOnly) {
    return forbidden(notAccessibleMessage(token))
  }
  return undefined
}

function bodyError(inc: Incoming): Answer | undefined {
  if (inc.body.malformed) {
    return { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS } }
  }
  if (WRITE_METHODS.has(inc.method) && inc.body.value !== undefined && !isObject(inc.body.value)) {
    return {
      status: 422,
      body: {
        message: `Invalid request.\n\nFor 'links/0/schema', ${JSON.stringify(inc.body.value)} is not an object.`,
        documentation_url: DOCS
      }
    }
  }
  return undefined
}

async function runHandler(env: ApiEnv, inc: Incoming, token: Token): Promise<Answer> {
  const { route, params } = inc.match as NonNullable<Incoming['match']>
  try {
    return await route.handler({
      state: env.state,
      base: env.base(),
      method: inc.method,
      params,
      query: inc.query,
      rawPath: inc.rawPath,
      body: inc.body.value,
      token,
      treeLimit: env.treeLimit,
      treeBytesLimit: env.treeBytesLimit,
      resourcesPageSize: env.resourcesPageSize,
      storeText: env.storeText,
      nestedAttributes: env.nestedAttributes
    })
  } catch (error) {
    if (error instanceof ApiError) return error.answer
    throw error
  }
}

/** The answer to one request that got past faults; `exhausted` when the primary limit refused it. */
export async function answerApi(env: ApiEnv, inc: Incoming, exhausted: boolean): Promise<Answer> {
  const early = versionError(inc)
  if (early) return early
  const token = env.state.tokens.get(tokenFrom(inc.headers.authorization) ?? '')
  if (!token) return badCredentials()
  // Headers every later answer carries, filled in as the checks learn them.
  const extra: Record<string, string> = {}
  if (token.kind === 'classic') extra['x-oauth-scopes'] = token.scopes.join(', ')
  const answer =
    (exhausted ? primaryLimitError(env, inc, token) : undefined) ??
    secondaryLimitError(env, inc) ??
    accessError(inc, token, extra) ??
    bodyError(inc) ??
    (await runHandler(env, inc, token))
  return { ...answer, headers: { ...extra, ...answer.headers } }
}
