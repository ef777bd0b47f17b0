/**
 * The one thin, typed client for the GitHub REST endpoints the action uses: Copilot Spaces
 * (spaces and their resources, for organizations and users) and the few repository reads that
 * resolve the sync scope without a checkout. It is the only module that names a route; every
 * request goes through `send`, which is where pacing and retries live.
 */
import { HttpClient } from '@actions/http-client'
import { request as octokitRequest } from '@octokit/request'
import type { Endpoints, RequestParameters } from '@octokit/types'
import { fetch as undiciFetch } from 'undici'
import { createPolicy, type PolicyOptions } from './request-policy.js'

export const API_VERSION = '2026-03-10'

export type OwnerType = 'org' | 'user'

/** Names one Copilot Space: who owns it and its number within that owner. */
export interface SpaceRef {
  ownerType: OwnerType
  owner: string
  number: number
}

type OrgSpaces = '/orgs/{org}/copilot-spaces'
type OrgSpace = `${OrgSpaces}/{space_number}`
type OrgResources = `${OrgSpace}/resources`
type OrgResource = `${OrgResources}/{space_resource_id}`

export type Space = Endpoints[`GET ${OrgSpace}`]['response']['data']
export type SpaceResource = Endpoints[`GET ${OrgResource}`]['response']['data']
export type CreateSpaceBody = Endpoints[`POST ${OrgSpaces}`]['request']['data'] & { name: string }
export type UpdateSpaceBody = NonNullable<Endpoints[`PUT ${OrgSpace}`]['request']['data']>
export type CreateResourceBody = Endpoints[`POST ${OrgResources}`]['request']['data'] & {
  resource_type: SpaceResource['resource_type']
  metadata: Record<string, unknown>
}
export type Repository = Endpoints['GET /repos/{owner}/{repo}']['response']['data']
export type Comparison =
  Endpoints['GET /repos/{owner}/{repo}/compare/{basehead}']['response']['data']
export type Tree = Endpoints['GET /repos/{owner}/{repo}/git/trees/{tree_sha}']['response']['data']
export type Blob = Endpoints['GET /repos/{owner}/{repo}/git/blobs/{file_sha}']['response']['data']
export type Account = Endpoints['GET /users/{username}']['response']['data']

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

export interface ApiResponse<T> {
  status: number
  headers: Record<string, string>
  data: T
}

/** One request as `send` sees it; the policy layer (pacing, retries) wraps this. */
export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  route: string
  params: RequestParameters
}

export type Transport = (call: ApiCall) => Promise<ApiResponse<unknown>>

/** "METHOD /path" of a call with its parameters filled in, for messages about calls never sent. */
export function describeCall(call: ApiCall): string {
  const path = call.route.replace(/\{(\w+)\}/g, (whole, name: string) =>
    call.params[name] === undefined ? whole : encodeURIComponent(String(call.params[name]))
  )
  return `${call.method} ${path}`
}

export interface ClientOptions {
  baseUrl: string
  token: string
  userAgent?: string
  /** Pacing and retries (request-policy.ts); without it every request is sent once, at once. */
  policy?: Omit<PolicyOptions, 'recover'>
  /**
   * How a create whose answer was lost is recognised in the listing read back before repeating
   * it (GitHub may normalise what it stores, so this is the resource's identity, not its bytes).
   */
  isCreated?: (sent: CreateResourceBody, listed: SpaceResource) => boolean
  /** Abort a request that has not answered in this long (a timeout is retried like a lost connection). */
  timeoutMs?: number
}

export type Client = ReturnType<typeof createClient>

/**
 * A write redirected where the client must not follow: to another origin (the token and the
 * body would go there, and whether the write was applied could not be known), through too many
 * hops, or by a status that would turn it into a GET. Thrown by the client's fetch.
 */
class RedirectRefusedError extends Error {
  override readonly name = 'RedirectRefusedError'
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

/** Same-origin redirects a write follows before giving up. */
const MAX_WRITE_REDIRECTS = 3
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/**
 * The fetch handed to @octokit/request. It honours the runner's HTTPS_PROXY / NO_PROXY as other
 * actions do, and sends writes with `redirect: 'manual'`: a write follows a redirect only to the
 * same origin with the same method and body (307, 308; or 301, 302 for PUT and DELETE), a few
 * hops at most; anything else ends it with a RedirectRefusedError. Reads follow redirects as
 * fetch does. (undici answers a manual redirect with its real status and `location` header.)
 */
function proxyFetch(baseUrl: string): typeof fetch {
  const dispatcher = new HttpClient().getAgentDispatcher(baseUrl)
  const send: typeof fetch = dispatcher
    ? (((url: string, init: object) =>
        undiciFetch(url, { ...init, dispatcher })) as unknown as typeof fetch)
    : (url, init) => globalThis.fetch(url, init)
  return (async (url: string, init: RequestInit = {}) => {
    const method = (init.method ?? 'GET').toUpperCase()
    if (method === 'GET' || method === 'HEAD') return send(url, init)
    let current = new URL(url)
    for (let hops = 0; ; hops++) {
      const response = await send(current.href, { ...init, redirect: 'manual' })
      if (!REDIRECT_STATUSES.has(response.status)) return response
      await response.body?.cancel().catch(() => undefined)
      const location = response.headers.get('location')
      if (location === null) {
        // @octokit/request would take a 3xx for success, though the write was not applied.
        throw new RedirectRefusedError(
          response.status,
          "redirected without a location; the write was not applied. Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server)"
        )
      }
      let target: URL
      try {
        target = new URL(location, current)
      } catch {
        throw new RedirectRefusedError(
          response.status,
          `redirected to a location that is not a URL; a write is not followed. Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server)`
        )
      }
      const advice =
        "Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server, https://api.SUBDOMAIN.ghe.com), so that writes are not redirected"
      if (target.origin !== current.origin) {
        throw new RedirectRefusedError(
          response.status,
          `redirected to another origin, ${target.origin}; a write is not followed there (the token would go with it, and whether the write was applied could not be known), so it was not applied here. ${advice}`
        )
      }
      const becomesGet =
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      if (becomesGet) {
        throw new RedirectRefusedError(
          response.status,
          `redirected with ${response.status}, which turns the ${method} into a GET; the write is not followed. ${advice}`
        )
      }
      if (hops >= MAX_WRITE_REDIRECTS) {
        throw new RedirectRefusedError(
          response.status,
          `redirected more than ${MAX_WRITE_REDIRECTS} times (last to ${target.origin}${target.pathname}); the write is not followed further. ${advice}`
        )
      }
      current = target
    }
  }) as typeof fetch
}

function lowerCaseHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v)
  }
  return out
}

interface OctokitFailure {
  name?: string
  status?: number
  message?: string
  cause?: unknown
  response?: { status: number; headers: Record<string, unknown>; data: unknown }
  request?: { method?: string; url?: string }
}

/**
 * A fault of the network, which a retry may get past: undici's `TypeError: fetch failed` (with
 * the socket's error as its cause), or an abort or timeout. @octokit/request throws an
 * AbortError as is and wraps anything else in a RequestError (status 500, no response) whose
 * cause is the original error.
 */
function isNetworkFault(error: unknown): boolean {
  let e = error
  for (let depth = 0; depth < 3 && typeof e === 'object' && e !== null; depth++) {
    const { name, message, cause } = e as { name?: unknown; message?: unknown; cause?: unknown }
    if (name === 'AbortError' || name === 'TimeoutError') return true
    if (name === 'TypeError' && message === 'fetch failed' && cause !== undefined) return true
    e = cause
  }
  return false
}

function causeOfType<T>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  let e = error
  for (let depth = 0; depth < 3 && typeof e === 'object' && e !== null; depth++) {
    if (e instanceof type) return e
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * What the library said when it refused to build a request, without any value it quoted (an
 * undici message quotes the header value, which may be the token) and without the secrets.
 */
function safeDetail(error: unknown, secrets: readonly string[]): string {
  let e = error
  while (
    typeof e === 'object' &&
    e !== null &&
    (e as { name?: unknown }).name === 'HttpError' &&
    (e as { cause?: unknown }).cause !== undefined
  ) {
    e = (e as { cause?: unknown }).cause
  }
  const { name, message } = (typeof e === 'object' && e !== null ? e : {}) as {
    name?: unknown
    message?: unknown
  }
  let text = typeof message === 'string' ? message : String(e)
  // Quoted text first to last quote, and every control character, go; then any secret left.
  text = text.replace(/"[\s\S]*"/, '"…"').replace(/'[\s\S]*'/, "'…'")
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
  for (const secret of secrets) {
    // eslint-disable-next-line no-control-regex
    for (const piece of [secret, ...secret.split(/[\u0000-\u001f\u007f-\u009f\s]+/)]) {
      if (piece.length >= 4) text = text.split(piece).join('***')
    }
  }
  return `${typeof name === 'string' ? name : 'Error'}: ${text.slice(0, 200)}`
}

/**
 * The words of a network fault: a timeout's or an abort's own message, else the socket's error
 * under undici's "fetch failed" (as @octokit/request does, but without relying on instanceof,
 * which fails across realms), else what @octokit/request said.
 */
function faultMessage(error: unknown): string {
  let e = error
  for (let depth = 0; depth < 3 && typeof e === 'object' && e !== null; depth++) {
    const { name, message, cause } = e as { name?: unknown; message?: unknown; cause?: unknown }
    if ((name === 'AbortError' || name === 'TimeoutError') && typeof message === 'string') {
      return message
    }
    if (name === 'TypeError' && message === 'fetch failed') {
      const inner = (cause as { message?: unknown } | undefined)?.message
      if (typeof inner === 'string' && inner !== '') return inner
    }
    e = cause
  }
  const message = (error as { message?: unknown } | undefined)?.message
  return typeof message === 'string' && message !== '' ? message : String(error)
}

function describeEndpoint(call: ApiCall, baseUrl: string, url: string | undefined): string {
  const path = url ? url.replace(baseUrl, '') : call.route
  return `${call.method} ${path}`
}

function toApiError(
  error: unknown,
  call: ApiCall,
  baseUrl: string,
  secrets: readonly string[] = []
): ApiError {
  if (error instanceof ApiError) return error
  const e = (error ?? {}) as OctokitFailure
  const endpoint = describeEndpoint(call, baseUrl, e.request?.url)
  const redirect = causeOfType(error, RedirectRefusedError)
  if (redirect) {
    return new ApiError(endpoint, redirect.status, redirect.message, {}, [], {
      cause: error,
      final: true
    })
  }
  if (!e.response && !isNetworkFault(error)) {
    // Raised while building the request (an invalid header value, URL or body): nothing was
    // sent, and sending it again would fail the same way.
    return new ApiError(
      endpoint,
      undefined,
      `the HTTP library refused to build the request (${safeDetail(error, secrets)}); it was not retried. ` +
        'A header value with a line break or another control character (in the token, for one) is a common cause.',
      {},
      [],
      { cause: error, final: true }
    )
  }
  if (!e.response) {
    // @octokit/request puts the socket's own words (e.g. "other side closed") in its message.
    return new ApiError(endpoint, undefined, faultMessage(error), {}, [], { cause: error })
  }
  const data = e.response.data as { message?: string; errors?: unknown[] } | string | undefined
  const message =
    typeof data === 'object' && data?.message
      ? data.message
      : typeof data === 'string' && data
        ? data.slice(0, 200)
        : (e.message ?? 'no message')
  const errors = typeof data === 'object' && Array.isArray(data?.errors) ? data.errors : []
  return new ApiError(
    endpoint,
    e.response.status,
    message,
    lowerCaseHeaders(e.response.headers),
    errors,
    {
      cause: error
    }
  )
}

/** Without an `isCreated` rule: the same type and metadata, byte for byte. */
function sameContent(sent: CreateResourceBody, listed: SpaceResource): boolean {
  const a = sent.metadata
  const b = (listed.metadata ?? {}) as Record<string, unknown>
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return (
    listed.resource_type === sent.resource_type &&
    [...keys].every(k => JSON.stringify(a[k]) === JSON.stringify(b[k]))
  )
}

/** The `next` URL of a `Link` header, if any. */
export function nextLink(link: string | undefined): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part)
    if (m) return m[1]
  }
  return undefined
}

export function createClient(options: ClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const octokit = octokitRequest.defaults({
    baseUrl,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${options.token}`,
      'x-github-api-version': API_VERSION,
      'user-agent': options.userAgent ?? 'copilot-space-sync'
    },
    request: {
      fetch: proxyFetch(baseUrl),
      // @octokit/request warns about deprecated endpoints with text from response headers: into
      // the action's own log, which neutralises it, rather than to the console.
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => options.policy?.log?.(message),
        error: (message: string) => options.policy?.log?.(message)
      }
    }
  })

  const timeoutMs = options.timeoutMs ?? 60_000
  // A signal in the call's params (the policy's bound on the whole request) shortens the attempt.
  const transport: Transport = async call => {
    const bound = call.params.request?.signal
    const timeout = AbortSignal.timeout(timeoutMs)
    try {
      const res = await octokit(`${call.method} ${call.route}`, {
        ...call.params,
        request: { signal: bound ? AbortSignal.any([timeout, bound]) : timeout }
      })
      return { status: res.status, headers: lowerCaseHeaders(res.headers), data: res.data }
    } catch (error) {
      throw toApiError(error, call, baseUrl, [options.token])
    }
  }
  /**
   * A create whose answer was lost may still have been applied: before sending it again, look
   * for a resource with exactly that content and take it as the answer, so a retry never
   * leaves a duplicate.
   */
  async function recoverCreate(call: ApiCall): Promise<ApiResponse<unknown> | undefined> {
    if (call.method !== 'POST' || !call.route.endsWith('/resources')) return undefined
    const body = call.params.data as CreateResourceBody
    const params = { ...call.params, data: undefined }
    const resources = await listAll(call.route, params)
    const same = options.isCreated ?? sameContent
    const match = resources.find(r => same(body, r))
    return match ? { status: 201, headers: {}, data: match } : undefined
  }

  /**
   * Every resource of a Space, following the `Link` header's `rel="next"` (GitHub documents no
   * pagination for this listing, but answers in pages elsewhere). A page that is not a listing
   * (invalid JSON, an empty body) fails the whole read: a partial listing must never be planned on.
   */
  async function listAll(route: string, params: RequestParameters): Promise<SpaceResource[]> {
    const resources: SpaceResource[] = []
    const seen = new Set<string>()
    let query: RequestParameters = {}
    for (;;) {
      const page = { method: 'GET' as const, route, params: { ...params, ...query } }
      const res = await send(page)
      const data = res.data as { resources?: unknown } | undefined
      if (typeof data !== 'object' || data === null || !Array.isArray(data.resources)) {
        const got =
          typeof res.data === 'string'
            ? res.data.trim() === ''
              ? 'an empty body'
              : 'a body that is not JSON'
            : 'JSON without a "resources" list'
        throw new ApiError(
          describeCall(page),
          res.status,
          `the answer is not a resources listing (${got}); nothing was written, since planning on a partial listing could delete or duplicate resources. Run again; if it persists, GitHub's API may be degraded`,
          res.headers
        )
      }
      resources.push(...(data.resources as SpaceResource[]))
      const next = nextLink(res.headers.link)
      if (!next) return resources
      if (seen.has(next)) {
        throw new ApiError(
          describeCall(page),
          res.status,
          "the listing's next page points back at a page already read; nothing was written",
          res.headers
        )
      }
      seen.add(next)
      query = Object.fromEntries(new URL(next).searchParams)
    }
  }
  const send: Transport = options.policy
    ? createPolicy({ ...options.policy, recover: recoverCreate })(transport)
    : transport

  async function call<T>(
    method: ApiCall['method'],
    route: string,
    params: RequestParameters = {}
  ): Promise<ApiResponse<T>> {
    return (await send({ method, route, params })) as ApiResponse<T>
  }

  // The org and user routes differ only in their first two segments.
  function spaceRoute(
    ownerType: OwnerType,
    rest = ''
  ): { route: string; params: RequestParameters } {
    return ownerType === 'org'
      ? { route: `/orgs/{org}/copilot-spaces${rest}`, params: {} }
      : { route: `/users/{username}/copilot-spaces${rest}`, params: {} }
  }
  function ownerParams(ownerType: OwnerType, owner: string): RequestParameters {
    return ownerType === 'org' ? { org: owner } : { username: owner }
  }
  function spaceParams(ref: SpaceRef): RequestParameters {
    return { ...ownerParams(ref.ownerType, ref.owner), space_number: ref.number }
  }

  return {
    baseUrl,

    /** Every space of an owner, following the cursor pagination of the `Link` header. */
    async listSpaces(ownerType: OwnerType, owner: string, perPage = 100): Promise<Space[]> {
      const { route } = spaceRoute(ownerType)
      const spaces: Space[] = []
      let params: RequestParameters = { ...ownerParams(ownerType, owner), per_page: perPage }
      for (;;) {
        const res = await call<{ spaces: Space[] }>('GET', route, params)
        spaces.push(...res.data.spaces)
        const next = nextLink(res.headers.link)
        if (!next) return spaces
        const query = new URL(next).searchParams
        params = { ...ownerParams(ownerType, owner), ...Object.fromEntries(query) }
      }
    },

    async getSpace(ref: SpaceRef): Promise<Space> {
      return (
        await call<Space>(
          'GET',
          spaceRoute(ref.ownerType, '/{space_number}').route,
          spaceParams(ref)
        )
      ).data
    },

    async createSpace(ownerType: OwnerType, owner: string, body: CreateSpaceBody): Promise<Space> {
      const res = await call<Space>('POST', spaceRoute(ownerType).route, {
        ...ownerParams(ownerType, owner),
        data: body
      })
      return res.data
    },

    async updateSpace(ref: SpaceRef, body: UpdateSpaceBody): Promise<Space> {
      const res = await call<Space>('PUT', spaceRoute(ref.ownerType, '/{space_number}').route, {
        ...spaceParams(ref),
        data: body
      })
      return res.data
    },

    async deleteSpace(ref: SpaceRef): Promise<void> {
      await call('DELETE', spaceRoute(ref.ownerType, '/{space_number}').route, spaceParams(ref))
    },

    /** Every resource of the Space, all pages; entries are as GitHub sent them (not validated). */
    async listResources(ref: SpaceRef): Promise<SpaceResource[]> {
      return listAll(spaceRoute(ref.ownerType, '/{space_number}/resources').route, spaceParams(ref))
    },

    async getResource(ref: SpaceRef, id: number): Promise<SpaceResource> {
      const res = await call<SpaceResource>(
        'GET',
        spaceRoute(ref.ownerType, '/{space_number}/resources/{space_resource_id}').route,
        { ...spaceParams(ref), space_resource_id: id }
      )
      return res.data
    },

    /**
     * `created` is false when GitHub answered 200: an identical `github_file` (same repository,
     * path and sha) already existed and was returned instead. That is a normal answer.
     */
    async createResource(
      ref: SpaceRef,
      body: CreateResourceBody
    ): Promise<{ resource: SpaceResource; created: boolean }> {
      const res = await call<SpaceResource>(
        'POST',
        spaceRoute(ref.ownerType, '/{space_number}/resources').route,
        { ...spaceParams(ref), data: body }
      )
      return { resource: res.data, created: res.status === 201 }
    },

    async updateResource(
      ref: SpaceRef,
      id: number,
      metadata: Record<string, unknown>
    ): Promise<SpaceResource> {
      const res = await call<SpaceResource>(
        'PUT',
        spaceRoute(ref.ownerType, '/{space_number}/resources/{space_resource_id}').route,
        { ...spaceParams(ref), space_resource_id: id, data: { metadata } }
      )
      return res.data
    },

    async deleteResource(ref: SpaceRef, id: number): Promise<void> {
      await call(
        'DELETE',
        spaceRoute(ref.ownerType, '/{space_number}/resources/{space_resource_id}').route,
        { ...spaceParams(ref), space_resource_id: id }
      )
    },

    async getAccount(login: string): Promise<Account> {
      return (await call<Account>('GET', '/users/{username}', { username: login })).data
    },

    async getRepo(owner: string, repo: string): Promise<Repository> {
      return (await call<Repository>('GET', '/repos/{owner}/{repo}', { owner, repo })).data
    },

    async compareCommits(
      owner: string,
      repo: string,
      base: string,
      head: string
    ): Promise<Comparison> {
      const res = await call<Comparison>('GET', '/repos/{owner}/{repo}/compare/{basehead}', {
        owner,
        repo,
        basehead: `${base}...${head}`
      })
      return res.data
    },

    async getTree(owner: string, repo: string, treeSha: string, recursive = true): Promise<Tree> {
      const res = await call<Tree>('GET', '/repos/{owner}/{repo}/git/trees/{tree_sha}', {
        owner,
        repo,
        tree_sha: treeSha,
        ...(recursive ? { recursive: '1' } : {})
      })
      return res.data
    },

    /** A blob's raw bytes (the blob endpoint serves files up to 100 MB, base64-encoded). */
    async getBlob(owner: string, repo: string, sha: string): Promise<Buffer> {
      const res = await call<Blob>('GET', '/repos/{owner}/{repo}/git/blobs/{file_sha}', {
        owner,
        repo,
        file_sha: sha
      })
      return Buffer.from(res.data.content, res.data.encoding === 'utf-8' ? 'utf8' : 'base64')
    }
  }
}
