import { createComment, getAuthenticatedUser, listComments, updateComment } from './comments.js'
import { getOrg, getUser } from './accounts.js'
import {
  compare,
  getBlob,
  getContent,
  getRepo,
  getTarball,
  getTree,
  listReleases
} from './repos.js'
import {
  createResource,
  deleteResource,
  getResource,
  listResources,
  setResource
} from './resources.js'
import type { Handler, Route } from './routes.js'
import { createSpace, deleteSpace, getSpace, listSpaces, setSpace } from './spaces.js'
import type { OwnerType } from './types.js'

const ORG_SPACES = '/orgs/{org}/copilot-spaces'
const USER_SPACES = '/users/{username}/copilot-spaces'
const SPACE = '/{space_number}'
const RESOURCES = '/{space_number}/resources'
const RESOURCE = '/{space_number}/resources/{space_resource_id}'

type Scopes = string[][]
type SpaceEndpoint = [method: string, path: string, org: Scopes, user: Scopes, handler: Factory]
type Factory = (type: OwnerType) => Handler

/**
 * The Space endpoints, each under the organization and the user prefix, with the classic-token
 * scopes their documentation names for each. The scopes are as documented even where they look
 * odd (creating an organization space needs only `read:org`; getting a user space needs `repo`).
 */
// prettier-ignore
const SPACE_ENDPOINTS: SpaceEndpoint[] = [
  ['GET',    '',        [['read:org']],             [['read:user']],  listSpaces],
  ['POST',   '',        [['read:org']],             [['read:user']],  createSpace],
  ['GET',    SPACE,     [['read:org']],             [['repo']],       getSpace],
  ['PUT',    SPACE,     [['read:org']],             [['read:user']],  setSpace],
  ['DELETE', SPACE,     [['read:org'], ['repo']],   [['user']],       deleteSpace],
  ['GET',    RESOURCES, [['read:org']],             [['read:user']],  listResources],
  ['POST',   RESOURCES, [['write:org']],            [['write:user']], createResource],
  ['GET',    RESOURCE,  [['read:org']],             [['read:user']],  getResource],
  ['PUT',    RESOURCE,  [['write:org']],            [['write:user']], setResource],
  ['DELETE', RESOURCE,  [['write:org']],            [['write:user']], deleteResource]
]

/**
 * Organization-owned space endpoints take the "Copilot Spaces" organization permission; user-owned
 * ones work with classic tokens only.
 */
const ORG_ROUTES: Route[] = SPACE_ENDPOINTS.map(([method, path, scopes, , handler]) => ({
  method,
  template: ORG_SPACES + path,
  scopes,
  permission: 'organization_copilot_spaces',
  handler: handler('org')
}))
const USER_ROUTES: Route[] = SPACE_ENDPOINTS.map(([method, path, , scopes, handler]) => ({
  method,
  template: USER_SPACES + path,
  scopes,
  classicOnly: true,
  handler: handler('user')
}))

/** Every endpoint, in the order they are matched. */
export const ROUTES: Route[] = [
  ...ORG_ROUTES,
  ...USER_ROUTES,
  { method: 'GET', template: '/users/{username}', handler: getUser },
  { method: 'GET', template: '/orgs/{org}', handler: getOrg },
  { method: 'GET', template: '/repos/{owner}/{repo}', handler: getRepo },
  { method: 'GET', template: '/repos/{owner}/{repo}/compare/{basehead}', handler: compare },
  { method: 'GET', template: '/repos/{owner}/{repo}/git/trees/{tree_sha}', handler: getTree },
  { method: 'GET', template: '/repos/{owner}/{repo}/git/blobs/{file_sha}', handler: getBlob },
  { method: 'GET', template: '/repos/{owner}/{repo}/contents/{path}', handler: getContent },
  { method: 'GET', template: '/repos/{owner}/{repo}/tarball/{ref}', handler: getTarball },
  { method: 'GET', template: '/repos/{owner}/{repo}/releases', handler: listReleases },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    handler: listComments
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    handler: createComment
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    handler: updateComment
  },
  { method: 'GET', template: '/user', handler: getAuthenticatedUser }
]
