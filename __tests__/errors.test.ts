/** explainApiError: every failure the action reports, as the whole message a person reads. */
import { describe, expect, it } from '@jest/globals'
import type { SpaceRef } from '../src/github/client.js'
import { explainApiError, explainCause, refusesToken } from '../src/github/errors.js'
import { ApiError } from '../src/github/api.js'

const ORG_SPACE: SpaceRef = { ownerType: 'org', owner: 'octo-org', number: 3 }
const USER_SPACE: SpaceRef = { ownerType: 'user', owner: 'octocat', number: 1 }
const ORG_RESOURCES = 'POST /orgs/octo-org/copilot-spaces/3/resources'
const USER_SPACE_GET = 'GET /users/octocat/copilot-spaces/1'

const ORG_ADVICE_WRITE =
  'Use a GitHub App installation token or a fine-grained personal access token with the "Copilot Spaces" organization permission (write), ' +
  "or a personal access token (classic) with the 'write:org' scope. GITHUB_TOKEN cannot reach organization Spaces."
const ORG_ADVICE_READ =
  'Use a GitHub App installation token or a fine-grained personal access token with the "Copilot Spaces" organization permission (read), ' +
  "or a personal access token (classic) with the 'read:org' scope. GITHUB_TOKEN cannot reach organization Spaces."
const USER_ADVICE = (scope: string) =>
  `User-owned Spaces accept only a personal access token (classic) with the '${scope}' scope; ` +
  'fine-grained tokens, GitHub App tokens and GITHUB_TOKEN cannot reach them.'

function apiError(
  endpoint: string,
  status: number | undefined,
  message: string,
  headers: Record<string, string> = {},
  errors: unknown[] = []
): ApiError {
  return new ApiError(endpoint, status, message, headers, errors)
}

describe('explainApiError', () => {
  it('401: the token is invalid or expired', () => {
    const error = apiError('GET /orgs/octo-org/copilot-spaces/3', 401, 'Bad credentials')
    expect(explainApiError(error, ORG_SPACE)).toBe(
      "GET /orgs/octo-org/copilot-spaces/3 answered 401: Bad credentials. The token is invalid or expired: pass a current token in the 'token' input."
    )
  })

  it('403 on an organization Space, with the permission headers GitHub sent', () => {
    const error = apiError(ORG_RESOURCES, 403, 'Resource not accessible by integration', {
      'x-accepted-github-permissions': 'organization_copilot_spaces=write',
      'x-accepted-oauth-scopes': 'write:org',
      'x-oauth-scopes': 'repo, read:org'
    })
    expect(explainApiError(error, ORG_SPACE)).toBe(
      `${ORG_RESOURCES} answered 403: Resource not accessible by integration. The token may not change organization 'octo-org' Space #3. ` +
        'GitHub accepts the permission(s): organization_copilot_spaces=write. Accepted OAuth scopes: write:org. The token has: repo, read:org. ' +
        ORG_ADVICE_WRITE
    )
  })

  it('403 on an organization Space without permission headers: the advice alone, in one line', () => {
    const error = apiError('GET /orgs/octo-org/copilot-spaces/3/resources', 403, 'Forbidden\n\n')
    expect(explainApiError(error, ORG_SPACE)).toBe(
      "GET /orgs/octo-org/copilot-spaces/3/resources answered 403: Forbidden . The token may not read organization 'octo-org' Space #3. " +
        ORG_ADVICE_READ
    )
  })

  it('403 with empty scope headers says so', () => {
    const error = apiError(ORG_RESOURCES, 403, 'Forbidden', {
      'x-accepted-oauth-scopes': '',
      'x-oauth-scopes': ''
    })
    expect(explainApiError(error, ORG_SPACE)).toBe(
      `${ORG_RESOURCES} answered 403: Forbidden. The token may not change organization 'octo-org' Space #3. ` +
        'Accepted OAuth scopes: (none listed). The token has: (no scopes). ' +
        ORG_ADVICE_WRITE
    )
  })

  it('403 on a user Space: only a classic token with the user scope reaches it', () => {
    const read = apiError(USER_SPACE_GET, 403, 'Forbidden')
    expect(explainApiError(read, USER_SPACE)).toBe(
      `${USER_SPACE_GET} answered 403: Forbidden. The token may not read user 'octocat' Space #1. ${USER_ADVICE('read:user')}`
    )
    const write = apiError('DELETE /users/octocat/copilot-spaces/1/resources/9', 403, 'Forbidden', {
      'x-accepted-oauth-scopes': 'write:user',
      'x-oauth-scopes': 'read:user'
    })
    expect(explainApiError(write, USER_SPACE)).toBe(
      "DELETE /users/octocat/copilot-spaces/1/resources/9 answered 403: Forbidden. The token may not change user 'octocat' Space #1. " +
        `Accepted OAuth scopes: write:user. The token has: read:user. ${USER_ADVICE('write:user')}`
    )
  })

  it('403 before the owner type is known: "the Space", with organization advice', () => {
    const error = apiError('GET /users/octo-org', 403, 'Forbidden')
    expect(explainApiError(error)).toBe(
      `GET /users/octo-org answered 403: Forbidden. The token may not read the Space. ${ORG_ADVICE_READ}`
    )
  })

  it.each([
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    'API rate limit exceeded for user ID 2.'
  ])('403 from a rate limit: try again later (%s)', message => {
    const error = apiError(ORG_RESOURCES, 403, message, {
      'x-accepted-github-permissions': 'organization_copilot_spaces=write'
    })
    expect(explainApiError(error, ORG_SPACE)).toBe(
      `${ORG_RESOURCES} answered 403: ${message}. GitHub is rate-limiting this token; try again later.`
    )
  })

  it('404 on the Space: not found or not visible, check the inputs', () => {
    const endpoint = 'GET /orgs/octo-org/copilot-spaces/99/resources'
    const space: SpaceRef = { ...ORG_SPACE, number: 99 }
    expect(explainApiError(apiError(endpoint, 404, 'Not Found'), space)).toBe(
      `${endpoint} answered 404: Not Found. organization 'octo-org' Space #99 was not found, or the token cannot see it (GitHub answers 404 for both). ` +
        `Check the 'owner', 'owner-type' and 'space-number' inputs, and that the token has access. ${ORG_ADVICE_READ}`
    )
    // A write to a Space that is gone gets the same answer, and read advice: it could not see it.
    const put = 'PUT /users/octocat/copilot-spaces/1'
    expect(explainApiError(apiError(put, 404, 'Not Found'), USER_SPACE)).toBe(
      `${put} answered 404: Not Found. user 'octocat' Space #1 was not found, or the token cannot see it (GitHub answers 404 for both). ` +
        `Check the 'owner', 'owner-type' and 'space-number' inputs, and that the token has access. ${USER_ADVICE('read:user')}`
    )
  })

  it('404 on one resource: removed after the listing; the next run creates it again', () => {
    const endpoint = 'PUT /orgs/octo-org/copilot-spaces/3/resources/17'
    expect(explainApiError(apiError(endpoint, 404, 'Not Found'), ORG_SPACE)).toBe(
      `${endpoint} answered 404: Not Found. The resource is no longer in organization 'octo-org' Space #3: ` +
        'someone removed it after this run listed the Space. The next run creates it again.'
    )
  })

  it('422 shows the errors GitHub listed, and nothing more without them', () => {
    const errors = [{ resource: 'SpaceResource', field: 'metadata', code: 'invalid' }]
    expect(
      explainApiError(apiError(ORG_RESOURCES, 422, 'Validation Failed', {}, errors), ORG_SPACE)
    ).toBe(
      `${ORG_RESOURCES} answered 422: Validation Failed. GitHub rejected the request as invalid. ` +
        'Details: [{"resource":"SpaceResource","field":"metadata","code":"invalid"}].'
    )
    expect(explainApiError(apiError(ORG_RESOURCES, 422, 'Validation Failed'), ORG_SPACE)).toBe(
      `${ORG_RESOURCES} answered 422: Validation Failed. GitHub rejected the request as invalid.`
    )
  })

  it('no status (no response arrived), or another status: the message as it is', () => {
    expect(explainApiError(apiError(ORG_RESOURCES, undefined, 'socket hang up'), ORG_SPACE)).toBe(
      `${ORG_RESOURCES} failed without a response: socket hang up`
    )
    expect(explainApiError(apiError(ORG_RESOURCES, 502, 'Bad Gateway'), ORG_SPACE)).toBe(
      `${ORG_RESOURCES} answered 502: Bad Gateway`
    )
  })

  it('anything that is not an ApiError: its message, or its text', () => {
    expect(explainApiError(new Error('boom'), ORG_SPACE)).toBe('boom')
    expect(explainApiError('plain text')).toBe('plain text')
    expect(explainApiError(undefined)).toBe('undefined')
  })
})

describe('explainCause', () => {
  const resource = (id: number) => `PUT /orgs/octo-org/copilot-spaces/3/resources/${id}`
  const refused = (endpoint: string) =>
    apiError(endpoint, 403, 'Resource not accessible by integration', {
      'x-accepted-github-permissions': 'organization_copilot_spaces=write'
    })

  it('is the explanation with the method in place of the endpoint: one text for every resource', () => {
    const [a, b] = [refused(resource(17)), refused(resource(18))]
    expect(explainApiError(a, ORG_SPACE)).not.toBe(explainApiError(b, ORG_SPACE))
    expect(explainCause(a, ORG_SPACE)).toBe(explainCause(b, ORG_SPACE))
    expect(explainCause(a, ORG_SPACE)).toBe(
      "PUT answered 403: Resource not accessible by integration. The token may not change organization 'octo-org' Space #3. " +
        'GitHub accepts the permission(s): organization_copilot_spaces=write. ' +
        ORG_ADVICE_WRITE
    )
    expect(explainCause(apiError(resource(17), undefined, 'socket hang up'), ORG_SPACE)).toBe(
      'PUT failed without a response: socket hang up'
    )
    expect(explainCause(new Error('boom'), ORG_SPACE)).toBe('boom')
  })
})

describe('refusesToken: the failures every other write would share', () => {
  it('a 401, and a 403 that names a permission or scope the token lacks', () => {
    expect(refusesToken(apiError(ORG_RESOURCES, 401, 'Bad credentials'))).toBe(true)
    for (const [message, headers] of [
      ['Resource not accessible by integration', {}],
      ['Resource not accessible by personal access token', {}],
      ['Must have write access to this Copilot Space', {}],
      ['Forbidden', { 'x-accepted-github-permissions': 'organization_copilot_spaces=write' }],
      ['Forbidden', { 'x-accepted-oauth-scopes': 'write:org' }]
    ] as const) {
      expect(refusesToken(apiError(ORG_RESOURCES, 403, message, { ...headers }))).toBe(true)
    }
  })

  it('not a rate limit, a 403 about something else, another status or another error', () => {
    const limited = { 'x-accepted-github-permissions': 'organization_copilot_spaces=write' }
    for (const error of [
      apiError(ORG_RESOURCES, 403, 'You have exceeded a secondary rate limit', limited),
      apiError(ORG_RESOURCES, 403, 'API rate limit exceeded for installation'),
      apiError(ORG_RESOURCES, 403, 'Forbidden'),
      apiError(ORG_RESOURCES, 404, 'Not Found'),
      apiError(ORG_RESOURCES, 422, 'Validation Failed'),
      apiError(ORG_RESOURCES, undefined, 'socket hang up'),
      new Error('Resource not accessible by integration')
    ]) {
      expect(refusesToken(error)).toBe(false)
    }
  })
})
