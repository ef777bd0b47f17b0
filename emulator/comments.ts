/**
 * Pull request comments (the issue comments endpoints GitHub answers them with) and the token's
 * own account: what the action's preview comment uses. Writing needs write access to the
 * repository's owner; a read-only token (a fork's `GITHUB_TOKEN`) gets 403.
 */
import { nodeId, publicUser, simpleUser } from './accounts.js'
import { fail, forbidden, isObject, notFound, ok, validationFailed, type Answer } from './http.js'
import { linkHeader, perPage } from './pagination.js'
import { findRepo } from './repos.js'
import type { Ctx } from './routes.js'
import { iso, type Repo, type StoredComment } from './state.js'

const NOT_ACCESSIBLE = 'Resource not accessible by integration'

function commentJson(ctx: Ctx, repo: Repo, c: StoredComment) {
  const api = `${ctx.base}/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`
  return {
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    url: `${api}/issues/comments/${c.id}`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${c.issue_number}#issuecomment-${c.id}`,
    issue_url: `${api}/issues/${c.issue_number}`,
    body: c.body,
    user: simpleUser(ctx.state, ctx.base, c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: 'NONE'
  }
}

function requireWrite(ctx: Ctx, repo: Repo): void {
  const level = ctx.token.access[repo.owner.toLowerCase()]
  if (level !== 'write' && level !== 'admin') fail(forbidden(NOT_ACCESSIBLE))
}

function bodyText(ctx: Ctx): string {
  const body = isObject(ctx.body) ? ctx.body.body : undefined
  if (typeof body !== 'string' || body === '') {
    fail(validationFailed([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]))
  }
  if ([...body].length > 65536) {
    fail(
      validationFailed([
        {
          resource: 'IssueComment',
          field: 'body',
          code: 'invalid',
          message: 'body is too long (maximum is 65536 characters)'
        }
      ])
    )
  }
  return body
}

function issueNumber(ctx: Ctx): number {
  const n = Number(ctx.params.issue_number)
  if (!Number.isSafeInteger(n) || n < 1) fail(notFound())
  return n
}

/** Oldest first, page by page (`page`, `per_page`, a `Link` header), as GitHub lists them. */
export function listComments(ctx: Ctx): Answer {
  const repo = findRepo(ctx)
  const number = issueNumber(ctx)
  const size = perPage(ctx.query)
  const page = Math.max(1, Number(/^\d+$/.test(ctx.query.page ?? '') ? ctx.query.page : 1))
  const all = repo.comments.filter(c => c.issue_number === number)
  const items = all.slice((page - 1) * size, page * size)
  const link = linkHeader(ctx.base, ctx.rawPath, ctx.query, {
    next: page * size < all.length ? { page: String(page + 1) } : undefined,
    prev: page > 1 ? { page: String(page - 1) } : undefined
  })
  return {
    status: 200,
    body: items.map(c => commentJson(ctx, repo, c)),
    headers: link ? { link } : undefined
  }
}

export function createComment(ctx: Ctx): Answer {
  const repo = findRepo(ctx)
  const number = issueNumber(ctx)
  requireWrite(ctx, repo)
  const stamp = iso(ctx.state.now())
  const comment: StoredComment = {
    id: ctx.state.nextCommentId++,
    issue_number: number,
    body: bodyText(ctx),
    user: ctx.token.login,
    created_at: stamp,
    updated_at: stamp
  }
  repo.comments.push(comment)
  return ok(commentJson(ctx, repo, comment), 201, true)
}

export function updateComment(ctx: Ctx): Answer {
  const repo = findRepo(ctx)
  const comment = repo.comments.find(c => c.id === Number(ctx.params.comment_id))
  if (!comment) fail(notFound())
  requireWrite(ctx, repo)
  comment.body = bodyText(ctx)
  comment.updated_at = iso(ctx.state.now())
  return ok(commentJson(ctx, repo, comment), 200, true)
}

/** The token's own account; an installation token (GITHUB_TOKEN, an App's) has none: 403. */
export function getAuthenticatedUser(ctx: Ctx): Answer {
  if (ctx.token.kind === 'installation') return forbidden(NOT_ACCESSIBLE)
  return ok(publicUser(ctx, ctx.token.login))
}
