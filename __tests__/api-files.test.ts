import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { createApiFiles } from '../src/repository/api-reader.js'
import { createGit } from '../src/repository/git.js'
import { createGitFiles } from '../src/repository/git-reader.js'
import { createClient } from '../src/github/client.js'
import { ApiError } from '../src/github/api.js'
import type { FileChange } from '../src/repository/files.js'
import { createRepo, removeRepos, type TestRepo } from './helpers/git-repo.js'
import { ORG as OWNER, TOKEN } from './helpers/constants.js'
import { expectConforming } from './helpers/github.js'

let emu: Emulator
let nextId = 1

beforeAll(async () => {
  emu = await startEmulator()
  emu.addOrg(OWNER)
  emu.addToken(TOKEN, { login: 'octocat', access: { [OWNER]: 'write' } })
})

afterAll(async () => {
  await emu.close()
  removeRepos()
})

beforeEach(() => emu.clearLog())
afterEach(() => expectConforming(emu))

/** Register a repository with the emulator and return an API reader for it. */
function serve(repo: TestRepo, server: Emulator = emu) {
  const name = `repo-${nextId}`
  server.addRepo({ owner: OWNER, name, id: 1000 + nextId++, dir: repo.dir })
  const client = createClient({ baseUrl: server.url, token: TOKEN })
  return createApiFiles(client, OWNER, name)
}

function byPath(changes: FileChange[] | undefined): FileChange[] | undefined {
  return changes && [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

describe('createApiFiles: diff', () => {
  it('maps an ahead comparison to changes with head blobs', async () => {
    const text = 'a paragraph that survives a rename\n'.repeat(10)
    const repo = createRepo()
    const base = repo.commit('base', { 'a.md': 'a', 'b.md': 'b', 'old/c.md': text })
    repo.move('old/c.md', 'docs/naïve café.md')
    const head = repo.commit('change', { 'a.md': 'a2', 'b.md': null, '文档/说明.md': 'new' })
    const files = serve(repo)
    const changes = await files.diff(base, head)
    expect(byPath(changes)).toEqual([
      { status: 'modified', path: 'a.md', blobSha: repo.blobSha(head, 'a.md') },
      { status: 'deleted', path: 'b.md' },
      {
        status: 'renamed',
        path: 'docs/naïve café.md',
        previousPath: 'old/c.md',
        blobSha: repo.blobSha(head, 'docs/naïve café.md')
      },
      { status: 'added', path: '文档/说明.md', blobSha: repo.blobSha(head, '文档/说明.md') }
    ])
    // The same answer git gives, but for the mode the compare API does not report.
    const fromGit = await createGitFiles(createGit(repo.dir)).diff(base, head)
    expect(byPath(fromGit?.map(({ mode: _mode, ...rest }) => rest))).toEqual(byPath(changes))
    expect(emu.requests).toHaveLength(1)
    expect(`${emu.requests[0]?.method} ${emu.requests[0]?.path}`).toMatch(
      new RegExp(`^GET /repos/${OWNER}/repo-\\d+/compare/${base}\\.\\.\\.${head}$`)
    )
  })

  it('answers [] for identical commits', async () => {
    const repo = createRepo()
    const only = repo.commit('one', { 'a.md': 'a' })
    expect(await serve(repo).diff(only, only)).toEqual([])
  })

  it('nets out a file added and removed between the two commits', async () => {
    const repo = createRepo()
    const base = repo.commit('one', { 'a.md': 'a' })
    repo.commit('add', { 'tmp.md': 't' })
    const head = repo.commit('remove', { 'tmp.md': null })
    expect(await serve(repo).explainDiff(base, head)).toEqual({ changes: [] })
  })

  it('gives up on a diverged comparison (a force push)', async () => {
    const repo = createRepo()
    const root = repo.commit('base', { 'a.md': 'a' })
    const before = repo.commit('discarded', { 'x.md': 'x' })
    repo.resetHard(root)
    const after = repo.commit('rewritten', { 'y.md': 'y' })
    const files = serve(repo)
    expect(await files.diff(before, after)).toBeUndefined()
    expect(await files.explainDiff(before, after)).toEqual({
      why: "the compare API reported 'diverged'"
    })
    // Pushing a branch back to an older commit is 'behind': the file list would be empty.
    expect(await files.explainDiff(before, root)).toEqual({
      why: "the compare API reported 'behind'"
    })
  })

  it('gives up at 300 files, where GitHub may have cut the list, and not below', async () => {
    const repo = createRepo()
    const base = repo.commit('base', { 'keep.md': 'k' })
    const files = (from: number, n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`bulk/f${from + i}.md`, `${from + i}`])
      )
    const at299 = repo.commit('299 files', files(0, 299))
    const at300 = repo.commit('one more', files(299, 1))
    const reader = serve(repo)
    expect(await reader.diff(base, at299)).toHaveLength(299)
    expect(await reader.diff(base, at300)).toBeUndefined()
    expect(await reader.explainDiff(base, at300)).toEqual({
      why: 'the compare API listed 300 files, its limit, so the list may be incomplete'
    })
  })

  it('answers undefined for a commit GitHub does not know', async () => {
    const repo = createRepo()
    const head = repo.commit('one', { 'a.md': 'a' })
    const ghost = 'deadbeef'.repeat(5)
    const files = serve(repo)
    expect(await files.diff(ghost, head)).toBeUndefined()
    expect(await files.explainDiff(ghost, head, { base: 'before commit' })).toEqual({
      why: `the compare API does not know before commit deadbee or head commit ${head.slice(0, 7)} (404)`
    })
    expect(emu.requests.at(-1)?.status).toBe(404)
  })

  it('lets other API errors through', async () => {
    const repo = createRepo()
    const base = repo.commit('one', { 'a.md': 'a' })
    const head = repo.commit('two', { 'a.md': 'b' })
    const files = serve(repo)
    emu.injectFault({ path: /\/compare\//, status: 500, body: { message: 'Server Error' } })
    const error = await files.diff(base, head).catch(e => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(500)
  })

  it('changedPaths: one comparison per base, the paths of its diff; unknown when it fails', async () => {
    const text = 'a paragraph that survives a rename\n'.repeat(10)
    const repo = createRepo()
    const first = repo.commit('one', { 'a.md': 'a', 'old.md': text })
    repo.move('old.md', 'new.md')
    const second = repo.commit('rename', { 'b.md': 'b' })
    const root = repo.commit('three', { 'a.md': 'a2' })
    repo.resetHard(second)
    const head = repo.commit('four', { 'b.md': null })
    const ghost = 'deadbeef'.repeat(5)
    const files = serve(repo)
    const answers = await files.changedPaths([first, second, first, ghost, root], head)
    expect(answers).toEqual(
      new Map([
        [first, new Set(['new.md', 'old.md'])],
        [second, new Set(['b.md'])],
        [ghost, undefined],
        // Diverged: the compare API cannot tell.
        [root, undefined]
      ])
    )
    expect(emu.requests.filter(r => r.path.includes('/compare/'))).toHaveLength(4)
    emu.injectFault({ path: /\/compare\//, status: 500, body: { message: 'Server Error' } })
    expect(await files.changedPaths([first], head)).toEqual(new Map([[first, undefined]]))
  })
})

describe('createApiFiles: listFiles and readBlob', () => {
  it('lists the blobs of a commit with their modes, and no trees or submodules', async () => {
    const repo = createRepo()
    repo.write({ 'a.md': 'a', 'docs/deep/b.md': 'b', 'docs/naïve café.md': 'c' })
    repo.git('add', '-A')
    repo.git('update-index', '--chmod=+x', 'a.md')
    repo.git('update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendor/lib`)
    repo.git('commit', '-q', '-m', 'files')
    const head = repo.rev()
    const listing = await serve(repo).listFiles(head)
    expect(listing.complete).toBe(true)
    expect(listing.files.sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
      { path: 'a.md', blobSha: repo.blobSha(head, 'a.md'), mode: '100755' },
      { path: 'docs/deep/b.md', blobSha: repo.blobSha(head, 'docs/deep/b.md'), mode: '100644' },
      {
        path: 'docs/naïve café.md',
        blobSha: repo.blobSha(head, 'docs/naïve café.md'),
        mode: '100644'
      }
    ])
    // The same files git lists.
    const fromGit = await createGitFiles(createGit(repo.dir)).listFiles(head)
    expect(fromGit.files.sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual(listing.files)
  })

  it('reports a truncated tree as incomplete', async () => {
    const small = await startEmulator({ treeLimit: 5 })
    try {
      small.addOrg(OWNER)
      small.addToken(TOKEN, { login: 'octocat', access: { [OWNER]: 'write' } })
      const repo = createRepo()
      const head = repo.commit(
        'many',
        Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}.md`, `${i}`]))
      )
      const listing = await serve(repo, small).listFiles(head)
      expect(listing.complete).toBe(false)
      expect(listing.files.length).toBeLessThanOrEqual(5)
      expectConforming(small)
    } finally {
      await small.close()
    }
  })

  it('reads blobs byte for byte: binary and unicode', async () => {
    const binary = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256))
    const unicode = 'naïve café — 说明 🚀\r\n\u0000 and no trailing newline'
    const repo = createRepo()
    const head = repo.commit('blobs', { 'bin/data.bin': binary, '文档/说明.md': unicode })
    const files = serve(repo)
    expect((await files.readBlob(repo.blobSha(head, 'bin/data.bin'))).equals(binary)).toBe(true)
    expect((await files.readBlob(repo.blobSha(head, '文档/说明.md'))).toString('utf8')).toBe(
      unicode
    )
    const missing = await files.readBlob('1'.repeat(40)).catch(e => e)
    expect(missing).toBeInstanceOf(ApiError)
    expect(missing.status).toBe(404)
  })
})
