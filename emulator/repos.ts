import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { nodeId, simpleUser } from './accounts.js'
import {
  commits,
  defaultBranch,
  diffFiles,
  entryAt,
  git,
  lsTree,
  objectType,
  readBlob,
  resolve,
  tryGit,
  type CommitInfo,
  type FileChange,
  type TreeEntry
} from './git.js'
import { encodePath, fail, notFound, ok, type Answer } from './http.js'
import { linkHeader, perPage } from './pagination.js'
import type { Ctx } from './routes.js'
import { findAccount, repoKey, type Repo, type State } from './state.js'

const WEB = 'https://github.com'
/** GitHub's compare lists at most 300 files and, unpaginated, 250 commits. */
export const MAX_COMPARE_FILES = 300
export const MAX_COMPARE_COMMITS = 250
/** The contents API inlines files up to 1 MB; larger ones come back with `encoding: "none"`. */
const MAX_INLINE_CONTENT = 1024 * 1024

export function findRepo(ctx: Ctx): Repo {
  const repo = ctx.state.repos.get(repoKey(ctx.params.owner ?? '', ctx.params.repo ?? ''))
  if (!repo) fail(notFound())
  return repo
}

function api(ctx: Ctx, repo: Repo): string {
  return `${ctx.base}/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`
}

function web(repo: Repo): string {
  return `${WEB}/${repo.owner}/${repo.name}`
}

/** GitHub's API wraps base64 content at 60 characters a line. */
function base64Lines(data: Buffer): string {
  const text = data.toString('base64')
  return text === '' ? '' : `${text.match(/.{1,60}/g)?.join('\n')}\n`
}

async function isEmpty(repo: Repo): Promise<boolean> {
  return ((await tryGit(repo.dir, ['rev-list', '-n', '1', '--all'])) ?? '').trim() === ''
}

export async function getRepo(ctx: Ctx): Promise<Answer> {
  const repo = findRepo(ctx)
  const url = api(ctx, repo)
  const html = web(repo)
  const branch = await defaultBranch(repo.dir)
  const pushed = (await tryGit(repo.dir, ['log', '-1', '--format=%cI', 'HEAD', '--']))?.trim()
  const pushedAt = pushed
    ? new Date(pushed).toISOString().replace(/\.\d{3}Z$/, 'Z')
    : repo.registered_at
  const ownerLevel = ctx.token.access[repo.owner.toLowerCase()]
  const owner = simpleUser(ctx.state, ctx.base, repo.owner)
  return ok({
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner,
    private: false,
    html_url: html,
    description: null,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://github.com/${repo.owner}/${repo.name}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@github.com:${repo.owner}/${repo.name}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: html,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: branch,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'public',
    pushed_at: pushedAt,
    created_at: repo.registered_at,
    updated_at: pushedAt,
    permissions: {
      admin: ownerLevel === 'admin',
      maintain: ownerLevel === 'admin',
      push: ownerLevel === 'admin' || ownerLevel === 'write',
      triage: ownerLevel === 'admin' || ownerLevel === 'write',
      pull: true
    },
    allow_forking: true,
    web_commit_signoff_required: false,
    subscribers_count: 0,
    network_count: 0,
    license: null,
    organization: findAccount(ctx.state, repo.owner)?.type === 'Organization' ? owner : undefined,
    forks: 0,
    open_issues: 0,
    watchers: 0
  })
}

/** A GitHub user for a commit author, when the email is one of GitHub's noreply addresses of a known login. */
function gitHubUser(state: State, base: string, email: string): Record<string, unknown> | null {
  const login = /^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$/i.exec(email)?.[1]
  const account = login === undefined ? undefined : findAccount(state, login)
  return account ? simpleUser(state, base, account.login) : null
}

function commitJson(ctx: Ctx, repo: Repo, c: CommitInfo): object {
  const url = api(ctx, repo)
  return {
    sha: c.sha,
    node_id: nodeId('Commit', `${repo.id}:${c.sha}`),
    url: `${url}/commits/${c.sha}`,
    html_url: `${web(repo)}/commit/${c.sha}`,
    comments_url: `${url}/commits/${c.sha}/comments`,
    commit: {
      url: `${url}/git/commits/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      comment_count: 0,
      tree: { sha: c.tree, url: `${url}/git/trees/${c.tree}` },
      verification: {
        verified: false,
        reason: 'unsigned',
        payload: null,
        signature: null,
        verified_at: null
      }
    },
    author: gitHubUser(ctx.state, ctx.base, c.author.email),
    committer: gitHubUser(ctx.state, ctx.base, c.committer.email),
    parents: c.parents.map(p => ({
      sha: p,
      url: `${url}/commits/${p}`,
      html_url: `${web(repo)}/commit/${p}`
    }))
  }
}

const FILE_STATUS: Record<string, string> = {
  A: 'added',
  D: 'removed',
  M: 'modified',
  R: 'renamed',
  C: 'copied',
  T: 'changed'
}

function diffEntryJson(
  ctx: Ctx,
  repo: Repo,
  f: FileChange,
  headSha: string,
  baseSha: string
): object {
  const removed = f.status === 'D'
  // A removed file only exists at the base side, so its links point there.
  const ref = removed ? baseSha : headSha
  const path = encodePath(f.path)
  return {
    sha: removed ? f.oldSha : f.newSha,
    filename: f.path,
    status: FILE_STATUS[f.status] ?? 'modified',
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${web(repo)}/blob/${ref}/${path}`,
    raw_url: `${web(repo)}/raw/${ref}/${path}`,
    contents_url: `${api(ctx, repo)}/contents/${path}?ref=${ref}`,
    ...(f.previousPath !== undefined ? { previous_filename: f.previousPath } : {})
  }
}

function pageNumber(query: Record<string, string>): number {
  const raw = query.page
  return raw !== undefined && /^\d+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : 1
}

/**
 * `GET /repos/{owner}/{repo}/compare/{base}...{head}` (only the three-dot form, as on GitHub).
 * Files are the diff merge-base..head. Without `page`/`per_page` the first 250 commits are listed;
 * with them, commits are paginated (per_page default 30, max 100, `Link` header) and files appear
 * on the first page only, as GitHub documents.
 */
export async function compare(ctx: Ctx): Promise<Answer> {
  const repo = findRepo(ctx)
  const basehead = ctx.params.basehead ?? ''
  const split = basehead.indexOf('...')
  if (split < 0) return notFound()
  // `owner:branch` names a branch of a fork; only this repository's own owner is known here.
  const strip = (rev: string) =>
    rev.toLowerCase().startsWith(`${repo.owner.toLowerCase()}:`)
      ? rev.slice(repo.owner.length + 1)
      : rev
  const baseRev = strip(basehead.slice(0, split))
  const headRev = strip(basehead.slice(split + 3))
  const [baseSha, headSha] = await Promise.all([
    resolve(repo.dir, baseRev, 'commit'),
    resolve(repo.dir, headRev, 'commit')
  ])
  if (!baseSha || !headSha) return notFound()
  const mergeBase = (await tryGit(repo.dir, ['merge-base', baseSha, headSha]))?.trim()
  if (!mergeBase) return notFound(`No common ancestor between ${baseRev} and ${headRev}.`)
  const counts =
    (await tryGit(repo.dir, ['rev-list', '--left-right', '--count', `${baseSha}...${headSha}`])) ??
    '0\t0'
  const [behindBy = 0, aheadBy = 0] = counts.trim().split(/\s+/).map(Number)
  const status =
    aheadBy === 0 && behindBy === 0
      ? 'identical'
      : behindBy === 0
        ? 'ahead'
        : aheadBy === 0
          ? 'behind'
          : 'diverged'

  const paginated = ctx.query.page !== undefined || ctx.query.per_page !== undefined
  const size = paginated ? perPage(ctx.query) : MAX_COMPARE_COMMITS
  const page = paginated ? pageNumber(ctx.query) : 1
  const all = aheadBy === 0 ? [] : await commits(repo.dir, ['--reverse', `${baseSha}..${headSha}`])
  const listed = all.slice((page - 1) * size, page * size)
  const edge = await commits(repo.dir, ['--no-walk=unsorted', baseSha, mergeBase])
  const bySha = new Map(edge.map(c => [c.sha, c]))
  const files =
    page === 1 ? (await diffFiles(repo.dir, mergeBase, headSha)).slice(0, MAX_COMPARE_FILES) : []

  const url = api(ctx, repo)
  const lastPage = Math.max(1, Math.ceil(all.length / size))
  const link = paginated
    ? linkHeader(ctx.base, ctx.rawPath, ctx.query, {
        next: page < lastPage ? { page: String(page + 1) } : undefined,
        last: page < lastPage ? { page: String(lastPage) } : undefined,
        first: page > 1 ? { page: '1' } : undefined,
        prev: page > 1 ? { page: String(page - 1) } : undefined
      })
    : undefined
  return {
    status: 200,
    headers: link ? { link } : undefined,
    body: {
      url: `${url}/compare/${basehead}`,
      html_url: `${web(repo)}/compare/${basehead}`,
      permalink_url: `${web(repo)}/compare/${repo.owner}:${baseSha}...${repo.owner}:${headSha}`,
      diff_url: `${web(repo)}/compare/${basehead}.diff`,
      patch_url: `${web(repo)}/compare/${basehead}.patch`,
      base_commit: commitJson(ctx, repo, bySha.get(baseSha) as CommitInfo),
      merge_base_commit: commitJson(ctx, repo, bySha.get(mergeBase) as CommitInfo),
      status,
      ahead_by: aheadBy,
      behind_by: behindBy,
      total_commits: aheadBy,
      commits: listed.map(c => commitJson(ctx, repo, c)),
      files: files.map(f => diffEntryJson(ctx, repo, f, headSha, mergeBase))
    }
  }
}

/**
 * `GET /repos/{owner}/{repo}/git/trees/{tree_sha}`: a tree, commit or branch name. Any `recursive`
 * value (even "0" or "false") recurses, as GitHub documents. Beyond the tree limit the listing is
 * cut and `truncated` is true.
 */
export async function getTree(ctx: Ctx): Promise<Answer> {
  const repo = findRepo(ctx)
  const tree = await resolve(repo.dir, ctx.params.tree_sha ?? '', 'tree')
  if (!tree) {
    if (await isEmpty(repo))
      return {
        status: 409,
        body: {
          message: 'Git Repository is empty.',
          documentation_url: 'https://docs.github.com/rest'
        }
      }
    return notFound()
  }
  const recursive = ctx.query.recursive !== undefined
  const url = api(ctx, repo)
  const key = [url, tree, recursive, ctx.treeLimit, ctx.treeBytesLimit].join('\n')
  let payload = ctx.state.trees.get(key)
  if (!payload) {
    payload = Buffer.from(JSON.stringify(await treeAnswer(repo, url, tree, recursive, ctx)))
    ctx.state.trees.set(key, payload)
  }
  return { status: 200, payload }
}

async function treeAnswer(repo: Repo, url: string, tree: string, recursive: boolean, ctx: Ctx) {
  const entries = await lsTree(repo.dir, tree, recursive)
  // GitHub cuts the listing at 100,000 entries or 7 MB, whichever comes first.
  const listed: object[] = []
  let bytes = 0
  for (const e of entries.slice(0, ctx.treeLimit)) {
    const item = {
      path: e.path,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.type === 'blob' ? { size: e.size ?? 0, url: `${url}/git/blobs/${e.sha}` } : {}),
      ...(e.type === 'tree' ? { url: `${url}/git/trees/${e.sha}` } : {})
    }
    bytes += Buffer.byteLength(JSON.stringify(item)) + 1
    if (bytes > ctx.treeBytesLimit) break
    listed.push(item)
  }
  return {
    sha: tree,
    url: `${url}/git/trees/${tree}`,
    tree: listed,
    truncated: listed.length < entries.length
  }
}

/**
 * GitHub answers with a redirect to a short-lived archive URL (codeload); the emulator's archive
 * is `git archive` of the commit, served by the same server under `CODELOAD_PATH`.
 */
export async function getTarball(ctx: Ctx): Promise<Answer> {
  const repo = findRepo(ctx)
  const commit = await resolve(repo.dir, ctx.params.ref ?? '', 'commit')
  if (!commit) return notFound()
  const where = `${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`
  return {
    status: 302,
    headers: { location: `${ctx.base}${CODELOAD_PATH}${where}/legacy.tar.gz/${commit}` }
  }
}

export const CODELOAD_PATH = '/_codeload/'

const gzipped = promisify(gzip)

/** The archive a codeload URL names: a gzipped tar of the commit, under one top folder. */
export async function archive(
  state: State,
  path: string
): Promise<{ name: string; bytes: Buffer } | undefined> {
  const m = /^([^/]+)\/([^/]+)\/legacy\.tar\.gz\/([0-9a-f]{40})$/.exec(
    path.slice(CODELOAD_PATH.length)
  )
  if (!m) return undefined
  const [, owner, name, commit] = m as unknown as [string, string, string, string]
  const repo = state.repos.get(repoKey(decodeURIComponent(owner), decodeURIComponent(name)))
  if (!repo) return undefined
  const top = `${repo.owner}-${repo.name}-${commit.slice(0, 7)}`
  const key = `${repo.dir}\n${top}`
  let made = state.archives.get(key)
  if (!made) {
    made = git(repo.dir, ['archive', '--format=tar', `--prefix=${top}/`, commit]).then(gzipped)
    state.archives.set(key, made)
    made.catch(() => state.archives.delete(key))
  }
  return { name: `${top}.tar.gz`, bytes: await made }
}

function contentType(e: TreeEntry, inListing: boolean): string {
  if (e.type === 'tree') return 'dir'
  // Directory listings call submodules "file", for backwards compatibility (GitHub documents this).
  if (e.type === 'commit') return inListing ? 'file' : 'submodule'
  return e.mode === '120000' ? 'symlink' : 'file'
}

function contentLinks(ctx: Ctx, repo: Repo, e: TreeEntry, ref: string, inListing: boolean) {
  const url = api(ctx, repo)
  const path = encodePath(e.path)
  const type = contentType(e, inListing)
  const self = `${url}/contents/${path}?ref=${encodeURIComponent(ref)}`
  const gitUrl =
    e.type === 'tree'
      ? `${url}/git/trees/${e.sha}`
      : e.type === 'blob'
        ? `${url}/git/blobs/${e.sha}`
        : null
  const html = `${web(repo)}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${path}`
  return {
    type,
    size: e.size ?? 0,
    name: e.path.split('/').pop() ?? e.path,
    path: e.path,
    sha: e.sha,
    url: self,
    git_url: gitUrl,
    html_url: html,
    download_url:
      e.type === 'blob'
        ? `https://raw.githubusercontent.com/${repo.owner}/${repo.name}/${ref}/${path}`
        : null,
    _links: { self, git: gitUrl, html }
  }
}

async function submoduleUrl(repo: Repo, commit: string, path: string): Promise<string> {
  const config = await tryGit(repo.dir, [
    'config',
    '-z',
    '--blob',
    `${commit}:.gitmodules`,
    '--list'
  ])
  const pairs = (config ?? '').split('\0').map(line => {
    const at = line.indexOf('\n')
    return [line.slice(0, at), line.slice(at + 1)] as const
  })
  const name = pairs
    .find(([k, v]) => /^submodule\..*\.path$/.test(k) && v === path)?.[0]
    .slice(10, -5)
  return pairs.find(([k]) => k === `submodule.${name}.url`)?.[1] ?? ''
}

/**
 * `GET /repos/{owner}/{repo}/contents/{path}?ref=`: a file (base64), a directory (an array of
 * entries), a symlink (its target; GitHub may instead follow links to files, which is not
 * emulated) or a submodule.
 */
export async function getContent(ctx: Ctx): Promise<Answer> {
  const repo = findRepo(ctx)
  const ref = ctx.query.ref ?? (await defaultBranch(repo.dir))
  const commit = await resolve(repo.dir, ref, 'commit')
  if (!commit) {
    return notFound(
      (await isEmpty(repo)) ? 'This repository is empty.' : `No commit found for the ref ${ref}`
    )
  }
  const path = (ctx.params.path ?? '').replace(/^\/+|\/+$/g, '')
  const entry: TreeEntry | undefined =
    path === ''
      ? {
          mode: '040000',
          type: 'tree',
          sha: (await resolve(repo.dir, commit, 'tree')) as string,
          path: ''
        }
      : await entryAt(repo.dir, commit, path)
  if (!entry) return notFound()
  if (entry.type === 'tree') {
    const children = await lsTree(repo.dir, entry.sha, false)
    return ok(
      children.map(child => {
        const full = { ...child, path: path === '' ? child.path : `${path}/${child.path}` }
        return contentLinks(ctx, repo, full, ref, true)
      })
    )
  }
  const links = contentLinks(ctx, repo, entry, ref, false)
  if (entry.type === 'commit') {
    return ok({ ...links, submodule_git_url: await submoduleUrl(repo, commit, path) })
  }
  const data = await readBlob(repo.dir, entry.sha)
  if (links.type === 'symlink') return ok({ ...links, target: data.toString('utf8') })
  const inline = data.length <= MAX_INLINE_CONTENT
  return ok({
    ...links,
    content: inline ? base64Lines(data) : '',
    encoding: inline ? 'base64' : 'none'
  })
}

/** `GET /repos/{owner}/{repo}/git/blobs/{file_sha}`. */
export async function getBlob(ctx: Ctx): Promise<Answer> {
  const repo = findRepo(ctx)
  const sha = (ctx.params.file_sha ?? '').toLowerCase()
  if ((await objectType(repo.dir, sha)) !== 'blob') return notFound()
  const data = await readBlob(repo.dir, sha)
  return ok({
    sha,
    node_id: nodeId('Blob', `${repo.id}:${sha}`),
    size: data.length,
    url: `${api(ctx, repo)}/git/blobs/${sha}`,
    content: base64Lines(data),
    encoding: 'base64'
  })
}

/**
 * The repository's releases, newest first, page by page (`page`, `per_page`, a `Link` header).
 * Drafts are listed too: the emulator's tokens all have push access, which GitHub asks for.
 */
export function listReleases(ctx: Ctx): Answer {
  const repo = findRepo(ctx)
  const size = perPage(ctx.query)
  const page = Math.max(1, Number(/^\d+$/.test(ctx.query.page ?? '') ? ctx.query.page : 1))
  const newest = [...repo.releases].sort((a, b) =>
    a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1
  )
  const items = newest.slice((page - 1) * size, page * size)
  const more = page * size < newest.length
  const link = linkHeader(ctx.base, ctx.rawPath, ctx.query, {
    next: more ? { page: String(page + 1) } : undefined,
    prev: page > 1 ? { page: String(page - 1) } : undefined
  })
  const url = api(ctx, repo)
  const body = items.map(r => ({
    url: `${url}/releases/${r.id}`,
    html_url: `${web(repo)}/releases/tag/${encodeURIComponent(r.tag_name)}`,
    assets_url: `${url}/releases/${r.id}/assets`,
    upload_url: `https://uploads.github.com/repos/${repo.owner}/${repo.name}/releases/${r.id}/assets{?name,label}`,
    tarball_url: `${url}/tarball/${encodeURIComponent(r.tag_name)}`,
    zipball_url: `${url}/zipball/${encodeURIComponent(r.tag_name)}`,
    id: r.id,
    node_id: nodeId('Release', r.id),
    tag_name: r.tag_name,
    target_commitish: 'main',
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    created_at: r.created_at,
    published_at: r.published_at,
    author: simpleUser(ctx.state, ctx.base, repo.owner),
    assets: []
  }))
  return { status: 200, body, headers: link ? { link } : undefined }
}
