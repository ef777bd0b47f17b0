/**
 * The one thin, typed client for the GitHub REST endpoints the action uses (`SpacesClient`):
 * Copilot Spaces (spaces and their resources, for organizations and users) and the few
 * repository reads that resolve the sync scope without a checkout. It is the only module that
 * names a route; every request goes through `send`, which is where pacing and retries live
 * (policy.ts, over transport.ts).
 */
import type { Endpoints, RequestParameters } from '@octokit/types'
import {
  ApiError,
  describeCall,
  type ApiCall,
  type ApiResponse,
  type JsonBytes,
  type Transport
} from './api.js'
import { forEachItem, type BodyChunks } from './listing.js'
import { createPolicy, type PolicyOptions } from './policy.js'
import { createTransport } from './transport.js'

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
/** The resource types the API can create (`media_content` and `uploaded_text_file` it cannot). */
export const CREATABLE_TYPES: readonly string[] = [
  'repository',
  'github_file',
  'free_text',
  'github_issue',
  'github_pull_request'
]

/**
 * One entry of Set Space's `resources_attributes` (Rails nested attributes, as GitHub's example
 * shows): without `id` it creates a resource, with `id` it updates that resource, and with `id`
 * and `_destroy` it deletes it. Resources not named are left as they are.
 */
export type ResourceEntry =
  | { resource_type: SpaceResource['resource_type']; metadata: Record<string, unknown> }
  | { id: number; resource_type: SpaceResource['resource_type']; metadata: Record<string, unknown> }
  | { id: number; _destroy: true }
export type Repository = Endpoints['GET /repos/{owner}/{repo}']['response']['data']
export type Comparison =
  Endpoints['GET /repos/{owner}/{repo}/compare/{basehead}']['response']['data']
export type Tree = Endpoints['GET /repos/{owner}/{repo}/git/trees/{tree_sha}']['response']['data']
export type Blob = Endpoints['GET /repos/{owner}/{repo}/git/blobs/{file_sha}']['response']['data']
export type Account = Endpoints['GET /users/{username}']['response']['data']
type Content = Endpoints['GET /repos/{owner}/{repo}/contents/{path}']['response']['data']
export type Release = Endpoints['GET /repos/{owner}/{repo}/releases']['response']['data'][number]
type IssueComments = 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments'
export type IssueComment = Endpoints[IssueComments]['response']['data'][number]

export interface ClientOptions {
  baseUrl: string
  token: string
  userAgent?: string
  /** Pacing and retries (policy.ts); without it every request is sent once, at once. */
  policy?: Omit<PolicyOptions, 'recover'>
  /**
   * How a create whose answer was lost is recognised in the listing read back before repeating
   * it (GitHub may normalise what it stores, so this is the resource's identity, not its bytes).
   */
  isCreated?: (sent: CreateResourceBody, listed: SpaceResource) => boolean
  /** How an update whose answer was lost is recognised as applied (by default, as `isCreated`). */
  isUpdated?: (sent: CreateResourceBody, listed: SpaceResource) => boolean
  /** Abort a request that has not answered in this long (a timeout is retried like a lost connection). */
  timeoutMs?: number
}

/**
 * What the action asks of GitHub, and nothing more. Every method fails with an `ApiError`, or a
 * `NotSentError` when a rate limit has already stopped the run.
 */
export interface SpacesClient {
  // Spaces. The sync reads and writes resources only; these are for choosing or making a Space.
  /** Every space of an owner, following the cursor pagination of the `Link` header. */
  /** Every Space of the owner that the token can read, all pages (100 a page). */
  listSpaces(ownerType: OwnerType, owner: string): Promise<Space[]>
  getSpace(ref: SpaceRef): Promise<Space>
  createSpace(ownerType: OwnerType, owner: string, body: CreateSpaceBody): Promise<Space>
  updateSpace(ref: SpaceRef, body: UpdateSpaceBody): Promise<Space>

  // A Space's resources: what the sync plans on and changes.
  /** Every resource of the Space, all pages; entries are as GitHub sent them (not validated). */
  listResources(ref: SpaceRef): Promise<SpaceResource[]>
  /**
   * The same, each resource handed to `visit` as it is parsed rather than all kept (a Space of
   * 100,000 resources); `resources()` of the answer parses them again when they are needed.
   */
  readResources(ref: SpaceRef, visit: (resource: SpaceResource) => void): Promise<ResourceListing>
  /**
   * `created` is false when GitHub answered 200: an identical `github_file` (same repository,
   * path and sha) already existed and was returned instead. That is a normal answer.
   */
  createResource(
    ref: SpaceRef,
    body: CreateResourceBody
  ): Promise<{ resource: SpaceResource; created: boolean }>
  updateResource(
    ref: SpaceRef,
    id: number,
    metadata: Record<string, unknown>
  ): Promise<SpaceResource>
  deleteResource(ref: SpaceRef, id: number): Promise<void>
  /**
   * Creates, updates and deletes many resources in one Set Space request. Answers the Space's
   * resources as the response lists them, or undefined when it lists none (then only a read-back
   * can tell what happened).
   */
  setResources(
    ref: SpaceRef,
    entries: readonly ResourceEntry[]
  ): Promise<SpaceResource[] | undefined>

  // Accounts and repositories: the owner's type, the repository's id, and the files in scope.
  getAccount(login: string): Promise<Account>
  getRepo(owner: string, repo: string): Promise<Repository>
  compareCommits(owner: string, repo: string, base: string, head: string): Promise<Comparison>
  getTree(owner: string, repo: string, treeSha: string, recursive?: boolean): Promise<Tree>
  /** A blob's raw bytes (the blob endpoint serves files up to 100 MB, base64-encoded). */
  getBlob(owner: string, repo: string, sha: string): Promise<Buffer>
  /** A regular file's bytes at a ref (the contents API, files up to 1 MB); undefined for none. */
  getFile(owner: string, repo: string, path: string, ref: string): Promise<Buffer | undefined>
  /** The commit's files as a gzipped tar (GitHub redirects to the archive; fetch follows). */
  getTarball(owner: string, repo: string, ref: string): Promise<Buffer>
  /**
   * The repository's releases, newest first, 100 a page, until `enough` says the releases so far
   * suffice or there are no more.
   */
  listReleases(
    owner: string,
    repo: string,
    enough: (releases: readonly Release[]) => boolean
  ): Promise<Release[]>

  // Pull request comments (the preview comment), with a token of their own.
  /** Every comment of an issue or pull request, oldest first, all pages (100 a page). */
  listIssueComments(owner: string, repo: string, issueNumber: number): Promise<IssueComment[]>
  createIssueComment(
    owner: string,
    repo: string,
    issueNumber: number,
    body: string
  ): Promise<IssueComment>
  updateIssueComment(
    owner: string,
    repo: string,
    commentId: number,
    body: string
  ): Promise<IssueComment>
  /** The token's own login; GitHub refuses (403) an installation token, which has none. */
  getAuthenticatedLogin(): Promise<string>
}

/** The name the rest of the action has used for the client; the same interface. */
export type Client = SpacesClient

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

/** The org and user routes differ only in their first two segments. */
const SPACES: Record<OwnerType, string> = {
  org: '/orgs/{org}/copilot-spaces',
  user: '/users/{username}/copilot-spaces'
}
const route = {
  spaces: (ownerType: OwnerType) => SPACES[ownerType],
  space: (ownerType: OwnerType) => `${SPACES[ownerType]}/{space_number}`,
  resources: (ownerType: OwnerType) => `${SPACES[ownerType]}/{space_number}/resources`,
  resource: (ownerType: OwnerType) =>
    `${SPACES[ownerType]}/{space_number}/resources/{space_resource_id}`
}

function ownerParams(ownerType: OwnerType, owner: string): RequestParameters {
  return ownerType === 'org' ? { org: owner } : { username: owner }
}
function spaceParams(ref: SpaceRef): RequestParameters {
  return { ...ownerParams(ref.ownerType, ref.owner), space_number: ref.number }
}

/** One request through `send`, its answer typed as the route's. */
type Request = <T>(
  method: ApiCall['method'],
  route: string,
  params?: RequestParameters,
  bytes?: boolean
) => Promise<ApiResponse<T>>

type ListAll = (route: string, params: RequestParameters) => Promise<SpaceResource[]>
type ListSpaces = (ownerType: OwnerType, owner: string) => Promise<Space[]>
/** Listings whose pages are JSON arrays. */
const BARE = { bare: true }

/** Why a page is not a listing of `key`, to say so in the error. */
function notAListing(data: unknown, key: string, bare: boolean): string {
  return typeof data === 'string'
    ? data.trim() === ''
      ? 'an empty body'
      : 'a body that is not JSON'
    : bare
      ? 'JSON that is not a list'
      : `JSON without a "${key}" list`
}

/** What a page of a listing holds: its items handed on, or what it is instead (to say why). */
type PageRead = { listed: true; count: number } | { listed: false; data: unknown }

/**
 * Every page of a listing, following the `Link` header's `rel="next"` until there is none or
 * `enough` says the items so far suffice; `read` takes each page's items. GitHub documents no
 * pagination for the resources, but answers in pages elsewhere. A page that is not a listing
 * (invalid JSON, an empty body) fails the whole read: a partial listing must never be planned on.
 */
async function eachPage(
  request: Request,
  route: string,
  params: RequestParameters,
  key: string,
  options: { bytes?: boolean; read: (data: unknown) => PageRead; enough: () => boolean }
): Promise<void> {
  const seen = new Set<string>()
  let query: RequestParameters = {}
  for (;;) {
    const page = { method: 'GET' as const, route, params: { ...params, ...query } }
    const res = await request<unknown>(page.method, route, page.params, options.bytes)
    const read = options.read(res.data)
    if (!read.listed) {
      throw new ApiError(
        describeCall(page),
        res.status,
        `the answer is not a ${key} listing (${read.data}); nothing was written, since acting on a partial listing could delete or duplicate what the action manages. Run again; if it persists, GitHub's API may be degraded`,
        res.headers
      )
    }
    const next = nextLink(res.headers.link)
    if (!next || options.enough()) return
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

/**
 * Every item of a listing, all pages (`eachPage`). The items are under `key` (the Space's
 * `resources`, the owner's `spaces`), or are the page itself when `bare` (releases, comments).
 */
async function listAll<T>(
  request: Request,
  route: string,
  params: RequestParameters,
  key: string,
  options: { bare?: boolean; enough?: (items: readonly T[]) => boolean } = {}
): Promise<T[]> {
  const { bare = false, enough = () => false } = options
  const items: T[] = []
  const read = (data: unknown): PageRead => {
    const list: unknown = bare ? data : (data as Record<string, unknown> | undefined)?.[key]
    if (typeof data !== 'object' || data === null || !Array.isArray(list)) {
      return { listed: false, data: notAListing(data, key, bare) }
    }
    items.push(...(list as T[]))
    return { listed: true, count: list.length }
  }
  await eachPage(request, route, params, key, { read, enough: () => enough(items) })
  return items
}

/** A Space's resources as read: how many, and the resources themselves, parsed again when asked. */
export interface ResourceListing {
  readonly count: number
  resources(): SpaceResource[]
}

/** A listing of resources already in hand. */
export function listingOf(resources: readonly SpaceResource[]): ResourceListing {
  return { count: resources.length, resources: () => [...resources] }
}

/**
 * Every resource of a Space, all pages, handed to `visit` one at a time as its page is parsed in
 * pieces (listing.ts); the pages' bytes are kept, so that `resources()` can parse them again
 * rather than 100,000 objects being kept alive for a check that is seldom needed.
 */
async function readAll(
  request: Request,
  route: string,
  params: RequestParameters,
  visit: (resource: SpaceResource) => void
): Promise<ResourceListing> {
  const pages: BodyChunks[] = []
  let count = 0
  const read = (data: unknown): PageRead => {
    const chunks = (data as Partial<JsonBytes> | undefined)?.jsonChunks
    const page = chunks
      ? forEachItem(chunks, 'resources', visit as (item: unknown) => void)
      : { listed: false as const, data }
    if (!page.listed) {
      return { listed: false, data: page.reason ?? notAListing(page.data, 'resources', false) }
    }
    if (chunks) pages.push(chunks)
    count += page.count
    return page
  }
  await eachPage(request, route, params, 'resources', { bytes: true, read, enough: () => false })
  return {
    count,
    resources() {
      const all: SpaceResource[] = []
      for (const chunks of pages)
        forEachItem(chunks, 'resources', r => all.push(r as SpaceResource))
      return all
    }
  }
}

/**
 * A create whose answer was lost may still have been applied: before sending it again, look
 * for a resource with exactly that content and take it as the answer, so a retry never
 * leaves a duplicate.
 */
async function recoverCreate(
  call: ApiCall,
  list: ListAll,
  same: (sent: CreateResourceBody, listed: SpaceResource) => boolean
): Promise<ApiResponse<unknown> | undefined> {
  if (call.method !== 'POST' || !call.route.endsWith('/resources')) return undefined
  const body = call.params.data as CreateResourceBody
  const resources = await list(call.route, { ...call.params, data: undefined })
  const match = resources.find(r => same(body, r))
  return match ? { status: 201, headers: {}, data: match } : undefined
}

/** How a lost answer's write is recognised in a read-back. */
interface Recognisers {
  created: (sent: CreateResourceBody, listed: SpaceResource) => boolean
  updated: (sent: CreateResourceBody, listed: SpaceResource) => boolean
}

/**
 * A Set Space batch whose answer was lost may have been applied, wholly or in part: read the
 * Space back first. Nothing applied: send it again. Everything, or only some of it: answer with
 * the listing, so the caller sees exactly which entries took effect (and repeats none of them).
 */
async function recoverBatch(
  call: ApiCall,
  list: ListAll,
  is: Recognisers
): Promise<ApiResponse<unknown> | undefined> {
  const data = call.params.data as { resources_attributes?: unknown } | undefined
  if (call.method !== 'PUT' || !Array.isArray(data?.resources_attributes)) return undefined
  const entries = data.resources_attributes as ResourceEntry[]
  const listed = await list(`${call.route}/resources`, { ...call.params, data: undefined })
  const byId = new Map(listed.map(r => [r.id, r]))
  const applied = (e: ResourceEntry): boolean => {
    if ('_destroy' in e) return !byId.has(e.id)
    if ('id' in e) {
      const r = byId.get(e.id)
      return r !== undefined && is.updated(e as CreateResourceBody, r)
    }
    return listed.some(r => is.created(e as CreateResourceBody, r))
  }
  if (!entries.some(applied)) return undefined
  return { status: 200, headers: {}, data: { resources_attributes: listed } }
}

/**
 * A comment whose answer was lost may have been posted: one with exactly that body is taken as the
 * answer (the body holds a marker naming the Space and the workflow, so it is this run's).
 */
async function recoverComment(
  call: ApiCall,
  request: Request
): Promise<ApiResponse<unknown> | undefined> {
  if (call.method !== 'POST' || !call.route.endsWith('/issues/{issue_number}/comments')) {
    return undefined
  }
  const { data, ...params } = call.params as RequestParameters & { data: { body: string } }
  const listing = { ...params, per_page: 100 }
  const listed = await listAll<IssueComment>(request, call.route, listing, 'comments', BARE)
  const match = listed.find(c => c.body === data.body)
  return match ? { status: 201, headers: {}, data: match } : undefined
}

/**
 * A Space create whose answer was lost may have been applied: the run creates a Space only under
 * a name it found no Space with, so a Space with that name now is the earlier attempt's.
 */
async function recoverSpaceCreate(
  call: ApiCall,
  listSpaces: ListSpaces
): Promise<ApiResponse<unknown> | undefined> {
  const ownerType = (Object.keys(SPACES) as OwnerType[]).find(t => SPACES[t] === call.route)
  if (call.method !== 'POST' || !ownerType) return undefined
  const { name } = call.params.data as CreateSpaceBody
  const owner = String(call.params.org ?? call.params.username)
  const match = (await listSpaces(ownerType, owner)).find(s => s.name === name)
  return match ? { status: 201, headers: {}, data: match } : undefined
}

type SpaceMethods = 'listSpaces' | 'getSpace' | 'createSpace' | 'updateSpace'

function spaceEndpoints(
  request: Request,
  listSpaces: ListSpaces
): Pick<SpacesClient, SpaceMethods> {
  return {
    listSpaces,
    async getSpace(ref) {
      return (await request<Space>('GET', route.space(ref.ownerType), spaceParams(ref))).data
    },
    async createSpace(ownerType, owner, body) {
      const params = { ...ownerParams(ownerType, owner), data: body }
      return (await request<Space>('POST', route.spaces(ownerType), params)).data
    },
    async updateSpace(ref, body) {
      const params = { ...spaceParams(ref), data: body }
      return (await request<Space>('PUT', route.space(ref.ownerType), params)).data
    }
  }
}

type ResourceMethods =
  | 'listResources'
  | 'readResources'
  | 'createResource'
  | 'updateResource'
  | 'deleteResource'
  | 'setResources'

function resourceEndpoints(request: Request, list: ListAll): Pick<SpacesClient, ResourceMethods> {
  const one = (ref: SpaceRef, id: number) => ({ ...spaceParams(ref), space_resource_id: id })
  return {
    async listResources(ref) {
      return list(route.resources(ref.ownerType), spaceParams(ref))
    },
    async readResources(ref, visit) {
      return readAll(request, route.resources(ref.ownerType), spaceParams(ref), visit)
    },
    async createResource(ref, body) {
      const params = { ...spaceParams(ref), data: body }
      const res = await request<SpaceResource>('POST', route.resources(ref.ownerType), params)
      return { resource: res.data, created: res.status === 201 }
    },
    async updateResource(ref, id, metadata) {
      const params = { ...one(ref, id), data: { metadata } }
      return (await request<SpaceResource>('PUT', route.resource(ref.ownerType), params)).data
    },
    async deleteResource(ref, id) {
      await request('DELETE', route.resource(ref.ownerType), one(ref, id))
    },
    async setResources(ref, entries) {
      const params = { ...spaceParams(ref), data: { resources_attributes: entries } }
      const res = await request<{ resources_attributes?: unknown }>(
        'PUT',
        route.space(ref.ownerType),
        params
      )
      const listed = res.data?.resources_attributes
      return Array.isArray(listed) ? (listed as SpaceResource[]) : undefined
    }
  }
}

type RepositoryMethods =
  | 'getAccount'
  | 'getRepo'
  | 'compareCommits'
  | 'getTree'
  | 'getBlob'
  | 'getFile'
  | 'getTarball'
  | 'listReleases'
  | 'listIssueComments'
  | 'createIssueComment'
  | 'updateIssueComment'
  | 'getAuthenticatedLogin'

function repositoryEndpoints(request: Request): Pick<SpacesClient, RepositoryMethods> {
  return {
    async getAccount(login) {
      return (await request<Account>('GET', '/users/{username}', { username: login })).data
    },
    async getRepo(owner, repo) {
      return (await request<Repository>('GET', '/repos/{owner}/{repo}', { owner, repo })).data
    },
    async compareCommits(owner, repo, base, head) {
      const params = { owner, repo, basehead: `${base}...${head}` }
      return (await request<Comparison>('GET', '/repos/{owner}/{repo}/compare/{basehead}', params))
        .data
    },
    async getTree(owner, repo, treeSha, recursive = true) {
      const params = { owner, repo, tree_sha: treeSha, ...(recursive ? { recursive: '1' } : {}) }
      return (await request<Tree>('GET', '/repos/{owner}/{repo}/git/trees/{tree_sha}', params)).data
    },
    async getBlob(owner, repo, sha) {
      const params = { owner, repo, file_sha: sha }
      const res = await request<Blob>('GET', '/repos/{owner}/{repo}/git/blobs/{file_sha}', params)
      return Buffer.from(res.data.content, res.data.encoding === 'utf-8' ? 'utf8' : 'base64')
    },
    async getFile(owner, repo, path, ref) {
      const params = { owner, repo, path, ref }
      let res
      try {
        res = await request<Content>('GET', '/repos/{owner}/{repo}/contents/{path}', params)
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return undefined
        throw error
      }
      const file = res.data
      if (Array.isArray(file) || file.type !== 'file' || !('content' in file)) return undefined
      return Buffer.from(file.content, 'base64')
    },
    async getTarball(owner, repo, ref) {
      const params = { owner, repo, ref }
      const res = await request<unknown>('GET', '/repos/{owner}/{repo}/tarball/{ref}', params)
      if (!(res.data instanceof ArrayBuffer)) {
        throw new ApiError(
          `GET /repos/${owner}/${repo}/tarball/${ref}`,
          res.status,
          'the answer is not an archive (expected a gzipped tar)',
          res.headers
        )
      }
      return Buffer.from(res.data)
    },
    listIssueComments(owner, repo, issue_number) {
      const route = '/repos/{owner}/{repo}/issues/{issue_number}/comments'
      const params = { owner, repo, issue_number, per_page: 100 }
      return listAll<IssueComment>(request, route, params, 'comments', BARE)
    },
    async createIssueComment(owner, repo, issue_number, body) {
      const route = '/repos/{owner}/{repo}/issues/{issue_number}/comments'
      const params = { owner, repo, issue_number, data: { body } }
      return (await request<IssueComment>('POST', route, params)).data
    },
    async updateIssueComment(owner, repo, comment_id, body) {
      const route = '/repos/{owner}/{repo}/issues/comments/{comment_id}'
      const params = { owner, repo, comment_id, data: { body } }
      return (await request<IssueComment>('PATCH', route, params)).data
    },
    async getAuthenticatedLogin() {
      return (await request<{ login: string }>('GET', '/user')).data.login
    },
    listReleases(owner, repo, enough) {
      const route = '/repos/{owner}/{repo}/releases'
      const params = { owner, repo, per_page: 100 }
      return listAll<Release>(request, route, params, 'releases', { bare: true, enough })
    }
  }
}

export function createClient(options: ClientOptions): SpacesClient {
  const transport = createTransport({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    token: options.token,
    userAgent: options.userAgent,
    timeoutMs: options.timeoutMs,
    log: options.policy?.log
  })
  const list: ListAll = (route, params) => listAll(request, route, params, 'resources')
  const spaces: ListSpaces = (ownerType, owner) =>
    listAll(
      request,
      route.spaces(ownerType),
      { ...ownerParams(ownerType, owner), per_page: 100 },
      'spaces'
    )
  const created = options.isCreated ?? sameContent
  const is: Recognisers = { created, updated: options.isUpdated ?? created }
  const recover = async (call: ApiCall) =>
    (await recoverCreate(call, list, is.created)) ??
    (await recoverBatch(call, list, is)) ??
    (await recoverSpaceCreate(call, spaces)) ??
    (await recoverComment(call, request))
  const send: Transport = options.policy
    ? createPolicy({ ...options.policy, recover })(transport)
    : transport
  const request: Request = async <T>(
    method: ApiCall['method'],
    route: string,
    params: RequestParameters = {},
    bytes?: boolean
  ) => (await send({ method, route, params, ...(bytes ? { bytes } : {}) })) as ApiResponse<T>
  return {
    ...spaceEndpoints(request, spaces),
    ...resourceEndpoints(request, list),
    ...repositoryEndpoints(request)
  }
}
