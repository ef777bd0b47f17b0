import type {
  AccessLevel,
  BaseRole,
  CommentRecord,
  NewSpace,
  OwnerType,
  ReleaseRecord,
  ResourceRecord,
  SpaceRecord,
  TokenGrant,
  TokenKind
} from './types.js'

export interface Account {
  login: string
  id: number
  type: 'Organization' | 'User'
  created_at: string
}

export interface StoredSpace extends SpaceRecord {
  resources: ResourceRecord[]
  /**
   * The encoded answer to the resources listing, kept until the resources change: encoding
   * 100,000 resources anew for every listing would put the emulator's time into the action's.
   */
  listing?: Buffer
}

/** Every change to a Space's resources goes through here, so that no stale listing is served. */
export function resourcesChanged(space: StoredSpace): void {
  space.listing = undefined
}

export interface Token {
  login: string
  kind: TokenKind
  scopes: string[]
  /** Keys lower-cased: `owner` or `owner/number`. */
  access: Record<string, AccessLevel>
}

export interface Repo {
  owner: string
  name: string
  id: number
  dir: string
  registered_at: string
  /** Newest last, as seeded. */
  releases: StoredRelease[]
  /** Issue and pull request comments, oldest first. */
  comments: StoredComment[]
}

/** A release as stored: what the releases listing is made of. */
export type StoredRelease = ReleaseRecord

/** A comment as stored: what the comments listing is made of. */
export type StoredComment = CommentRecord

export interface State {
  now: () => number
  /** Keyed by lower-cased login: GitHub logins are case-insensitive. */
  accounts: Map<string, Account>
  /** Ids handed out to logins that were never registered (e.g. a token's user), so they stay stable. */
  otherIds: Map<string, number>
  tokens: Map<string, Token>
  /** Keyed by lower-cased owner login. */
  spaces: Map<string, StoredSpace[]>
  /** Last space number used per owner: numbers are never reused after a delete, as with issues. */
  lastNumber: Map<string, number>
  repos: Map<string, Repo>
  /** Archives made, by repository folder and commit: as GitHub's archive host, made once each. */
  archives: Map<string, Promise<Buffer>>
  /**
   * Encoded tree answers, by URL, tree sha and limits: a tree's sha names its content, so the
   * answer never goes stale, and GitHub serves large trees from its store rather than building
   * 100,000 entries anew for every request (which would put the emulator's time into the action's).
   */
  trees: Map<string, Buffer>
  nextSpaceId: number
  nextResourceId: number
  nextCommentId: number
}

export const DEFAULT_SCOPES = ['read:org', 'write:org', 'read:user', 'write:user', 'user', 'repo']

export function createState(now: () => number): State {
  return {
    now,
    accounts: new Map(),
    otherIds: new Map(),
    tokens: new Map(),
    spaces: new Map(),
    lastNumber: new Map(),
    repos: new Map(),
    archives: new Map(),
    trees: new Map(),
    nextSpaceId: 1,
    nextResourceId: 1,
    nextCommentId: 1000
  }
}

/** GitHub's timestamps have second precision and a `Z` suffix. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function nextAccountId(state: State): number {
  let max = 0
  for (const a of state.accounts.values()) max = Math.max(max, a.id)
  for (const id of state.otherIds.values()) max = Math.max(max, id)
  return max + 1
}

export function addAccount(
  state: State,
  login: string,
  type: Account['type'],
  id?: number
): Account {
  const key = login.toLowerCase()
  const existing = state.accounts.get(key)
  if (existing && existing.type !== type) {
    throw new Error(`${login} is already registered as ${existing.type}`)
  }
  const account: Account = {
    login,
    id: id ?? existing?.id ?? state.otherIds.get(key) ?? nextAccountId(state),
    type,
    created_at: existing?.created_at ?? iso(state.now())
  }
  state.accounts.set(key, account)
  return account
}

export function findAccount(state: State, login: string): Account | undefined {
  return state.accounts.get(login.toLowerCase())
}

/** The id GitHub would show for a login, registered or not. */
export function accountId(state: State, login: string): number {
  const key = login.toLowerCase()
  const known = state.accounts.get(key)?.id ?? state.otherIds.get(key)
  if (known !== undefined) return known
  const id = nextAccountId(state)
  state.otherIds.set(key, id)
  return id
}

export function addToken(state: State, token: string, grant: TokenGrant): void {
  const access: Record<string, AccessLevel> = {}
  for (const [key, level] of Object.entries(grant.access)) access[key.toLowerCase()] = level
  state.tokens.set(token, {
    login: grant.login,
    kind: grant.kind ?? 'classic',
    scopes: grant.scopes ?? DEFAULT_SCOPES,
    access
  })
  accountId(state, grant.login)
}

export function ownerType(account: Account): OwnerType {
  return account.type === 'Organization' ? 'org' : 'user'
}

export function spacesOf(state: State, owner: string): StoredSpace[] {
  return state.spaces.get(owner.toLowerCase()) ?? []
}

export function findSpace(state: State, owner: string, number: number): StoredSpace | undefined {
  return spacesOf(state, owner).find(s => s.number === number)
}

export function insertSpace(
  state: State,
  owner: Account,
  fields: NewSpace & { creator: string; base_role: BaseRole }
): StoredSpace {
  const key = owner.login.toLowerCase()
  const number = (state.lastNumber.get(key) ?? 0) + 1
  state.lastNumber.set(key, number)
  const stamp = iso(state.now())
  const space: StoredSpace = {
    id: state.nextSpaceId++,
    number,
    owner_type: ownerType(owner),
    owner: owner.login,
    name: fields.name,
    description: fields.description ?? null,
    general_instructions: fields.general_instructions ?? null,
    base_role: fields.base_role,
    creator: fields.creator,
    created_at: stamp,
    updated_at: stamp,
    resources: []
  }
  state.spaces.set(key, [...spacesOf(state, owner.login), space])
  return space
}

export function removeSpace(state: State, space: StoredSpace): void {
  const key = space.owner.toLowerCase()
  state.spaces.set(
    key,
    spacesOf(state, space.owner).filter(s => s !== space)
  )
}

export function newResource(
  state: State,
  resourceType: string,
  metadata: Record<string, unknown>
): ResourceRecord {
  const stamp = iso(state.now())
  return {
    id: state.nextResourceId++,
    resource_type: resourceType,
    copilot_chat_attachment_id: null,
    metadata: structuredClone(metadata),
    created_at: stamp,
    updated_at: stamp
  }
}

export function copyResource(r: ResourceRecord): ResourceRecord {
  return { ...r, metadata: structuredClone(r.metadata) }
}

export function spaceRecord(space: StoredSpace): SpaceRecord {
  return {
    id: space.id,
    number: space.number,
    owner_type: space.owner_type,
    owner: space.owner,
    name: space.name,
    description: space.description,
    general_instructions: space.general_instructions,
    base_role: space.base_role,
    creator: space.creator,
    created_at: space.created_at,
    updated_at: space.updated_at
  }
}

export function repoKey(owner: string, name: string): string {
  return `${owner.toLowerCase()}/${name.toLowerCase()}`
}
