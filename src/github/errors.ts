/**
 * Turns an API failure into a message a person can act on: what was asked, what GitHub said,
 * and what to change (a token, a permission, an input).
 */
import { type SpaceRef } from './client.js'
import { ApiError } from './api.js'

function permissionAdvice(space: SpaceRef | undefined, write: boolean): string {
  const level = write ? 'write' : 'read'
  if (space?.ownerType === 'user') {
    return (
      `User-owned Spaces accept only a personal access token (classic) with the ${write ? "'write:user'" : "'read:user'"} scope; ` +
      'fine-grained tokens, GitHub App tokens and GITHUB_TOKEN cannot reach them.'
    )
  }
  return (
    `Use a GitHub App installation token or a fine-grained personal access token with the "Copilot Spaces" organization permission (${level}), ` +
    `or a personal access token (classic) with the '${write ? 'write:org' : 'read:org'}' scope. GITHUB_TOKEN cannot reach organization Spaces.`
  )
}

/** `space` is undefined while the owner's type is still being asked. */
export function explainApiError(error: unknown, space?: SpaceRef): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error)
  return explain(error, error.message, space)
}

/**
 * The explanation without the path of the endpoint, which names each resource: what the
 * failures of many writes have in common when they have one cause, said once for them all.
 */
export function explainCause(error: unknown, space?: SpaceRef): string {
  if (!(error instanceof ApiError)) return explainApiError(error, space)
  const [method] = error.endpoint.split(' ')
  const head = error.message.startsWith(`${error.endpoint} `)
    ? `${method} ${error.message.slice(error.endpoint.length + 1)}`
    : error.message
  return explain(error, head, space)
}

/**
 * GitHub refused the token itself, not this one request: a 401, or a 403 (not a rate limit) that
 * names a permission or scope the token lacks. Every other write with the token would be refused
 * the same way.
 */
export function refusesToken(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false
  if (error.status === 401) return true
  if (error.status !== 403 || /rate limit/i.test(error.githubMessage)) return false
  const { acceptedPermissions, acceptedScopes } = error.permissionHints
  return (
    acceptedPermissions !== undefined ||
    acceptedScopes !== undefined ||
    /not accessible|must have|permission|scope/i.test(error.githubMessage)
  )
}

/** `head` (what was asked and what GitHub said), then what to change. */
function explain(error: ApiError, head: string, space: SpaceRef | undefined): string {
  const label = space
    ? `${space.ownerType === 'org' ? 'organization' : 'user'} '${space.owner}' Space #${space.number}`
    : 'the Space'
  const write = !error.endpoint.startsWith('GET ')
  const hints = error.permissionHints
  const headerHints = [
    hints.acceptedPermissions
      ? `GitHub accepts the permission(s): ${hints.acceptedPermissions}.`
      : '',
    hints.acceptedScopes !== undefined
      ? `Accepted OAuth scopes: ${hints.acceptedScopes || '(none listed)'}.`
      : '',
    hints.tokenScopes !== undefined ? `The token has: ${hints.tokenScopes || '(no scopes)'}.` : ''
  ]
    .filter(Boolean)
    .join(' ')
  switch (error.status) {
    case 401:
      return `${head}. The token is invalid or expired: pass a current token in the 'token' input.`
    case 403:
      if (/rate limit/i.test(error.githubMessage))
        return `${head}. GitHub is rate-limiting this token; try again later.`
      return `${head}. The token may not ${write ? 'change' : 'read'} ${label}. ${headerHints} ${permissionAdvice(space, write)}`
        .replace(/\s+/g, ' ')
        .trim()
    case 404:
      if (/\/resources\/\d+$/.test(error.endpoint)) {
        return `${head}. The resource is no longer in ${label}: someone removed it after this run listed the Space. The next run creates it again.`
      }
      return (
        `${head}. ${label} was not found, or the token cannot see it (GitHub answers 404 for both). ` +
        `Check the 'owner', 'owner-type' and 'space-number' inputs, and that the token has access. ${permissionAdvice(space, false)}`
      )
    case 422: {
      const details = error.errors.length > 0 ? ` Details: ${JSON.stringify(error.errors)}.` : ''
      return `${head}. GitHub rejected the request as invalid.${details}`
    }
    default:
      return head
  }
}
