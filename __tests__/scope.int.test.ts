import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { createApiFiles } from '../src/repository/api-reader.js'
import { createGit } from '../src/repository/git.js'
import { createGitFiles, type GitFiles } from '../src/repository/git-reader.js'
import { createClient } from '../src/github/client.js'
import type { FileChange, RepoFiles } from '../src/repository/files.js'
import { chooseFiles } from '../src/repository/reader.js'
import { resolveScope, type ScopeInput, type SyncMode } from '../src/repository/scope.js'
import {
  cloneRepo,
  createOrigin,
  createRepo,
  NULL_SHA,
  removeRepos,
  type TestRepo
} from './helpers/git-repo.js'
import { expectConforming } from './helpers/github.js'
import { pushPayload } from './helpers/payloads.js'

afterAll(removeRepos)

const short = (sha: string) => sha.slice(0, 7)

/** The git reader of a checkout; with `fallback`, the reader asks it what git cannot answer. */
function gitFiles(repo: TestRepo, fallback?: RepoFiles): RepoFiles {
  return createGitFiles(createGit(repo.dir), { fallback })
}

function sorted(changes: FileChange[]): FileChange[] {
  return [...changes].sort((a, b) => (a.path < b.path ? -1 : 1))
}

/** resolveScope with changes sorted by path, so expectations can be written in order. */
async function resolve(input: Omit<ScopeInput, 'sync'> & { sync?: SyncMode }) {
  const logs: string[] = []
  const result = await resolveScope({ sync: 'auto', log: m => logs.push(m), ...input })
  if (result.scope.kind === 'changed') result.scope.changes = sorted(result.scope.changes)
  return { ...result, logs }
}

/** Build once, on first use: tests only read these repositories. */
function once<T>(make: () => T): () => T {
  let made: T | undefined
  return () => (made ??= make())
}

/** A repository with one push worth of history: three changes between `before` and `after`. */
const pushedRepo = once(() => {
  const repo = createRepo()
  const before = repo.commit('base', { 'a.md': 'a', 'b.md': 'b', 'old/c.md': 'c '.repeat(50) })
  repo.move('old/c.md', 'new/c.md')
  const after = repo.commit('push', { 'a.md': 'a2', 'b.md': null })
  const changes: FileChange[] = [
    { status: 'modified', path: 'a.md', blobSha: repo.blobSha(after, 'a.md'), mode: '100644' },
    { status: 'deleted', path: 'b.md' },
    {
      status: 'renamed',
      path: 'new/c.md',
      previousPath: 'old/c.md',
      blobSha: repo.blobSha(after, 'new/c.md'),
      mode: '100644'
    }
  ]
  return { repo, before, after, changes }
})

describe('resolveScope: push', () => {
  it('scopes a push to the net change between before and after', async () => {
    const { repo, before, after, changes } = pushedRepo()
    const result = await resolve({
      eventName: 'push',
      // The payload's commit lists are capped and not a net diff: they must be ignored.
      payload: pushPayload(before, after, {
        commits: [{ id: after, added: ['bogus.md'], removed: [], modified: [] }]
      }),
      sha: after,
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base: before,
      commit: after,
      changes,
      reason: `push: 3 files changed between ${short(before)} and ${short(after)}`
    })
    expect(result.write).toBe(true)
  })

  it('does nothing for a deleted branch', async () => {
    const { repo, before } = pushedRepo()
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, NULL_SHA, { ref: 'refs/heads/gone', deleted: true }),
      sha: before,
      files: gitFiles(repo)
    })
    expect(result).toEqual({
      scope: { kind: 'none', reason: 'push deleted refs/heads/gone: nothing to sync' },
      write: true,
      logs: []
    })
  })

  it('reconciles everything on a new branch or tag', async () => {
    const { repo, after } = pushedRepo()
    const branch = await resolve({
      eventName: 'push',
      payload: pushPayload(NULL_SHA, after, { ref: 'refs/heads/topic', created: true }),
      sha: after,
      files: gitFiles(repo)
    })
    expect(branch.scope).toEqual({
      kind: 'full',
      commit: after,
      reason: 'push to a new branch: full reconcile'
    })
    expect(branch.write).toBe(true)
    const tag = await resolve({
      eventName: 'push',
      payload: pushPayload(NULL_SHA, after, { ref: 'refs/tags/v1', created: true }),
      sha: after,
      files: gitFiles(repo)
    })
    expect(tag.scope).toEqual({
      kind: 'full',
      commit: after,
      reason: 'push of a new tag: full reconcile'
    })
  })

  it('uses the tree diff of a force push', async () => {
    const repo = createRepo()
    const root = repo.commit('base', { 'a.md': 'a' })
    const before = repo.commit('discarded', { 'x.md': 'x' })
    repo.resetHard(root)
    const after = repo.commit('rewritten', { 'y.md': 'y' })
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after, { forced: true }),
      sha: after,
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base: before,
      commit: after,
      changes: [
        { status: 'deleted', path: 'x.md' },
        { status: 'added', path: 'y.md', blobSha: repo.blobSha(after, 'y.md'), mode: '100644' }
      ],
      reason: `push: 2 files changed between ${short(before)} and ${short(after)}`
    })
  })

  it('counts a file added and removed within one push as no change', async () => {
    const repo = createRepo()
    const before = repo.commit('base', { 'a.md': 'a' })
    repo.commit('add', { 'tmp.md': 't' })
    const after = repo.commit('remove', { 'tmp.md': null })
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after,
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base: before,
      commit: after,
      changes: [],
      reason: `push: no files changed between ${short(before)} and ${short(after)}`
    })
  })

  it('scopes a pushed merge commit to what the merge brought in', async () => {
    const repo = createRepo()
    repo.commit('base', { 'a.md': 'a' })
    repo.branch('feature')
    const before = repo.commit('main', { 'm.md': 'm' })
    repo.checkout('feature')
    repo.commit('feature', { 'f.md': 'f' })
    repo.checkout('main')
    const after = repo.merge('feature')
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after,
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base: before,
      commit: after,
      changes: [
        { status: 'added', path: 'f.md', blobSha: repo.blobSha(after, 'f.md'), mode: '100644' }
      ],
      reason: `push: 1 file changed between ${short(before)} and ${short(after)}`
    })
  })

  it('fetches the before commit into a shallow checkout', async () => {
    const { origin, work } = createOrigin()
    const before = work.commit('one', { 'a.md': 'a' })
    work.push()
    const after = work.commit('two', { 'b.md': 'b' })
    work.push()
    const ci = cloneRepo(origin.url, { depth: 1 })
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after,
      files: gitFiles(ci)
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base: before,
      commit: after,
      changes: [
        { status: 'added', path: 'b.md', blobSha: work.blobSha(after, 'b.md'), mode: '100644' }
      ],
      reason: `push: 1 file changed between ${short(before)} and ${short(after)}`
    })
  })

  it('goes full, and says why, when the before commit exists nowhere and there is no fallback', async () => {
    const { repo, after } = pushedRepo()
    const ghost = 'deadbeef'.repeat(5)
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(ghost, after),
      sha: after,
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'full',
      commit: after,
      reason:
        'push: before commit deadbee is not in the checkout and could not be fetched; full reconcile'
    })
    expect(result.logs).toContain(
      `git cannot diff between deadbee and ${short(after)}: before commit deadbee is not in the checkout and could not be fetched`
    )
  })
})

/** A base branch, a pull request branch, and the merge commit GitHub would make for it. */
const pullRequestRepo = once(() => {
  const repo = createRepo()
  const base = repo.commit('base', { 'a.md': 'a', 'b.md': 'b' })
  repo.branch('topic')
  repo.checkout('topic')
  const head = repo.commit('pr', { 'a.md': 'a from the pull request', 'docs/new.md': 'new' })
  repo.checkout('main')
  repo.commit('base moves on', { 'b.md': 'b2' })
  const mergeBase = repo.rev()
  const merge = repo.merge('topic', 'Merge topic into main')
  repo.resetHard(mergeBase)
  const payload = {
    action: 'synchronize',
    number: 7,
    pull_request: { number: 7, base: { ref: 'main', sha: base }, head: { ref: 'topic', sha: head } }
  }
  return { repo, base, head, merge, mainTip: mergeBase, payload }
})

describe('resolveScope: pull requests', () => {
  it('pull_request: from the base commit to the merge commit, never writing', async () => {
    const { repo, base, merge, payload } = pullRequestRepo()
    const result = await resolve({
      eventName: 'pull_request',
      payload,
      sha: merge,
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base,
      commit: merge,
      changes: [
        { status: 'modified', path: 'a.md', blobSha: repo.blobSha(merge, 'a.md'), mode: '100644' },
        // The merge commit also carries what the base branch gained since the payload's base.
        { status: 'modified', path: 'b.md', blobSha: repo.blobSha(merge, 'b.md'), mode: '100644' },
        {
          status: 'added',
          path: 'docs/new.md',
          blobSha: repo.blobSha(merge, 'docs/new.md'),
          mode: '100644'
        }
      ],
      reason: `pull_request #7: 3 files changed between ${short(base)} and ${short(merge)}`
    })
    expect(result.write).toBe(false)
  })

  it('pull_request_target: from the base commit to the head commit, never writing', async () => {
    const { repo, base, head, mainTip, payload } = pullRequestRepo()
    const result = await resolve({
      eventName: 'pull_request_target',
      payload,
      sha: mainTip, // GITHUB_SHA is the base branch here, not the pull request
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base,
      commit: head,
      changes: [
        { status: 'modified', path: 'a.md', blobSha: repo.blobSha(head, 'a.md'), mode: '100644' },
        {
          status: 'added',
          path: 'docs/new.md',
          blobSha: repo.blobSha(head, 'docs/new.md'),
          mode: '100644'
        }
      ],
      reason: `pull_request_target #7: 2 files changed between ${short(base)} and ${short(head)}`
    })
    expect(result.write).toBe(false)
  })

  it('sync: full previews the whole merge commit, still without writing', async () => {
    const { repo, merge, payload } = pullRequestRepo()
    const result = await resolve({
      eventName: 'pull_request',
      payload,
      sha: merge,
      sync: 'full',
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'full',
      commit: merge,
      reason: 'pull_request #7: sync: full, full reconcile'
    })
    expect(result.write).toBe(false)
  })
})

describe('resolveScope: other events', () => {
  const sha = 'abcdef0123456789abcdef0123456789abcdef01'
  const files = createGitFiles(createGit(tmpdir()))

  it.each(['workflow_dispatch', 'schedule', 'release', 'repository_dispatch'])(
    '%s reconciles everything at GITHUB_SHA',
    async eventName => {
      const result = await resolve({ eventName, payload: {}, sha, files })
      expect(result).toEqual({
        scope: { kind: 'full', commit: sha, reason: `${eventName}: full reconcile` },
        write: true,
        logs: []
      })
    }
  )

  it('an event the action does not list also gets a full reconcile, and a log line', async () => {
    const result = await resolve({ eventName: 'issues', payload: { action: 'opened' }, sha, files })
    expect(result).toEqual({
      scope: { kind: 'full', commit: sha, reason: 'issues: full reconcile' },
      write: true,
      logs: ['issues is not an event this action knows; reconciling every file at GITHUB_SHA']
    })
  })
})

describe('resolveScope: sync overrides', () => {
  it('sync: full ignores the diff of a push', async () => {
    const { repo, before, after } = pushedRepo()
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after,
      sync: 'full',
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'full',
      commit: after,
      reason: 'push: sync: full, full reconcile'
    })
    expect(result.write).toBe(true)
  })

  it('sync: changed diffs a push like auto does', async () => {
    const { repo, before, after, changes } = pushedRepo()
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after,
      sync: 'changed',
      files: gitFiles(repo)
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base: before,
      commit: after,
      changes,
      reason: `push: 3 files changed between ${short(before)} and ${short(after)}`
    })
  })

  it('sync: changed without a base commit goes full and says so', async () => {
    const { repo, after } = pushedRepo()
    const newBranch = await resolve({
      eventName: 'push',
      payload: pushPayload(NULL_SHA, after),
      sha: after,
      sync: 'changed',
      files: gitFiles(repo)
    })
    expect(newBranch.scope).toEqual({
      kind: 'full',
      commit: after,
      reason: 'push: sync: changed had no base commit (push to a new branch); full reconcile'
    })
    const dispatch = await resolve({
      eventName: 'workflow_dispatch',
      payload: {},
      sha: after,
      sync: 'changed',
      files: gitFiles(repo)
    })
    expect(dispatch.scope).toEqual({
      kind: 'full',
      commit: after,
      reason:
        'workflow_dispatch: sync: changed had no base commit (workflow_dispatch events have no base commit); full reconcile'
    })
  })

  it('a deleted branch stays a no-op whatever the sync mode', async () => {
    const { repo, before } = pushedRepo()
    for (const sync of ['full', 'changed'] as const) {
      const result = await resolve({
        eventName: 'push',
        payload: pushPayload(before, NULL_SHA, { deleted: true }),
        sha: before,
        sync,
        files: gitFiles(repo)
      })
      expect(result.scope.kind).toBe('none')
    }
  })
})

describe('chooseFiles', () => {
  // chooseFiles only builds the API reader; nothing here sends a request.
  const client = createClient({ baseUrl: 'http://127.0.0.1:9', token: 'unused' })
  const choose = async (workspace: string | undefined, commit: string) => {
    const logs: string[] = []
    const chosen = await chooseFiles({
      workspace,
      commit,
      client,
      owner: 'o',
      repo: 'r',
      log: m => logs.push(m)
    })
    return { chosen, logs }
  }

  it('uses the checkout when it has the commit, with the API behind it', async () => {
    const { repo, after } = pushedRepo()
    const { chosen, logs } = await choose(repo.dir, after)
    expect(chosen.files.kind).toBe('git')
    expect((chosen.files as GitFiles).fallback?.kind).toBe('api')
    expect(logs).toEqual([
      `reading o/r from the git checkout at ${repo.dir}, with the REST API as fallback`
    ])
  })

  it('fetches the commit into a shallow checkout that lacks it', async () => {
    const { origin, work } = createOrigin()
    work.commit('one', { 'a.md': 'a' })
    work.push()
    const ci = cloneRepo(origin.url, { depth: 1 })
    const later = work.commit('two', { 'b.md': 'b' })
    work.push()
    const { chosen } = await choose(ci.dir, later)
    expect(chosen.files.kind).toBe('git')
    expect((await chosen.files.listFiles(later)).files.map(f => f.path)).toEqual(['a.md', 'b.md'])
  })

  it('falls back to the API alone without a usable checkout', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'css-plain-'))
    try {
      const none = await choose(undefined, NULL_SHA)
      expect(none.chosen.files.kind).toBe('api')
      expect('fallback' in none.chosen.files).toBe(false)
      expect(none.logs).toEqual(['reading o/r through the REST API: no workspace directory'])

      const notRepo = await choose(plain, NULL_SHA)
      expect(notRepo.chosen.files.kind).toBe('api')
      expect(notRepo.logs[0]).toMatch(
        /^reading o\/r through the REST API: .* is not a git work tree \(git: fatal: not a git repository/
      )

      const missing = await choose(join(plain, 'nope'), NULL_SHA)
      expect(missing.chosen.files.kind).toBe('api')
      expect(missing.logs[0]).toMatch(/nope does not exist$/)

      const { repo } = pushedRepo()
      const ghost = 'deadbeef'.repeat(5)
      const other = await choose(repo.dir, ghost)
      expect(other.chosen.files.kind).toBe('api')
      expect(other.logs.at(-1)).toBe(
        `reading o/r through the REST API: the checkout at ${repo.dir} does not have deadbee and could not fetch it`
      )
    } finally {
      rmSync(plain, { recursive: true, force: true })
    }
  })
})

describe('resolveScope: falling back from git to the compare API', () => {
  const OWNER = 'octo-org'
  let emu: Emulator
  let nextId = 1

  beforeAll(async () => {
    emu = await startEmulator()
    emu.addOrg(OWNER)
    emu.addToken('t', { login: 'octocat', access: { [OWNER]: 'write' } })
  })
  afterAll(() => emu.close())
  afterEach(() => expectConforming(emu))

  /** The API reader for `origin`, as GitHub would serve it. */
  function api(origin: TestRepo) {
    const name = `repo-${nextId}`
    emu.addRepo({ owner: OWNER, name, id: 2000 + nextId++, dir: origin.dir })
    return createApiFiles(createClient({ baseUrl: emu.url, token: 't' }), OWNER, name)
  }

  /** A shallow checkout of `origin` that cannot fetch anything more (its remote is gone). */
  function strandedCheckout(origin: TestRepo) {
    const ci = cloneRepo(origin.url, { depth: 1 })
    ci.git('remote', 'set-url', 'origin', `${origin.url}-gone`)
    return ci
  }

  const unfetchable = (sha: string) =>
    `before commit ${short(sha)} is not in the checkout and could not be fetched`

  it('takes the compare API answer when git cannot reach the before commit', async () => {
    const { origin, work } = createOrigin()
    const before = work.commit('one', { 'a.md': 'a', 'b.md': 'b' })
    work.push()
    const after = work.commit('two', { 'a.md': 'a2', 'b.md': null, 'c.md': 'c' })
    work.push()
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after,
      files: gitFiles(strandedCheckout(origin), api(origin))
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base: before,
      commit: after,
      changes: [
        { status: 'modified', path: 'a.md', blobSha: work.blobSha(after, 'a.md') },
        { status: 'deleted', path: 'b.md' },
        { status: 'added', path: 'c.md', blobSha: work.blobSha(after, 'c.md') }
      ],
      reason: `push: 3 files changed between ${short(before)} and ${short(after)} (from the compare API; ${unfetchable(before)})`
    })
    expect(result.write).toBe(true)
  })

  it('after a force push git cannot diff, the compare API diverges: the trees are compared', async () => {
    const { origin, work } = createOrigin()
    const root = work.commit('one', { 'a.md': 'a' })
    work.push()
    const ci = strandedCheckout(origin)
    const before = work.commit('discarded', { 'x.md': 'x' })
    work.push()
    work.resetHard(root)
    const after = work.commit('rewritten', { 'y.md': 'y' })
    work.push('origin', undefined, { force: true })
    // The stranded checkout has neither commit; give it `after` as actions/checkout would.
    ci.git('fetch', '-q', '--depth=1', origin.url, after)
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after, { forced: true }),
      sha: after,
      files: gitFiles(ci, api(origin))
    })
    // Diverged: the compare API's list would not be the net change; the trees tell it.
    expect(result.scope).toEqual({
      kind: 'changed',
      base: before,
      commit: after,
      changes: [
        { status: 'deleted', path: 'x.md' },
        { status: 'added', path: 'y.md', blobSha: work.blobSha(after, 'y.md'), mode: '100644' }
      ],
      reason: `push: 2 files changed between ${short(before)} and ${short(after)} (the compare API reported 'diverged'; compared the two commits' trees instead, as ${unfetchable(before)})`
    })
    expect(result.logs).toEqual([
      `git cannot diff between ${short(before)} and ${short(after)}: ${unfetchable(before)}`
    ])
  })

  it('compares the trees when the compare API lists 300 files', async () => {
    const { origin, work } = createOrigin()
    const before = work.commit('one', { 'a.md': 'a' })
    work.push()
    const after = work.commit(
      'bulk',
      Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`bulk/${i}.md`, `${i}`]))
    )
    work.push()
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after,
      files: gitFiles(strandedCheckout(origin), api(origin))
    })
    expect(result.scope.kind).toBe('changed')
    expect(result.scope.reason).toBe(
      `push: 300 files changed between ${short(before)} and ${short(after)} (the compare API listed 300 files, its limit, so the list may be incomplete; compared the two commits' trees instead, as ${unfetchable(before)})`
    )
  })

  it('goes full when neither git nor GitHub knows the before commit', async () => {
    const { origin, work } = createOrigin()
    const after = work.commit('one', { 'a.md': 'a' })
    work.push()
    const ghost = 'deadbeef'.repeat(5)
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(ghost, after),
      sha: after,
      files: gitFiles(cloneRepo(origin.url, { depth: 1 }), api(origin))
    })
    expect(result.scope).toEqual({
      kind: 'full',
      commit: after,
      reason: `push: ${unfetchable(ghost)}; the compare API does not know before commit deadbee or after commit ${short(after)} (404); full reconcile`
    })
  })

  it('previews a pull request from the compare API, without writing', async () => {
    const { repo, base, head, mainTip, payload } = pullRequestRepo()
    const ci = cloneRepo(repo.url, { depth: 1 })
    ci.git('remote', 'set-url', 'origin', `${repo.url}-gone`)
    const result = await resolve({
      eventName: 'pull_request_target',
      payload,
      sha: mainTip,
      files: gitFiles(ci, api(repo))
    })
    expect(result.scope).toMatchObject({
      kind: 'changed',
      base,
      commit: head,
      changes: [
        { status: 'modified', path: 'a.md' },
        { status: 'added', path: 'docs/new.md' }
      ]
    })
    expect(result.scope.reason).toBe(
      `pull_request_target #7: 2 files changed between ${short(base)} and ${short(head)} (from the compare API; base commit ${short(base)} is not in the checkout and could not be fetched)`
    )
    expect(result.write).toBe(false)
  })

  it('uses the compare API directly when there is no checkout', async () => {
    const { origin, work } = createOrigin()
    const before = work.commit('one', { 'a.md': 'a' })
    work.push()
    const after = work.commit('two', { 'a.md': 'a2' })
    work.push()
    const result = await resolve({
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after,
      files: api(origin)
    })
    expect(result.scope).toEqual({
      kind: 'changed',
      base: before,
      commit: after,
      changes: [{ status: 'modified', path: 'a.md', blobSha: work.blobSha(after, 'a.md') }],
      reason: `push: 1 file changed between ${short(before)} and ${short(after)}`
    })
    expect(result.logs).toEqual([])
  })

  it('chooseFiles: the git reader lists and reads through the API what the checkout lacks', async () => {
    const { origin, work } = createOrigin()
    const old = work.commit('one', { 'old.md': 'old content' })
    work.push()
    const head = work.commit('two', { 'old.md': 'changed', 'new.md': 'new' })
    work.push()
    const ci = strandedCheckout(origin)
    const name = `repo-${nextId}`
    emu.addRepo({ owner: OWNER, name, id: 2000 + nextId++, dir: origin.dir })
    const client = createClient({ baseUrl: emu.url, token: 't' })
    const logs: string[] = []
    const chosen = await chooseFiles({
      workspace: ci.dir,
      commit: head,
      client,
      owner: OWNER,
      repo: name,
      log: m => logs.push(m)
    })
    expect(chosen.files.kind).toBe('git')
    emu.clearLog()
    const listing = await chosen.files.listFiles(old)
    expect(listing).toEqual({
      files: [{ path: 'old.md', blobSha: work.blobSha(old, 'old.md'), mode: '100644' }],
      complete: true
    })
    const blob = await chosen.files.readBlob(work.blobSha(old, 'old.md'))
    expect(blob.toString()).toBe('old content')
    expect(emu.requests.map(r => r.route)).toEqual([
      '/repos/{owner}/{repo}/git/trees/{tree_sha}',
      '/repos/{owner}/{repo}/git/blobs/{file_sha}'
    ])
    // What the checkout has is read locally, without a request.
    emu.clearLog()
    expect((await chosen.files.readBlob(work.blobSha(head, 'new.md'))).toString()).toBe('new')
    expect(emu.requests).toEqual([])
  })
})
