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
      return `${error.message}. The token is invalid or expired: pass a current token in the 'token' input.`
    case 403:
      if (/rate limit/i.test(error.githubMessage))
        return `${error.message}. GitHub is rate-limiting this token; try again later.`
      return `${error.message}. The token may not ${write ? 'change' : 'read'} ${label}. ${headerHints} ${permissionAdvice(space, write)}`
        .replace(/\s+/g, ' ')
        .trim()
    case 404:
      if (/\/resources\/\d+$/.test(error.endpoint)) {
        return `${error.message}. The resource is no longer in ${label}: someone removed it after this run listed the Space. The next run creates it again.`
      }
      return (
        `${error.message}. ${label} was not found, or the token cannot see it (GitHub answers 404 for both). ` +
        `Check the 'owner', 'owner-type' and 'space-number' inputs, and that the token has access. ${permissionAdvice(space, false)}`
      )
    case 422: {
      const details = error.errors.length > 0 ? ` Details: ${JSON.stringify(error.errors)}.` : ''
      return `${error.message}. GitHub rejected the request as invalid.${details}`
    }
    default:
      return error.message
  }
}
