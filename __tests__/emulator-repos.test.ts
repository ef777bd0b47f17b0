/**
 * The emulator's account and repository endpoints, answered from a real git repository made for
 * the test: renames, deletions, paths with spaces, quotes and non-ASCII characters, the compare
 * API's 300-file cap and tree truncation.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { allViolations, ADMIN, call, ORG, seeded, USER } from './helpers/emulator-http.js'

const UNICODE = 'docs/naïve café.md'
const QUOTED = `it's "quoted".md`
const BULK = 320

let dir: string
let emu: Emulator
const sha: Record<string, string> = {}

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Mona Lisa',
      GIT_AUTHOR_EMAIL: 'octocat@users.noreply.github.com',
      GIT_COMMITTER_NAME: 'Someone Else',
      GIT_COMMITTER_EMAIL: 'someone@example.com',
      GIT_AUTHOR_DATE: '2026-01-02T03:04:05+02:00',
      GIT_COMMITTER_DATE: '2026-01-02T03:04:05+02:00',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null'
    }
  }).trim()
}

function write(path: string, content: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true })
  writeFileSync(join(dir, path), content)
}

function commit(message: string): string {
  git('add', '-A')
  git('-c', 'commit.gpgsign=false', 'commit', '-q', '-m', message)
  return git('rev-parse', 'HEAD')
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-repo-'))
  git('init', '-q', '-b', 'main')
  write('README.md', '# Hello\n')
  write('a.txt', 'line one\nline two\nline three\n')
  write('c.txt', 'to be deleted\n')
  write(UNICODE, 'Crème brûlée\n')
  write(QUOTED, 'quotes\n')
  write('src/lib/deep.ts', 'export {}\n')
  sha.main = commit('First commit\n\nWith a body.')

  git('checkout', '-q', '-b', 'feature')
  git('mv', 'a.txt', 'b.txt')
  git('rm', '-q', 'c.txt')
  write(UNICODE, 'Crème brûlée\nEt un café.\n')
  write('new file.md', 'new\n')
  sha.feature1 = commit('Rename, delete, modify, add')
  write('README.md', '# Hello\n\nMore.\n')
  sha.feature = commit('Second feature commit')

  git('checkout', '-q', '-b', 'bulk')
  for (let i = 0; i < BULK; i++) write(`gen/f${String(i).padStart(3, '0')}.txt`, `${i}\n`)
  sha.bulk = commit('Many files')

  git('checkout', '-q', '-b', 'other', 'main')
  write('other.txt', 'other\n')
  sha.other = commit('Other')
  git('checkout', '-q', 'main')

  emu = await seeded()
  emu.addRepo({ owner: ORG, name: 'hello-world', id: 1296269, dir })
})

afterAll(async () => {
  await emu.close()
  rmSync(dir, { recursive: true, force: true })
  expect(allViolations(emu.requests).filter(v => v.includes(' response'))).toEqual([])
})

const repo = `/repos/${ORG}/hello-world`
const decode = (content: string) => Buffer.from(content, 'base64').toString('utf8')

describe('accounts', () => {
  it('answers /users/{username} for users and organizations, and /orgs/{org} for organizations only', async () => {
    const user = await call(emu, 'GET', `/users/${USER}`)
    expect(user.status).toBe(200)
    expect(user.body).toMatchObject({
      login: USER,
      id: 2,
      type: 'User',
      url: `${emu.url}/users/${USER}`
    })
    const orgAsUser = await call(emu, 'GET', `/users/${ORG.toUpperCase()}`)
    expect(orgAsUser.body).toMatchObject({
      login: ORG,
      id: 1,
      type: 'Organization',
      node_id: 'MDEyOk9yZ2FuaXphdGlvbjE='
    })
    expect(orgAsUser.body.public_repos).toBe(1)
    const org = await call(emu, 'GET', `/orgs/${ORG}`)
    expect(org.body).toMatchObject({
      login: ORG,
      id: 1,
      type: 'Organization',
      url: `${emu.url}/orgs/${ORG}`
    })
    expect((await call(emu, 'GET', `/orgs/${USER}`)).status).toBe(404)
    expect((await call(emu, 'GET', '/users/nobody')).status).toBe(404)
    expect((await call(emu, 'GET', '/orgs/nobody')).status).toBe(404)
    expect((await call(emu, 'GET', `/users/${USER}`, { token: 'bad' })).status).toBe(401)
  })
})

describe('repository', () => {
  it('describes a registered repository with its HEAD branch as default branch', async () => {
    const res = await call(emu, 'GET', repo)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      id: 1296269,
      node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
      name: 'hello-world',
      full_name: `${ORG}/hello-world`,
      owner: { login: ORG, type: 'Organization' },
      private: false,
      default_branch: 'main',
      html_url: `https://github.com/${ORG}/hello-world`,
      url: `${emu.url}${repo}`,
      pushed_at: '2026-01-02T01:04:05Z',
      permissions: { admin: true, push: true, pull: true }
    })
    expect((await call(emu, 'GET', `/repos/${ORG.toUpperCase()}/HELLO-WORLD`)).status).toBe(200)
    expect((await call(emu, 'GET', `/repos/${ORG}/nope`)).body).toMatchObject({
      message: 'Not Found'
    })
    expect(emu.requests.at(-1)?.route).toBe('/repos/{owner}/{repo}')
    expect(() => emu.addRepo({ owner: ORG, name: 'x', id: 1, dir: join(dir, 'missing') })).toThrow()
  })

  it('lets any known token read it, and no unknown one', async () => {
    expect((await call(emu, 'GET', repo, { token: 'ghp_stranger' })).status).toBe(200)
    expect((await call(emu, 'GET', repo, { token: null })).status).toBe(401)
  })
})

describe('compare', () => {
  it('lists commits and files merge-base..head, with renames, removals and unicode paths', async () => {
    const res = await call(emu, 'GET', `${repo}/compare/main...feature`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      status: 'ahead',
      ahead_by: 2,
      behind_by: 0,
      total_commits: 2,
      base_commit: { sha: sha.main },
      merge_base_commit: { sha: sha.main },
      url: `${emu.url}${repo}/compare/main...feature`
    })
    expect(res.body.commits.map((c: { sha: string }) => c.sha)).toEqual([sha.feature1, sha.feature])
    const [first] = res.body.commits
    expect(first).toMatchObject({
      parents: [{ sha: sha.main }],
      commit: {
        message: 'Rename, delete, modify, add',
        author: {
          name: 'Mona Lisa',
          email: 'octocat@users.noreply.github.com',
          date: '2026-01-02T01:04:05Z'
        },
        committer: { name: 'Someone Else', date: '2026-01-02T01:04:05Z' },
        tree: { sha: git('rev-parse', `${sha.feature1}^{tree}`) }
      },
      author: { login: USER },
      committer: null
    })
    expect(res.body.base_commit.commit.message).toBe('First commit\n\nWith a body.')
    const files = Object.fromEntries(
      res.body.files.map((f: { filename: string }) => [f.filename, f])
    )
    expect(Object.keys(files).sort()).toEqual(
      ['README.md', 'b.txt', 'c.txt', UNICODE, 'new file.md'].sort()
    )
    expect(files['b.txt']).toMatchObject({
      status: 'renamed',
      previous_filename: 'a.txt',
      additions: 0,
      deletions: 0,
      changes: 0
    })
    expect(files['c.txt']).toMatchObject({
      status: 'removed',
      deletions: 1,
      additions: 0,
      sha: git('rev-parse', `${sha.main}:c.txt`)
    })
    expect(files[UNICODE]).toMatchObject({
      status: 'modified',
      additions: 1,
      deletions: 0,
      changes: 1,
      sha: git('rev-parse', `${sha.feature}:${UNICODE}`),
      contents_url: `${emu.url}${repo}/contents/docs/na%C3%AFve%20caf%C3%A9.md?ref=${sha.feature}`,
      blob_url: `https://github.com/${ORG}/hello-world/blob/${sha.feature}/docs/na%C3%AFve%20caf%C3%A9.md`
    })
    expect(files['new file.md']).toMatchObject({ status: 'added', additions: 1 })
    expect(emu.requests.at(-1)).toMatchObject({
      route: '/repos/{owner}/{repo}/compare/{basehead}',
      path: `${repo}/compare/main...feature`
    })
  })

  it('caps files at 300, as GitHub does', async () => {
    const res = await call(emu, 'GET', `${repo}/compare/feature...bulk`)
    expect(res.body).toMatchObject({ status: 'ahead', ahead_by: 1 })
    expect(res.body.files).toHaveLength(300)
    expect(res.body.files[0]).toMatchObject({ filename: 'gen/f000.txt', status: 'added' })
  })

  it('tells identical, behind and diverged apart, and accepts shas and owner-qualified refs', async () => {
    expect((await call(emu, 'GET', `${repo}/compare/main...main`)).body).toMatchObject({
      status: 'identical',
      ahead_by: 0,
      behind_by: 0,
      commits: [],
      files: []
    })
    expect((await call(emu, 'GET', `${repo}/compare/feature...main`)).body).toMatchObject({
      status: 'behind',
      behind_by: 2,
      ahead_by: 0
    })
    const diverged = await call(emu, 'GET', `${repo}/compare/${sha.feature}...${ORG}:other`)
    expect(diverged.body).toMatchObject({
      status: 'diverged',
      ahead_by: 1,
      behind_by: 2,
      merge_base_commit: { sha: sha.main }
    })
    expect(diverged.body.files.map((f: { filename: string }) => f.filename)).toEqual(['other.txt'])
  })

  it('paginates commits when asked, with files on the first page only', async () => {
    const page1 = await call(emu, 'GET', `${repo}/compare/main...feature?per_page=1`)
    expect(page1.body.commits.map((c: { sha: string }) => c.sha)).toEqual([sha.feature1])
    expect(page1.body.files.length).toBeGreaterThan(0)
    expect(page1.headers.get('link')).toContain(
      `${emu.url}${repo}/compare/main...feature?per_page=1&page=2>; rel="next"`
    )
    const page2 = await call(emu, 'GET', `${repo}/compare/main...feature?per_page=1&page=2`)
    expect(page2.body.commits.map((c: { sha: string }) => c.sha)).toEqual([sha.feature])
    expect(page2.body.files).toEqual([])
    expect(page2.headers.get('link')).toContain('rel="prev"')
  })

  it('404s unknown commits, the two-dot form and unrelated histories', async () => {
    for (const basehead of [
      'main...nope',
      'nope...main',
      'main..feature',
      'main',
      '-x...main',
      'main...' + 'f'.repeat(40)
    ]) {
      const res = await call(emu, 'GET', `${repo}/compare/${basehead}`)
      expect([basehead, res.status, res.body.message]).toEqual([basehead, 404, 'Not Found'])
    }
  })
})

describe('trees', () => {
  it('lists a tree recursively by branch, commit or tree sha, with sizes for blobs', async () => {
    const byBranch = await call(emu, 'GET', `${repo}/git/trees/main?recursive=1`)
    expect(byBranch.status).toBe(200)
    const treeSha = git('rev-parse', 'main^{tree}')
    expect(byBranch.body).toMatchObject({
      sha: treeSha,
      url: `${emu.url}${repo}/git/trees/${treeSha}`,
      truncated: false
    })
    const entries = Object.fromEntries(byBranch.body.tree.map((e: { path: string }) => [e.path, e]))
    expect(Object.keys(entries).sort()).toEqual(
      [
        'README.md',
        'a.txt',
        'c.txt',
        'docs',
        UNICODE,
        QUOTED,
        'src',
        'src/lib',
        'src/lib/deep.ts'
      ].sort()
    )
    expect(entries[UNICODE]).toEqual({
      path: UNICODE,
      mode: '100644',
      type: 'blob',
      sha: git('rev-parse', `main:${UNICODE}`),
      size: Buffer.byteLength('Crème brûlée\n'),
      url: `${emu.url}${repo}/git/blobs/${git('rev-parse', `main:${UNICODE}`)}`
    })
    expect(entries.docs).toMatchObject({ mode: '040000', type: 'tree' })
    expect(entries.docs).not.toHaveProperty('size')

    const byCommit = await call(emu, 'GET', `${repo}/git/trees/${sha.main}?recursive=true`)
    const byTree = await call(emu, 'GET', `${repo}/git/trees/${treeSha}?recursive=0`)
    expect(byCommit.body).toEqual(byBranch.body)
    expect(byTree.body).toEqual(byBranch.body)

    const flat = await call(emu, 'GET', `${repo}/git/trees/main`)
    expect(flat.body.tree.map((e: { path: string }) => e.path).sort()).toEqual(
      ['README.md', 'a.txt', 'c.txt', 'docs', QUOTED, 'src'].sort()
    )
    expect((await call(emu, 'GET', `${repo}/git/trees/nope`)).status).toBe(404)
    expect(emu.requests.at(-1)?.route).toBe('/repos/{owner}/{repo}/git/trees/{tree_sha}')
  })

  it("keeps a tree answer by its sha, never handing one repository's URLs to another", async () => {
    // The same folder registered under a second name: the same trees, other URLs.
    emu.addRepo({ owner: ORG, name: 'hello-again', id: 1296270, dir })
    const first = await call(emu, 'GET', `${repo}/git/trees/main?recursive=1`)
    const again = await call(emu, 'GET', `${repo}/git/trees/main?recursive=1`)
    const other = await call(emu, 'GET', `/repos/${ORG}/hello-again/git/trees/main?recursive=1`)
    expect(again.body).toEqual(first.body)
    expect(other.body.sha).toBe(first.body.sha)
    expect(other.body.url).toBe(`${emu.url}/repos/${ORG}/hello-again/git/trees/${first.body.sha}`)
    expect(JSON.stringify(other.body.tree)).not.toContain('/hello-world/')
  })

  it('truncates beyond the tree limit', async () => {
    const small = await startEmulator({ treeLimit: 100 })
    try {
      small.addOrg(ORG)
      small.addToken(ADMIN, { login: USER, access: {} })
      small.addRepo({ owner: ORG, name: 'hello-world', id: 1, dir })
      const res = await call(small, 'GET', `${repo}/git/trees/bulk?recursive=1`)
      expect(res.body.truncated).toBe(true)
      expect(res.body.tree).toHaveLength(100)
      const within = await call(small, 'GET', `${repo}/git/trees/main?recursive=1`)
      expect(within.body.truncated).toBe(false)
    } finally {
      await small.close()
    }
  })
})

describe('contents and blobs', () => {
  it('returns a file by percent-encoded path, base64 in 60-character lines', async () => {
    const path = `${repo}/contents/docs/na%C3%AFve%20caf%C3%A9.md`
    const res = await call(emu, 'GET', `${path}?ref=feature`)
    expect(res.status).toBe(200)
    const blob = git('rev-parse', `feature:${UNICODE}`)
    expect(res.body).toMatchObject({
      type: 'file',
      encoding: 'base64',
      name: 'naïve café.md',
      path: UNICODE,
      sha: blob,
      size: Buffer.byteLength('Crème brûlée\nEt un café.\n'),
      url: `${emu.url}${path}?ref=feature`,
      git_url: `${emu.url}${repo}/git/blobs/${blob}`,
      html_url: `https://github.com/${ORG}/hello-world/blob/feature/docs/na%C3%AFve%20caf%C3%A9.md`,
      download_url: `https://raw.githubusercontent.com/${ORG}/hello-world/feature/docs/na%C3%AFve%20caf%C3%A9.md`,
      _links: { self: `${emu.url}${path}?ref=feature`, git: `${emu.url}${repo}/git/blobs/${blob}` }
    })
    expect(decode(res.body.content)).toBe('Crème brûlée\nEt un café.\n')
    expect(res.body.content.split('\n').every((line: string) => line.length <= 60)).toBe(true)
    expect(emu.requests.at(-1)).toMatchObject({
      route: '/repos/{owner}/{repo}/contents/{path}',
      path: `${repo}/contents/${UNICODE}`,
      query: { ref: 'feature' }
    })
    // Without ref: the default branch.
    expect(decode((await call(emu, 'GET', path)).body.content)).toBe('Crème brûlée\n')
    const quoted = await call(emu, 'GET', `${repo}/contents/${encodeURIComponent(QUOTED)}`)
    expect(decode(quoted.body.content)).toBe('quotes\n')
  })

  it('lists directories (and the root) as arrays of entries', async () => {
    const docs = await call(emu, 'GET', `${repo}/contents/docs?ref=main`)
    expect(docs.body).toEqual([
      expect.objectContaining({
        type: 'file',
        name: 'naïve café.md',
        path: UNICODE,
        size: Buffer.byteLength('Crème brûlée\n')
      })
    ])
    const root = await call(emu, 'GET', `${repo}/contents`)
    const names = root.body.map((e: { name: string; type: string }) => `${e.type}:${e.name}`).sort()
    expect(names).toEqual(
      ['dir:docs', 'dir:src', 'file:README.md', 'file:a.txt', 'file:c.txt', `file:${QUOTED}`].sort()
    )
    expect(root.body.find((e: { name: string }) => e.name === 'docs')).toMatchObject({
      download_url: null,
      size: 0
    })
    expect((await call(emu, 'GET', `${repo}/contents/src/lib/`)).body[0]).toMatchObject({
      path: 'src/lib/deep.ts'
    })
  })

  it('404s missing paths and unknown refs', async () => {
    expect((await call(emu, 'GET', `${repo}/contents/a.txt?ref=feature`)).status).toBe(404)
    expect((await call(emu, 'GET', `${repo}/contents/docs/naïve`)).status).toBe(404)
    expect((await call(emu, 'GET', `${repo}/contents/*.md`)).status).toBe(404)
    const ref = await call(emu, 'GET', `${repo}/contents/a.txt?ref=nope`)
    expect(ref).toMatchObject({
      status: 404,
      body: { message: 'No commit found for the ref nope' }
    })
  })

  it('returns blobs by sha', async () => {
    const blob = git('rev-parse', `main:${QUOTED}`)
    const res = await call(emu, 'GET', `${repo}/git/blobs/${blob}`)
    expect(res.body).toEqual({
      sha: blob,
      node_id: expect.any(String),
      size: 7,
      url: `${emu.url}${repo}/git/blobs/${blob}`,
      content: Buffer.from('quotes\n').toString('base64') + '\n',
      encoding: 'base64'
    })
    expect((await call(emu, 'GET', `${repo}/git/blobs/${'0'.repeat(40)}`)).status).toBe(404)
    expect((await call(emu, 'GET', `${repo}/git/blobs/${sha.main}`)).status).toBe(404)
    expect((await call(emu, 'GET', `${repo}/git/blobs/HEAD`)).status).toBe(404)
  })
})

describe('releases', () => {
  it('lists releases newest first, drafts and prereleases included, page by page', async () => {
    emu.addRelease(ORG, 'hello-world', { tag_name: 'v1', published_at: '2026-01-01T00:00:00Z' })
    emu.addRelease(ORG, 'hello-world', {
      tag_name: 'v2-rc',
      prerelease: true,
      published_at: '2026-02-01T00:00:00Z'
    })
    const v2 = emu.addRelease(ORG, 'hello-world', {
      tag_name: 'v2',
      name: 'Two',
      body: 'Notes',
      published_at: '2026-03-01T00:00:00Z'
    })
    emu.addRelease(ORG, 'hello-world', { tag_name: 'v3-draft', draft: true })
    const first = await call(emu, 'GET', `${repo}/releases?per_page=3`)
    const names = (first.body as { tag_name: string }[]).map(r => r.tag_name)
    expect(names).toEqual(['v3-draft', 'v2', 'v2-rc'])
    expect(first.headers.get('link')).toContain('page=2')
    const second = await call(emu, 'GET', `${repo}/releases?per_page=3&page=2`)
    expect((second.body as { tag_name: string }[]).map(r => r.tag_name)).toEqual(['v1'])
    expect(second.headers.get('link') ?? '').not.toContain('rel="next"')
    const listed = (first.body as Record<string, unknown>[])[1]
    expect(listed).toMatchObject({ id: v2.id, name: 'Two', body: 'Notes', draft: false })

    emu.deleteRelease(ORG, 'hello-world', v2.id)
    const after = await call(emu, 'GET', `${repo}/releases`)
    expect((after.body as { tag_name: string }[]).map(r => r.tag_name)).not.toContain('v2')
    expect((await call(emu, 'GET', `/repos/${ORG}/nope/releases`)).status).toBe(404)
  })
})
