import { notFound, ok, type Answer } from './http.js'
import type { Ctx } from './routes.js'
import { accountId, findAccount, iso, type Account, type State } from './state.js'

const WEB = 'https://github.com'

export function nodeId(kind: string, id: number | string): string {
  // GitHub's legacy global ids: base64 of "0<length of type name>:<Type><id>" ("04:User1").
  return Buffer.from(`0${kind.length}:${kind}${id}`).toString('base64')
}

function avatar(id: number): string {
  return `https://avatars.githubusercontent.com/u/${id}?v=4`
}

/** The `simple-user` schema; organizations seen through user endpoints have `type: Organization`. */
export function simpleUser(state: State, base: string, login: string): Record<string, unknown> {
  const account = findAccount(state, login)
  const name = account?.login ?? login
  const id = accountId(state, login)
  // A GitHub App's account (`github-actions[bot]`) is a Bot, whose page is the App's.
  const bot = /^(.+)\[bot\]$/.exec(name)
  const type = account?.type ?? (bot ? 'Bot' : 'User')
  const api = `${base}/users/${encodeURIComponent(name)}`
  return {
    login: name,
    id,
    node_id: nodeId(type === 'Organization' ? 'Organization' : type === 'Bot' ? 'Bot' : 'User', id),
    avatar_url: avatar(id),
    gravatar_id: '',
    url: api,
    html_url: bot ? `${WEB}/apps/${bot[1]}` : `${WEB}/${name}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false
  }
}

/** The `organization-simple` schema. */
export function organizationSimple(base: string, org: Account): Record<string, unknown> {
  const api = `${base}/orgs/${encodeURIComponent(org.login)}`
  return {
    login: org.login,
    id: org.id,
    node_id: nodeId('Organization', org.id),
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: avatar(org.id),
    description: null
  }
}

/** The counts `public-user` and `organization-full` share: only repositories are emulated. */
function publicCounts(state: State, login: string): Record<string, number> {
  const owned = [...state.repos.values()].filter(r => r.owner.toLowerCase() === login.toLowerCase())
  return { public_repos: owned.length, public_gists: 0, followers: 0, following: 0 }
}

/** The `public-user` schema (which allows no other keys) for a login, registered or not. */
export function publicUser(ctx: Ctx, login: string): Record<string, unknown> {
  const account = findAccount(ctx.state, login)
  const created = account?.created_at ?? iso(ctx.state.now())
  return {
    ...simpleUser(ctx.state, ctx.base, login),
    name: account?.login ?? null,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    ...publicCounts(ctx.state, login),
    created_at: created,
    updated_at: created
  }
}

/** `GET /users/{username}`. */
export function getUser(ctx: Ctx): Answer {
  const account = findAccount(ctx.state, ctx.params.username ?? '')
  if (!account) return notFound()
  return ok(publicUser(ctx, account.login))
}

/** `GET /orgs/{org}`: the `organization-full` schema; users are not organizations. */
export function getOrg(ctx: Ctx): Answer {
  const account = findAccount(ctx.state, ctx.params.org ?? '')
  if (!account || account.type !== 'Organization') return notFound()
  return ok({
    ...organizationSimple(ctx.base, account),
    name: account.login,
    html_url: `${WEB}/${account.login}`,
    has_organization_projects: true,
    has_repository_projects: true,
    ...publicCounts(ctx.state, account.login),
    type: 'Organization',
    created_at: account.created_at,
    updated_at: account.created_at,
    archived_at: null
  })
}
