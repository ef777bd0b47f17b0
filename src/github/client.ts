/**
 * The one thin, typed client for the GitHub REST endpoints the action uses: Copilot Spaces
 * (spaces and their resources, for organizations and users) and the few repository reads that
 * resolve the sync scope without a checkout. It is the only module that names a route; every
 * request goes through `send`, which is where pacing and retries live.
 */
import type { Endpoints, RequestParameters } from '@octokit/types'
import { createPolicy, type PolicyOptions } from './policy.js'
import {
  ApiError,
  createTransport,
  describeCall,
  type ApiCall,
  type ApiResponse,
  type Transport
} from './transport.js'

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
  const transport = createTransport({
    baseUrl,
    token: options.token,
    userAgent: options.userAgent,
    timeoutMs: options.timeoutMs,
    log: options.policy?.log
  })
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
