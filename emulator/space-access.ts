import {
  atLeast,
  notAccessibleMessage,
  permissionHeader,
  spaceLevel,
  tokenPermission
} from './auth.js'
import { fail, forbidden, notFound } from './http.js'
import type { Ctx } from './routes.js'
import { findAccount, findSpace, ownerType, type Account, type StoredSpace } from './state.js'
import type { AccessLevel, OwnerType } from './types.js'

/** Path ids are positive integers; anything else names nothing, so it is a 404 as on GitHub. */
export function parseId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/**
 * The owner named in the path. A user login under `/orgs/` (or an organization under `/users/`)
 * is as unknown as a missing one. Fine-grained and installation tokens must hold the "Copilot
 * Spaces" organization permission for the operation, else 403 naming it.
 */
export function loadOwner(ctx: Ctx, type: OwnerType, need: 'read' | 'write'): Account {
  const login = (type === 'org' ? ctx.params.org : ctx.params.username) ?? ''
  const account = findAccount(ctx.state, login)
  if (!account || ownerType(account) !== type) fail(notFound())
  if (ctx.token.kind !== 'classic' && !atLeast(tokenPermission(ctx.token, account.login), need)) {
    fail(forbidden(notAccessibleMessage(ctx.token), permissionHeader(ctx.token, need)))
  }
  return account
}

/** The space named in the path, if the token may `need` it: unreadable spaces are 404, as GitHub hides them. */
export function loadSpace(
  ctx: Ctx,
  type: OwnerType,
  need: AccessLevel
): { owner: Account; space: StoredSpace } {
  const owner = loadOwner(ctx, type, need === 'read' ? 'read' : 'write')
  const number = parseId(ctx.params.space_number)
  const space = number === undefined ? undefined : findSpace(ctx.state, owner.login, number)
  if (!space) fail(notFound())
  requireSpaceLevel(ctx, space, need)
  return { owner, space }
}

export function requireSpaceLevel(ctx: Ctx, space: StoredSpace, need: AccessLevel): void {
  const level = spaceLevel(ctx.token, space)
  if (level === 'none') fail(notFound())
  if (!atLeast(level, need)) {
    fail(
      forbidden(
        `Must have ${need} access to this Copilot Space`,
        permissionHeader(ctx.token, need === 'read' ? 'read' : 'write')
      )
    )
  }
}
