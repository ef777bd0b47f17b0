import { forbidden, type Answer } from './http.js'
import type { StoredSpace, Token } from './state.js'
import type { AccessLevel, BaseRole, OwnerType } from './types.js'

export type Level = AccessLevel | 'none'

const RANK: Record<Level, number> = { none: 0, read: 1, write: 2, admin: 3 }

export function atLeast(level: Level, needed: Level): boolean {
  return RANK[level] >= RANK[needed]
}

function max(a: Level, b: Level): Level {
  return RANK[a] >= RANK[b] ? a : b
}

/** `Authorization: Bearer T` or `token T`. */
export function tokenFrom(header: string | undefined): string | undefined {
  const match = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(header ?? '')
  return match?.[1]
}

/**
 * Scopes a classic scope grants besides itself (GitHub's scope hierarchy). `write:user` is not a
 * scope GitHub lists, but the Copilot Spaces documentation names it; `user` covers it.
 */
const IMPLIES: Record<string, string[]> = {
  'admin:org': ['write:org', 'read:org'],
  'write:org': ['read:org'],
  user: ['read:user', 'write:user', 'user:email', 'user:follow'],
  'write:user': ['read:user'],
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events']
}

function grants(scope: string, needed: string): boolean {
  return scope === needed || (IMPLIES[scope] ?? []).includes(needed)
}

/** Every scope that satisfies `needed`, as GitHub lists them in `x-accepted-oauth-scopes`. */
function acceptedFor(needed: string): string[] {
  return [needed, ...Object.keys(IMPLIES).filter(s => IMPLIES[s]?.includes(needed))]
}

export function acceptedScopes(rule: string[][]): string {
  const all = new Set(rule.flatMap(group => group.flatMap(acceptedFor)))
  return [...all].sort().join(', ')
}

export function missingScopes(token: Token, rule: string[][]): string[][] {
  return rule.filter(group => !group.some(needed => token.scopes.some(s => grants(s, needed))))
}

export function scopeError(token: Token, rule: string[][]): Answer {
  const missing = missingScopes(token, rule).flat()
  // GitHub's REST message for this case is undocumented; this one names what is missing.
  return forbidden(
    `Your token has not been granted the required scopes to execute this request. ` +
      `It needs ${missing.map(s => `'${s}'`).join(' and ')}; your token has: ` +
      `[${token.scopes.join(', ')}].`,
    { 'x-accepted-oauth-scopes': acceptedScopes(rule) }
  )
}

export function notAccessibleMessage(token: Token): string {
  return token.kind === 'installation'
    ? 'Resource not accessible by integration'
    : 'Resource not accessible by personal access token'
}

const BASE_ROLE_LEVEL: Record<BaseRole, Level> = {
  no_access: 'none',
  reader: 'read',
  writer: 'write',
  admin: 'admin'
}

function isMember(token: Token, org: string): boolean {
  const key = org.toLowerCase()
  return Object.keys(token.access).some(k => k === key || k.startsWith(`${key}/`))
}

/** The token's access to an owner as a whole: what creating and listing spaces rely on. */
export function ownerLevel(token: Token, type: OwnerType, owner: string): Level {
  if (type === 'user' && token.login.toLowerCase() === owner.toLowerCase()) return 'admin'
  return token.access[owner.toLowerCase()] ?? 'none'
}

/**
 * The token's access to one space. A `owner/number` grant is more specific than an owner grant and
 * wins over it. On top of that, like GitHub: a user is admin of their own spaces; a user space with
 * base role `reader` is readable by everyone; an organization space's base role applies to the
 * organization's members (here: tokens with any grant in that organization).
 */
export function spaceLevel(token: Token, space: StoredSpace): Level {
  const owner = space.owner.toLowerCase()
  let level: Level = token.access[`${owner}/${space.number}`] ?? token.access[owner] ?? 'none'
  if (space.owner_type === 'user') {
    if (token.login.toLowerCase() === owner) level = 'admin'
    if (space.base_role === 'reader') level = max(level, 'read')
  } else if (isMember(token, owner)) {
    level = max(level, BASE_ROLE_LEVEL[space.base_role])
  }
  return level
}

/**
 * What a fine-grained or installation token was granted on an organization ("Copilot Spaces"
 * organization permission): the owner grant, or failing that the highest space grant there.
 */
export function tokenPermission(token: Token, owner: string): Level {
  const key = owner.toLowerCase()
  const direct = token.access[key]
  if (direct) return direct
  return Object.entries(token.access)
    .filter(([k]) => k.startsWith(`${key}/`))
    .reduce<Level>((best, [, level]) => max(best, level), 'none')
}

export function permissionHeader(
  token: Token,
  needed: 'read' | 'write'
): Record<string, string> | undefined {
  return token.kind === 'classic'
    ? undefined
    : { 'x-accepted-github-permissions': `organization_copilot_spaces=${needed}` }
}
