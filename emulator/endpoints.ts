import { getOrg, getUser } from './accounts.js'
import { compare, getBlob, getContent, getRepo, getTree } from './repos.js'
import {
  createResource,
  deleteResource,
  getResource,
  listResources,
  setResource
} from './resources.js'
import type { Route } from './routes.js'
import { createSpace, deleteSpace, getSpace, listSpaces, setSpace } from './spaces.js'

const ORG_SPACES = '/orgs/{org}/copilot-spaces'
const USER_SPACES = '/users/{username}/copilot-spaces'
const SPACE = '/{space_number}'
const RESOURCES = '/{space_number}/resources'
const RESOURCE = '/{space_number}/resources/{space_resource_id}'

/**
 * Every endpoint with the classic-token scopes its documentation names. The space endpoints' scopes
 * are as documented even where they look odd (creating an organization space needs only
 * `read:org`; getting a user space needs `repo`).
 */
const ROUTE_LIST: Route[] = [
  { method: 'GET', template: ORG_SPACES, scopes: [['read:org']], handler: listSpaces('org') },
  { method: 'POST', template: ORG_SPACES, scopes: [['read:org']], handler: createSpace('org') },
  { method: 'GET', template: ORG_SPACES + SPACE, scopes: [['read:org']], handler: getSpace('org') },
  { method: 'PUT', template: ORG_SPACES + SPACE, scopes: [['read:org']], handler: setSpace('org') },
  {
    method: 'DELETE',
    template: ORG_SPACES + SPACE,
    scopes: [['read:org'], ['repo']],
    handler: deleteSpace('org')
  },
  {
    method: 'GET',
    template: ORG_SPACES + RESOURCES,
    scopes: [['read:org']],
    handler: listResources('org')
  },
  {
    method: 'POST',
    template: ORG_SPACES + RESOURCES,
    scopes: [['write:org']],
    handler: createResource('org')
  },
  {
    method: 'GET',
    template: ORG_SPACES + RESOURCE,
    scopes: [['read:org']],
    handler: getResource('org')
  },
  {
    method: 'PUT',
    template: ORG_SPACES + RESOURCE,
    scopes: [['write:org']],
    handler: setResource('org')
  },
  {
    method: 'DELETE',
    template: ORG_SPACES + RESOURCE,
    scopes: [['write:org']],
    handler: deleteResource('org')
  },

  {
    method: 'GET',
    template: USER_SPACES,
    scopes: [['read:user']],
    classicOnly: true,
    handler: listSpaces('user')
  },
  {
    method: 'POST',
    template: USER_SPACES,
    scopes: [['read:user']],
    classicOnly: true,
    handler: createSpace('user')
  },
  {
    method: 'GET',
    template: USER_SPACES + SPACE,
    scopes: [['repo']],
    classicOnly: true,
    handler: getSpace('user')
  },
  {
    method: 'PUT',
    template: USER_SPACES + SPACE,
    scopes: [['read:user']],
    classicOnly: true,
    handler: setSpace('user')
  },
  {
    method: 'DELETE',
    template: USER_SPACES + SPACE,
    scopes: [['user']],
    classicOnly: true,
    handler: deleteSpace('user')
  },
  {
    method: 'GET',
    template: USER_SPACES + RESOURCES,
    scopes: [['read:user']],
    classicOnly: true,
    handler: listResources('user')
  },
  {
    method: 'POST',
    template: USER_SPACES + RESOURCES,
    scopes: [['write:user']],
    classicOnly: true,
    handler: createResource('user')
  },
  {
    method: 'GET',
    template: USER_SPACES + RESOURCE,
    scopes: [['read:user']],
    classicOnly: true,
    handler: getResource('user')
  },
  {
    method: 'PUT',
    template: USER_SPACES + RESOURCE,
    scopes: [['write:user']],
    classicOnly: true,
    handler: setResource('user')
  },
  {
    method: 'DELETE',
    template: USER_SPACES + RESOURCE,
    scopes: [['write:user']],
    classicOnly: true,
    handler: deleteResource('user')
  },

  { method: 'GET', template: '/users/{username}', handler: getUser },
  { method: 'GET', template: '/orgs/{org}', handler: getOrg },
  { method: 'GET', template: '/repos/{owner}/{repo}', handler: getRepo },
  { method: 'GET', template: '/repos/{owner}/{repo}/compare/{basehead}', handler: compare },
  { method: 'GET', template: '/repos/{owner}/{repo}/git/trees/{tree_sha}', handler: getTree },
  { method: 'GET', template: '/repos/{owner}/{repo}/git/blobs/{file_sha}', handler: getBlob },
  { method: 'GET', template: '/repos/{owner}/{repo}/contents/{path}', handler: getContent }
]

/** Organization-owned space endpoints take the "Copilot Spaces" organization permission. */
export const ROUTES: Route[] = ROUTE_LIST.map(route =>
  route.template.startsWith(ORG_SPACES)
    ? { ...route, permission: 'organization_copilot_spaces' }
    : route
)
