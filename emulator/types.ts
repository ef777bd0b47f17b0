import type { Exchange } from './exchange.js'

export type OwnerType = 'org' | 'user'
export type AccessLevel = 'read' | 'write' | 'admin'
export type TokenKind = 'classic' | 'fine_grained' | 'installation'
export type BaseRole = 'reader' | 'writer' | 'admin' | 'no_access'

export type NestedAttributes = 'documented' | 'replace' | 'ignore-destroy' | 'terse'

export interface EmulatorOptions {
  /** Default 0 (ephemeral); the server listens on 127.0.0.1. */
  port?: number
  /** Millisecond clock for timestamps, `x-ratelimit-reset` and the secondary-limit window. */
  now?: () => number
  /** Added before every answer. */
  latencyMs?: number
  /**
   * Off unless given: writes past `maxWrites` within a sliding `windowMs` are refused with a
   * `retry-after`. Several windows all apply (`CONTENT_CREATION_LIMITS` is GitHub's).
   */
  secondaryRateLimit?:
    { maxWrites: number; windowMs: number } | readonly { maxWrites: number; windowMs: number }[]
  /** Primary limit; default 5000 requests an hour. `resetAt` is in epoch seconds. */
  rateLimit?: { limit: number; remaining?: number; resetAt?: number }
  /** Entries in a recursive tree before `truncated: true`; GitHub's is 100,000. */
  treeLimit?: number
  /** Bytes of a recursive tree's entries before `truncated: true`; GitHub's is 7 MB. */
  treeBytesLimit?: number
  /**
   * Answer the resources listing in pages of this size, with a `Link` header (`rel="next"`,
   * cursor in `after`), as GitHub's other listings do. Unset: one page, as documented.
   */
  resourcesPageSize?: number
  /** How the server stores a `free_text` text (GitHub may normalise line endings or whitespace). */
  storeText?: (text: string) => string
  /**
   * How Set Space treats `resources_attributes`. `documented` (the default) follows GitHub's
   * example. The others are surprises a client must notice: `replace` also deletes every resource
   * not named; `ignore-destroy` keeps the resources `_destroy` names; `terse` applies as
   * documented but answers without `resources_attributes`.
   */
  nestedAttributes?: NestedAttributes
}

export interface TokenGrant {
  /** The user the token acts as (the creator of spaces it creates). */
  login: string
  kind?: TokenKind
  /** Classic tokens only; sent back in `x-oauth-scopes`. */
  scopes?: string[]
  /** Per owner login (case-insensitive) or per space `owner/number`; absent = no access. */
  access: Record<string, AccessLevel>
}

export interface Fault {
  method?: string
  /** The URL path without query; a string matches exactly. */
  path?: string | RegExp
  /** Fire on the nth matching request after injection (1-based). Default 1. */
  nth?: number
  /** Then on this many consecutive matching requests. Default 1. */
  times?: number
  status?: number
  headers?: Record<string, string>
  body?: unknown
  /** Sent as is instead of `body`, as `application/json` (for answers that are not valid JSON). */
  rawBody?: string
  /** Apply the request to the state first, then answer with the fault. */
  apply?: boolean
  /** Destroy the socket instead of answering. */
  reset?: boolean
}

/** A space as stored; owner and creator are logins. */
export interface SpaceRecord {
  id: number
  number: number
  owner_type: OwnerType
  owner: string
  name: string
  description: string | null
  general_instructions: string | null
  base_role: BaseRole
  creator: string
  created_at: string
  updated_at: string
}

/** A resource as stored, which is also its JSON representation. */
export interface ResourceRecord {
  id: number
  resource_type: string
  copilot_chat_attachment_id: number | null
  metadata: Record<string, unknown>
  created_at: string
  updated_at: string
}

export interface NewSpace {
  name: string
  description?: string
  general_instructions?: string
  base_role?: string
  creator?: string
}

export interface NewRelease {
  tag_name: string
  name?: string | null
  body?: string | null
  draft?: boolean
  prerelease?: boolean
  /** ISO time; also its creation time. */
  published_at?: string
}

export interface ReleaseRecord {
  id: number
  tag_name: string
  name: string | null
  body: string | null
  draft: boolean
  prerelease: boolean
  created_at: string
  published_at: string | null
}

export interface CommentRecord {
  id: number
  issue_number: number
  body: string
  user: string
  created_at: string
  updated_at: string
}

export interface Emulator {
  /** The REST base URL, e.g. http://127.0.0.1:PORT */
  url: string
  close(): Promise<void>
  addOrg(login: string, id?: number): void
  addUser(login: string, id?: number): void
  addToken(token: string, grant: TokenGrant): void
  addRepo(repo: { owner: string; name: string; id: number; dir: string }): void
  createSpace(ownerType: OwnerType, owner: string, space: NewSpace): SpaceRecord
  /** Seeds directly: no validation, no log entry. */
  addResource(
    ownerType: OwnerType,
    owner: string,
    spaceNumber: number,
    r: { resource_type: string; metadata: Record<string, unknown> }
  ): ResourceRecord
  /** Current state, as copies. */
  resources(ownerType: OwnerType, owner: string, spaceNumber: number): ResourceRecord[]
  /** The owner's Spaces (their settings, without resources), by number; copies. */
  spaces(ownerType: OwnerType, owner: string): SpaceRecord[]
  /** A release of a registered repository (published now unless a draft or given a date). */
  addRelease(owner: string, repo: string, release: NewRelease): ReleaseRecord
  updateRelease(
    owner: string,
    repo: string,
    id: number,
    changes: Partial<NewRelease>
  ): ReleaseRecord
  deleteRelease(owner: string, repo: string, id: number): void
  /** A comment on an issue or pull request, written by `user` (a login). */
  addComment(
    owner: string,
    repo: string,
    issueNumber: number,
    comment: { body: string; user: string }
  ): CommentRecord
  /** The comments of an issue or pull request, oldest first; copies. */
  comments(owner: string, repo: string, issueNumber: number): CommentRecord[]
  /** The log, in order. */
  requests: Exchange[]
  clearLog(): void
  injectFault(f: Fault): void
  setLatency(ms: number): void
}
