import { symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../emulator/index.js'
import {
  ARCHIVE_AFTER_FOLDERS,
  createApiFiles,
  PINNED_TREE_BUDGET,
  TREE_WALK_CONCURRENCY
} from '../src/repository/api-reader.js'
import { createGit } from '../src/repository/git.js'
import { createGitFiles } from '../src/repository/git-reader.js'
import { createClient, type Client } from '../src/github/client.js'
import { ApiError } from '../src/github/api.js'
import type { FileChange } from '../src/repository/files.js'
import { MANY_BLOBS, readBlobs } from '../src/repository/blobs.js'
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

/** A second emulator with these options, set up like the shared one, closed afterwards. */
async function withEmulator(
  options: Parameters<typeof startEmulator>[0],
  run: (server: Emulator) => Promise<void>
): Promise<void> {
  const server = await startEmulator(options)
  try {
    server.addOrg(OWNER)
    server.addToken(TOKEN, { login: 'octocat', access: { [OWNER]: 'write' } })
    await run(server)
    expectConforming(server)
  } finally {
    await server.close()
  }
}

function treeRequests(server: Emulator) {
  return server.requests.filter(r => r.route === '/repos/{owner}/{repo}/git/trees/{tree_sha}')
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

  it('a diverged or behind comparison (a force push) is answered by comparing the trees', async () => {
    const text = 'a paragraph that survives a rename\n'.repeat(10)
    const repo = createRepo()
    const root = repo.commit('base', { 'a.md': 'a', 'old/kept.md': text, 'gone/g.md': 'g' })
    const before = repo.commit('discarded', { 'x.md': 'x' })
    repo.resetHard(root)
    repo.move('old/kept.md', 'new/kept.md')
    const after = repo.commit('rewritten', { 'y.md': 'y', 'a.md': 'a2', 'gone/g.md': null })
    const files = serve(repo)
    const outcome = await files.explainDiff(before, after)
    expect(outcome.changes && outcome.via).toBe(
      "the compare API reported 'diverged'; compared the two commits' trees instead"
    )
    expect(byPath(outcome.changes)).toEqual([
      { status: 'modified', path: 'a.md', blobSha: repo.blobSha(after, 'a.md'), mode: '100644' },
      { status: 'deleted', path: 'gone/g.md' },
      {
        status: 'renamed',
        path: 'new/kept.md',
        previousPath: 'old/kept.md',
        blobSha: repo.blobSha(after, 'new/kept.md'),
        mode: '100644'
      },
      { status: 'deleted', path: 'x.md' },
      { status: 'added', path: 'y.md', blobSha: repo.blobSha(after, 'y.md'), mode: '100644' }
    ])
    // Pushing a branch back to an older commit is 'behind': the compare API's list would be empty.
    const back = await files.explainDiff(before, root)
    expect(back.changes && back.via).toBe(
      "the compare API reported 'behind'; compared the two commits' trees instead"
    )
    expect(byPath(back.changes)).toEqual([{ status: 'deleted', path: 'x.md' }])
  })

  it('at 300 files, where GitHub may have cut the list, compares the trees instead; not below', async () => {
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
    // At 300 the list may be cut short: the trees tell instead, exactly.
    const outcome = await reader.explainDiff(base, at300)
    expect(outcome.changes && outcome.via).toBe(
      "the compare API listed 300 files, its limit, so the list may be incomplete; compared the two commits' trees instead"
    )
    expect(outcome.changes).toHaveLength(300)
    expect(outcome.changes?.every(c => c.status === 'added')).toBe(true)
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

  it('changedPaths: by tree comparison, the paths at head whose file differs from each base; unknown when it fails', async () => {
    const text = 'a paragraph that survives a rename\n'.repeat(10)
    const repo = createRepo()
    const first = repo.commit('one', { 'a.md': 'a', 'old.md': text })
    repo.move('old.md', 'new.md')
    const second = repo.commit('rename', { 'b.md': 'b' })
    const diverged = repo.commit('three', { 'a.md': 'a2' })
    repo.resetHard(second)
    const head = repo.commit('four', { 'b.md': null })
    const ghost = 'deadbeef'.repeat(5)
    const files = serve(repo)
    const answers = await files.changedPaths([first, second, first, ghost, diverged], head)
    expect(answers).toEqual(
      new Map([
        // new.md is not at `first` (old.md is, with the same text): it differs there.
        [first, new Set(['new.md'])],
        // b.md is gone at head: no file of head differs.
        [second, new Set()],
        [ghost, undefined],
        // A commit head does not descend from is compared as exactly as any other.
        [diverged, new Set(['a.md'])]
      ])
    )
    // Head's recursive tree, then each base's root tree (the two roots of `first` and
    // `diverged` differ from head's; `second`'s too); no compare request.
    expect(emu.requests.filter(r => r.path.includes('/compare/'))).toHaveLength(0)
    expect(treeRequests(emu)).toHaveLength(5)
    emu.injectFault({ path: /\/git\/trees\//, status: 500, body: { message: 'Server Error' } })
    expect(await serve(repo).changedPaths([first], head)).toEqual(new Map([[first, undefined]]))
  })

  it('changedPaths: exact past the compare limit, reading only the folders that differ, each once', async () => {
    const repo = createRepo()
    const many = (tag: string) =>
      Object.fromEntries(
        Array.from({ length: 400 }, (_, i) => [`docs/part-${i % 4}/p${i}.md`, `${tag} ${i}\n`])
      )
    const still = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`guide/deep/er/g${i}.md`, `g ${i}\n`])
    )
    const base = repo.commit('base', { ...many('v1'), ...still, 'guide/deep/er/x.md': 'x' })
    const middle = repo.commit('one deep edit', { 'guide/deep/er/x.md': 'x2' })
    const head = repo.commit('400 edits', many('v2'))
    const files = serve(repo)
    const answers = await files.changedPaths([base, middle], head)
    const edited = Object.keys(many('v2'))
    expect(answers.get(middle)).toEqual(new Set(edited))
    expect(answers.get(base)).toEqual(new Set([...edited, 'guide/deep/er/x.md']))
    // Head's recursive tree; `middle`: root, docs, its 4 parts; `base`: its root, then only
    // guide → deep → er (its docs is `middle`'s, already read).
    expect(treeRequests(emu)).toHaveLength(1 + 6 + 4)
  })

  it('changedPaths: past its budget of tree requests, the commits not yet answered are unknown', async () => {
    const repo = createRepo()
    const commits = Array.from({ length: 15 }, (_, i) =>
      repo.commit(`c${i}`, { [`f${i}/a.md`]: `${i}` })
    )
    const head = commits.at(-1)!
    const budget = 10
    const name = `repo-${nextId}`
    emu.addRepo({ owner: OWNER, name, id: 1000 + nextId++, dir: repo.dir })
    const client = createClient({ baseUrl: emu.url, token: TOKEN })
    const files = createApiFiles(client, OWNER, name, { treeBudget: budget })
    const answers = await files.changedPaths(commits.slice(0, -1), head)
    const known = [...answers.values()].filter(a => a !== undefined)
    // Each commit costs its root tree (its other folders are head's, or missing from it).
    expect(known).toHaveLength(budget)
    expect(answers.get(commits[0]!)).toEqual(
      new Set(commits.slice(1).map((_, i) => `f${i + 1}/a.md`))
    )
    expect(answers.get(commits[budget]!)).toBeUndefined()
    expect(treeRequests(emu)).toHaveLength(1 + budget)
    expect(PINNED_TREE_BUDGET).toBe(100)
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

  it('reports a flat tree whose root listing is itself truncated as incomplete', async () => {
    await withEmulator({ treeLimit: 5 }, async small => {
      const repo = createRepo()
      const head = repo.commit(
        'many',
        Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}.md`, `${i}`]))
      )
      const listing = await serve(repo, small).listFiles(head)
      expect(listing.complete).toBe(false)
      expect(listing.files.length).toBeLessThanOrEqual(5)
      // The recursive tree, then the root on its own: also cut, and there is nothing more to ask.
      expect(treeRequests(small).map(r => r.query.recursive)).toEqual(['1', undefined])
    })
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

describe('createApiFiles: listFiles past a truncated tree', () => {
  /**
   * 60 files, no folder with more than 9 entries of its own: r0-r3.md, the submodule `lib` and
   * d0-d3 at the root; in each dN, f0-f3.md and s0, s1; in each of those, f0-f4.md. One file is
   * executable and one a symbolic link. 13 trees (the root and 12 folders), 73 entries in all.
   */
  function nestedRepo(): { repo: TestRepo; head: string; trees: number } {
    const repo = createRepo()
    const edits: Record<string, string> = {}
    for (let r = 0; r < 4; r++) edits[`r${r}.md`] = `root ${r}`
    for (let d = 0; d < 4; d++) {
      for (let f = 0; f < 4; f++) edits[`d${d}/f${f}.md`] = `d${d} ${f}`
      for (let s = 0; s < 2; s++) {
        for (let f = 0; f < 5; f++) edits[`d${d}/s${s}/f${f}.md`] = `d${d} s${s} ${f}`
      }
    }
    repo.write(edits)
    symlinkSync('../r0.md', join(repo.dir, 'd1/link.md'))
    repo.write({ 'd1/f3.md': null })
    repo.git('add', '-A')
    repo.git('update-index', '--chmod=+x', 'd0/s0/f0.md')
    repo.git('update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},lib`)
    repo.git('commit', '-q', '-m', 'nested')
    return { repo, head: repo.rev(), trees: 13 }
  }

  it('walks the tree folder by folder: the same files as the recursive listing, complete', async () => {
    const { repo, head, trees } = nestedRepo()
    const whole = await serve(repo).listFiles(head)
    expect(whole.complete).toBe(true)
    expect(whole.files).toHaveLength(60)
    expect(treeRequests(emu)).toHaveLength(1)
    expect(whole.files.find(f => f.path === 'd0/s0/f0.md')?.mode).toBe('100755')
    expect(whole.files.find(f => f.path === 'd1/link.md')?.mode).toBe('120000')
    expect(whole.files.some(f => f.path === 'lib')).toBe(false)

    await withEmulator({ treeLimit: 10 }, async small => {
      const listing = await serve(repo, small).listFiles(head)
      expect(listing.complete).toBe(true)
      // Same paths, blobs and modes, in the same order.
      expect(listing.files).toEqual(whole.files)
      const requests = treeRequests(small)
      expect(requests[0]?.query.recursive).toBe('1')
      expect(requests[0]?.responseBody).toMatchObject({ truncated: true })
      // Each folder whose listing is not checked complete, once: here (a limit of 10 entries)
      // every one of the 13, the root listed again and the rest with their subtrees.
      expect(requests).toHaveLength(1 + trees)
      expect(new Set(requests.map(r => r.path)).size).toBeLessThan(requests.length)
    })
    // And what git lists.
    const fromGit = await createGitFiles(createGit(repo.dir)).listFiles(head)
    expect(fromGit.files.sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual(
      [...whole.files].sort((a, b) => (a.path < b.path ? -1 : 1))
    )
  })

  it('completes a listing cut near its end with a few requests, not one per folder', async () => {
    const repo = createRepo()
    const edits: Record<string, string> = {}
    for (let d = 0; d < 40; d++) {
      for (const f of ['a', 'b', 'c']) edits[`d${String(d).padStart(2, '0')}/${f}.md`] = `${d}${f}`
    }
    const head = repo.commit('40 folders', edits)
    const whole = await serve(repo).listFiles(head)
    await withEmulator({ treeLimit: 150 }, async small => {
      const listing = await serve(repo, small).listFiles(head)
      expect(listing.complete).toBe(true)
      expect(listing.files).toEqual(whole.files)
      // 150 entries hold d00-d36 whole (4 entries each) and d37 in part: the root and d37 are
      // listed again, d38 and d39 with their subtrees; d00-d36 pass the id check as they are.
      const requests = treeRequests(small)
      expect(requests).toHaveLength(5)
      expect(requests.slice(1).map(r => r.query.recursive ?? 'no')).toEqual(
        expect.arrayContaining(['no', 'no', '1', '1'])
      )
    })
  })

  it('completes a listing cut in many folders from one archive, checked against the root tree id', async () => {
    const repo = createRepo()
    const edits: Record<string, string> = {}
    for (let d = 0; d < 20; d++) {
      for (const f of ['a', 'b', 'c'])
        edits[`d${String(d).padStart(2, '0')}/sub/${f}.md`] = `${d}${f}`
    }
    repo.write(edits)
    symlinkSync('../sub/a.md', join(repo.dir, 'd03/sub/link.md'))
    repo.git('add', '-A')
    repo.git('update-index', '--chmod=+x', 'd05/sub/b.md')
    repo.git('commit', '-q', '-m', '20 folders')
    const head = repo.rev()
    const whole = await serve(repo).listFiles(head)
    // 30 entries hold 6 folders whole; the root's own listing then names 14 more.
    await withEmulator({ treeLimit: 30 }, async small => {
      const files = serve(repo, small)
      const listing = await files.listFiles(head)
      expect(listing.complete).toBe(true)
      expect(listing.files).toEqual(whole.files)
      expect(listing.files.find(f => f.path === 'd03/sub/link.md')?.mode).toBe('120000')
      expect(listing.files.find(f => f.path === 'd05/sub/b.md')?.mode).toBe('100755')
      const routes = () => small.requests.map(r => r.route?.split('/').at(-2))
      // The recursive tree, the root and the folder cut in the middle on their own, then the
      // archive for the 14 folders not listed at all.
      expect(routes()).toEqual(['trees', 'trees', 'trees', 'tarball'])
      // The contents read next come from the same archive: no second download.
      const got = await files.readMany!(head, [whole.files[0]!.blobSha])
      expect(got.size).toBe(1)
      expect(routes()).toHaveLength(4)
    })
  })

  it('an archive that does not hold the tree exactly (export-ignore) is not trusted: folders are listed instead', async () => {
    const repo = createRepo()
    const edits: Record<string, string> = { '.gitattributes': 'd07/sub/a.md export-ignore\n' }
    for (let d = 0; d < 20; d++) {
      for (const f of ['a', 'b', 'c'])
        edits[`d${String(d).padStart(2, '0')}/sub/${f}.md`] = `${d}${f}`
    }
    const head = repo.commit('20 folders, one file left out of archives', edits)
    const whole = await serve(repo).listFiles(head)
    await withEmulator({ treeLimit: 30 }, async small => {
      const listing = await serve(repo, small).listFiles(head)
      expect(listing.complete).toBe(true)
      expect(listing.files).toEqual(whole.files)
      expect(listing.files.some(f => f.path === 'd07/sub/a.md')).toBe(true)
      const tarballs = small.requests.filter(r => r.route?.endsWith('/tarball/{ref}'))
      expect(tarballs).toHaveLength(1)
      expect(treeRequests(small).length).toBeGreaterThan(ARCHIVE_AFTER_FOLDERS)
    })
  })

  it('never takes a listing it cannot check for complete: a folder whose entries were altered', async () => {
    const repo = createRepo()
    const head = repo.commit('files', { 'a.md': 'a', 'b/c.md': 'c', 'b/d.md': 'd' })
    await withEmulator({ treeLimit: 1 }, async small => {
      const name = `repo-${nextId}`
      small.addRepo({ owner: OWNER, name, id: 1000 + nextId++, dir: repo.dir })
      const client = createClient({ baseUrl: small.url, token: TOKEN })
      // A listing that drops an entry but claims to be whole: the id check catches it.
      const lying: Client = {
        ...client,
        async getTree(...args) {
          const tree = await client.getTree(...args)
          return args[3] === false
            ? { ...tree, tree: tree.tree.slice(0, 1), truncated: false }
            : tree
        }
      }
      const listing = await createApiFiles(lying, OWNER, name).listFiles(head)
      expect(listing.complete).toBe(false)
    })
  })

  it(`keeps at most ${TREE_WALK_CONCURRENCY} tree requests in flight`, async () => {
    const { repo, head, trees } = nestedRepo()
    await withEmulator({ treeLimit: 10 }, async small => {
      const name = `repo-${nextId}`
      small.addRepo({ owner: OWNER, name, id: 1000 + nextId++, dir: repo.dir })
      const client = createClient({ baseUrl: small.url, token: TOKEN })
      let active = 0
      let most = 0
      let calls = 0
      const counting: Client = {
        ...client,
        async getTree(...args) {
          calls++
          most = Math.max(most, ++active)
          try {
            return await client.getTree(...args)
          } finally {
            active--
          }
        }
      }
      const listing = await createApiFiles(counting, OWNER, name).listFiles(head)
      expect(listing.complete).toBe(true)
      expect(calls).toBe(1 + trees)
      // The root's four folders are asked for at once, and never more.
      expect(most).toBe(TREE_WALK_CONCURRENCY)
    })
  })

  it("is incomplete when a folder's own listing is truncated, but lists every other folder", async () => {
    const repo = createRepo()
    const edits: Record<string, string> = { 'a.md': 'a', 'small/b.md': 'b', 'small/deep/c.md': 'c' }
    for (let i = 0; i < 12; i++) edits[`big/f${String(i).padStart(2, '0')}.md`] = `${i}`
    const head = repo.commit('one big folder', edits)
    await withEmulator({ treeLimit: 10 }, async small => {
      const listing = await serve(repo, small).listFiles(head)
      expect(listing.complete).toBe(false)
      expect(listing.files.map(f => f.path)).toEqual([
        'a.md',
        ...Array.from({ length: 10 }, (_, i) => `big/f${String(i).padStart(2, '0')}.md`),
        'small/b.md',
        'small/deep/c.md'
      ])
      for (const f of listing.files) expect(f.blobSha).toBe(repo.blobSha(head, f.path))
      // Recursive (a.md, big and 8 of its files), then the root (failing the id check), big
      // (its own listing truncated) and small with its subtree.
      expect(treeRequests(small)).toHaveLength(4)
      expect(
        treeRequests(small).filter(r => (r.responseBody as { truncated: boolean }).truncated)
      ).toHaveLength(2)
    })
  })

  it('fails when a folder cannot be listed, once the requests in flight have settled', async () => {
    const { repo, head } = nestedRepo()
    await withEmulator({ treeLimit: 10 }, async small => {
      const name = `repo-${nextId}`
      small.addRepo({ owner: OWNER, name, id: 1000 + nextId++, dir: repo.dir })
      const client = createClient({ baseUrl: small.url, token: TOKEN })
      let started = 0
      let settled = 0
      const counting: Client = {
        ...client,
        async getTree(...args) {
          started++
          try {
            return await client.getTree(...args)
          } finally {
            settled++
          }
        }
      }
      // The third tree request: one of the root's folders.
      small.injectFault({ path: /\/git\/trees\//, nth: 3, status: 500 })
      const error = await createApiFiles(counting, OWNER, name)
        .listFiles(head)
        .catch(e => e)
      expect(error).toBeInstanceOf(ApiError)
      expect(error.status).toBe(500)
      expect(settled).toBe(started)
      expect(started).toBeLessThan(1 + 13)
    })
  })
})

describe('createApiFiles: many blobs from one archive', () => {
  it('readMany: every asked blob from the tarball (a redirect to the archive), byte for byte', async () => {
    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256))
    const long = `docs/${'a-very-long-folder-name/'.repeat(6)}file.md`
    const repo = createRepo()
    const head = repo.commit('files', {
      'bin/data.bin': binary,
      '文档/说明.md': 'naïve café 🚀\r\n',
      [long]: 'past the 100 bytes of a tar header name\n',
      'docs/line\nbreak.md': 'odd name\n',
      'empty.md': '',
      'other.md': 'not asked for\n'
    })
    const files = serve(repo)
    const paths = ['bin/data.bin', '文档/说明.md', long, 'docs/line\nbreak.md', 'empty.md']
    const shas = paths.map(p => repo.blobSha(head, p))
    const got = await files.readMany!(head, [...shas, '1'.repeat(40)])
    expect([...got.keys()].sort()).toEqual([...shas].sort())
    for (const [i, sha] of shas.entries()) {
      expect(got.get(sha)!.equals(await files.readBlob(sha))).toBe(true)
      expect(paths[i]).toBeDefined()
    }
    const tarballs = emu.requests.filter(r => r.route === '/repos/{owner}/{repo}/tarball/{ref}')
    expect(tarballs.map(r => [r.status, r.responseHeaders.location])).toEqual([
      [
        302,
        expect.stringMatching(
          new RegExp(`/_codeload/octo-org/repo-\\d+/legacy\\.tar\\.gz/${head}$`)
        )
      ]
    ])
  })

  it('readBlobs: from ten files on, one archive request; what the archive changed is read one by one', async () => {
    const repo = createRepo()
    const edits: Record<string, string> = { '.gitattributes': 'subst.md export-subst\n' }
    for (let i = 0; i < 12; i++) edits[`docs/f${i}.md`] = `file ${i}\n`
    edits['subst.md'] = 'commit $Format:%H$\n'
    const head = repo.commit('files', edits)
    const files = serve(repo)
    const wanted = [...Array.from({ length: 12 }, (_, i) => `docs/f${i}.md`), 'subst.md'].map(p =>
      repo.blobSha(head, p)
    )
    const lines: string[] = []
    const read = await readBlobs(files, head, wanted, { explain: String, log: l => lines.push(l) })
    expect(read.get(repo.blobSha(head, 'subst.md'))?.toString()).toBe('commit $Format:%H$\n')
    expect(read.get(repo.blobSha(head, 'docs/f3.md'))?.toString()).toBe('file 3\n')
    expect(emu.requests.map(r => r.route?.split('/').at(-2))).toEqual(['tarball', 'blobs'])
    expect(lines).toEqual([
      'Read 12 file(s) from one archive of the commit; 1 not in it are read one by one.'
    ])

    // Fewer than ten: one blob request each, no archive.
    emu.clearLog()
    await readBlobs(files, head, wanted.slice(0, MANY_BLOBS - 1), { explain: String })
    expect(emu.requests.map(r => r.route?.split('/').at(-2))).toEqual(
      Array(MANY_BLOBS - 1).fill('blobs')
    )
  })

  it('readBlobs: an archive that cannot be read falls back to one request per file', async () => {
    const repo = createRepo()
    const head = repo.commit(
      'files',
      Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}.md`, `${i}\n`]))
    )
    const files = serve(repo)
    emu.injectFault({ path: /\/tarball\//, status: 404, body: { message: 'Not Found' } })
    const lines: string[] = []
    const wanted = Array.from({ length: 10 }, (_, i) => repo.blobSha(head, `f${i}.md`))
    const read = await readBlobs(files, head, wanted, { explain: String, log: l => lines.push(l) })
    expect(wanted.map(w => read.get(w)!.toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => `${i}\n`)
    )
    expect(lines[0]).toMatch(
      /^Could not read the commit's archive \(.*404.*\); reading files one by one\.$/
    )
  })

  it('the emulator answers 404 for a ref it does not know, and cuts a recursive tree at 7 MB', async () => {
    const repo = createRepo()
    const head = repo.commit(
      'files',
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}.md`, `${i}\n`]))
    )
    const files = serve(repo)
    const error = await files.readMany!('f'.repeat(40), ['1'.repeat(40)]).catch(e => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(404)
    await withEmulator({ treeBytesLimit: 2000 }, async small => {
      const listing = await serve(repo, small).listFiles(head)
      // Cut short by bytes, then walked folder by folder (the root is the only folder and is
      // itself cut short): incomplete.
      expect(listing.complete).toBe(false)
      expect(listing.files.length).toBeGreaterThan(0)
      expect(listing.files.length).toBeLessThan(40)
    })
  })
})
