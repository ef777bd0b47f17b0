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
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly endpoint: string,
    readonly status: number | undefined,
    readonly githubMessage: string,
    readonly headers: Record<string, string>,
    readonly errors: unknown[] = [],
    options?: { cause?: unknown }
  ) {
    super(
      `${endpoint} ${status === undefined ? 'failed without a response' : `answered ${status}`}: ${githubMessage}`,
      options
    )
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
  /** Abort a request that has not answered in this long (a timeout is retried like a lost connection). */
  timeoutMs?: number
}

export type Client = ReturnType<typeof createClient>

/** Honour the runner's HTTPS_PROXY / NO_PROXY as other actions do. */
function proxyFetch(baseUrl: string): typeof fetch | undefined {
  const dispatcher = new HttpClient().getAgentDispatcher(baseUrl)
  if (!dispatcher) return undefined
  return ((url: string, init: object) =>
    undiciFetch(url, { ...init, dispatcher })) as unknown as typeof fetch
}

function lowerCaseHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v)
  }
  return out
}

interface OctokitFailure {
  status?: number
  message?: string
  response?: { status: number; headers: Record<string, unknown>; data: unknown }
  request?: { method?: string; url?: string }
}

function describeEndpoint(call: ApiCall, baseUrl: string, url: string | undefined): string {
  const path = url ? url.replace(baseUrl, '') : call.route
  return `${call.method} ${path}`
}

function toApiError(error: unknown, call: ApiCall, baseUrl: string): ApiError {
  if (error instanceof ApiError) return error
  const e = (error ?? {}) as OctokitFailure
  const endpoint = describeEndpoint(call, baseUrl, e.request?.url)
  if (!e.response) {
    // @octokit/request puts the socket's own words (e.g. "other side closed") in its message.
    return new ApiError(endpoint, undefined, e.message || String(error), {}, [], { cause: error })
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

function sameMetadata(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].every(k => JSON.stringify(a[k]) === JSON.stringify(b[k]))
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
    request: { fetch: proxyFetch(baseUrl) }
  })

  const timeoutMs = options.timeoutMs ?? 60_000
  const transport: Transport = async call => {
    try {
      const res = await octokit(`${call.method} ${call.route}`, {
        ...call.params,
        request: { signal: AbortSignal.timeout(timeoutMs) }
      })
      return { status: res.status, headers: lowerCaseHeaders(res.headers), data: res.data }
    } catch (error) {
      throw toApiError(error, call, baseUrl)
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
    const listed = await send({
      method: 'GET',
      route: call.route,
      params: { ...call.params, data: undefined }
    })
    const resources = (listed.data as { resources: SpaceResource[] }).resources
    const match = resources.find(
      r => r.resource_type === body.resource_type && sameMetadata(r.metadata, body.metadata)
    )
    return match ? { status: 201, headers: listed.headers, data: match } : undefined
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

    async listResources(ref: SpaceRef): Promise<SpaceResource[]> {
      const res = await call<{ resources: SpaceResource[] }>(
        'GET',
        spaceRoute(ref.ownerType, '/{space_number}/resources').route,
        spaceParams(ref)
      )
      return res.data.resources
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

    async getTree(owner: string, repo: string, treeSha: string): Promise<Tree> {
      const res = await call<Tree>('GET', '/repos/{owner}/{repo}/git/trees/{tree_sha}', {
        owner,
        repo,
        tree_sha: treeSha,
        recursive: '1'
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
