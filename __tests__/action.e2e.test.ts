/**
 * End to end: the committed dist/index.js, run as the Actions runner runs it, against the
 * emulator, over real git repositories. Each test checks the Space's final state, the requests
 * sent, the outputs and the job summary.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../emulator/index.js'
import { runAction, type ActionRun, type RunActionOptions } from '../scripts/runner.js'
import {
  cloneRepo,
  createOrigin,
  NULL_SHA,
  removeRepos,
  type TestRepo
} from './helpers/git-repo.js'
import {
  expectConforming,
  ORG,
  REPO,
  REPO_ID,
  startGitHub,
  TOKEN,
  USER,
  writesOf
} from './helpers/github.js'
import { pushPayload, repository } from './helpers/payloads.js'
import { counts, expectSuccess } from './helpers/e2e.js'

let emu: Emulator

beforeAll(async () => {
  emu = await startGitHub()
})
afterAll(async () => {
  await emu.close()
  removeRepos()
})
afterEach(() => {
  expectConforming(emu)
})

interface Step {
  with: Record<string, string>
  eventName: string
  payload: Record<string, unknown>
  workspace: string
  sha: string
}

async function run(
  step: Step,
  extra: Partial<RunActionOptions> = {},
  noToken = false
): Promise<ActionRun> {
  emu.clearLog()
  const result = await runAction({
    repository: `${ORG}/${REPO}`,
    apiUrl: emu.url,
    ...step,
    // Pacing is tested in-process with a controlled clock; here writes need not wait a second each.
    with: { 'write-interval': '0', ...step.with },
    ...extra
  })
  // The runner consumes `::add-mask::` (it is how the token gets masked) and never shows it;
  // it must come first, and nothing else the action writes may hold the token.
  const token = step.with.token!
  const lines = result.stdout.split('\n')
  if (noToken) return result
  expect(lines[0]).toBe(`::add-mask::${token}`)
  const shown = [
    ...lines.slice(1),
    result.stderr,
    result.summary,
    JSON.stringify(result.outputs)
  ].join('\n')
  expect(shown).not.toContain(token)
  return result
}

function githubFiles(ownerType: 'org' | 'user', owner: string, number: number) {
  return emu
    .resources(ownerType, owner, number)
    .filter(r => r.resource_type === 'github_file' && r.metadata.repository_id === REPO_ID)
    .map(r => ({ id: r.id, path: r.metadata.file_path as string, sha: r.metadata.sha as string }))
    .sort((a, b) => (a.path < b.path ? -1 : 1))
}

/** Resources a person attached by hand: the action must never touch them. */
function seedHandMade(ownerType: 'org' | 'user', owner: string, number: number) {
  return [
    emu.addResource(ownerType, owner, number, {
      resource_type: 'free_text',
      metadata: { name: 'docs/a.md', text: 'A hand-written note that shares a file name' }
    }),
    emu.addResource(ownerType, owner, number, {
      resource_type: 'github_file',
      metadata: { repository_id: 999, file_path: 'docs/a.md', sha: 'f'.repeat(40) }
    }),
    emu.addResource(ownerType, owner, number, {
      resource_type: 'github_file',
      metadata: {
        repository_id: REPO_ID,
        file_path: 'src/attached-by-hand.ts',
        sha: 'e'.repeat(40)
      }
    })
  ].map(r => r.id)
}

/** No write named a resource made by hand: not in its path, nor as an entry of a batch. */
function expectUntouched(handMade: number[]) {
  for (const w of writesOf(emu)) {
    const id = Number(w.path.split('/').pop())
    const entries = (w.requestBody as { resources_attributes?: { id?: number }[] } | undefined)
      ?.resources_attributes
    if (entries) for (const e of entries) expect(handMade).not.toContain(e.id)
    else expect(handMade).not.toContain(id)
  }
}

/** What one Set Space batch named: `+` create, `~ id` update, `- id` delete. */
function batchEntries(w: { requestBody?: unknown }): string[] {
  const entries = (w.requestBody as { resources_attributes: Record<string, unknown>[] })
    .resources_attributes
  return entries.map(e => (e.id === undefined ? '+' : e._destroy ? `- ${e.id}` : `~ ${e.id}`))
}

describe('push to an organization Space (github_file), with a shallow checkout', () => {
  let work: TestRepo
  let originUrl: string
  let space: number
  let handMade: number[]
  let first: string

  beforeAll(() => {
    const repos = createOrigin()
    work = repos.work
    originUrl = repos.origin.url
    emu.addRepo({ owner: ORG, name: REPO, id: REPO_ID, dir: repos.origin.dir })
    first = work.commit('docs', {
      'README.md': '# Readme\n',
      'docs/a.md': 'A\n',
      'docs/b.md': 'B\n',
      'docs/naïve café.md': 'unicode and spaces\n',
      'docs/notes.txt': 'not markdown\n',
      'docs/blob.md': Buffer.from([0x23, 0x00, 0x01]),
      'src/index.ts': 'export {}\n'
    })
    work.push()
    space = emu.createSpace('org', ORG, { name: 'Docs' }).number
    handMade = seedHandMade('org', ORG, space)
  })

  it('a full reconcile creates one resource per matching file and skips binaries', async () => {
    const result = await run({
      with: { token: TOKEN, 'space-number': String(space), files: '**/*.md' },
      eventName: 'workflow_dispatch',
      payload: { repository },
      workspace: cloneRepo(originUrl, { depth: 1 }).dir,
      sha: first
    })
    expectSuccess(result)
    expect(counts(result)).toEqual({
      created: 4,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 1,
      failed: 0
    })
    expect(githubFiles('org', ORG, space).filter(r => !r.path.startsWith('src/'))).toEqual([
      { id: expect.any(Number), path: 'README.md', sha: first },
      { id: expect.any(Number), path: 'docs/a.md', sha: first },
      { id: expect.any(Number), path: 'docs/b.md', sha: first },
      { id: expect.any(Number), path: 'docs/naïve café.md', sha: first }
    ])
    const resources = JSON.parse(result.outputs.resources!) as {
      path: string
      action: string
      reason?: string
    }[]
    expect(resources.find(r => r.path === 'docs/blob.md')).toMatchObject({
      action: 'skipped',
      reason: expect.stringContaining('binary')
    })
    expect(result.summary).toContain('Copilot Space sync')
    expect(result.summary).toContain(`https://github.com/copilot/spaces/${ORG}/${space}`)
    expect(result.summary).toMatch(/Skipped \| `docs\/blob.md`/)
    expect(result.stdout).toContain('::group::Plan')
    // owner-type auto asks once; the repository id comes from the payload; one listing.
    expect(emu.requests.filter(r => r.method === 'GET').map(r => r.route)).toEqual([
      '/users/{username}',
      '/orgs/{org}/copilot-spaces/{space_number}/resources'
    ])
    expectUntouched(handMade)
  })

  it('a push updates, moves, deletes and creates exactly what changed, fetching `before`', async () => {
    const before = work.rev()
    const ids = Object.fromEntries(githubFiles('org', ORG, space).map(r => [r.path, r.id]))
    work.commit('intermediate', { 'docs/tmp.md': 'added then removed within the push\n' })
    work.move('docs/b.md', 'guide/b.md')
    const after = work.commit('edit, rename, delete, add', {
      'docs/a.md': 'A, edited\n',
      'docs/naïve café.md': null,
      'docs/tmp.md': null,
      'docs/new file.md': 'new\n',
      'src/index.ts': 'export const x = 1\n'
    })
    work.push()
    const checkout = cloneRepo(originUrl, { depth: 1 })
    // actions/checkout's shallow clone lacks `before`: the action must fetch it.
    expect(() => checkout.git('cat-file', '-e', `${before}^{commit}`)).toThrow()
    const step = {
      with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org' },
      eventName: 'push',
      payload: pushPayload(before, after),
      workspace: checkout.dir,
      sha: after
    }
    const result = await run(step)
    expectSuccess(result)
    expect(counts(result)).toEqual({
      created: 1,
      updated: 2,
      deleted: 1,
      unchanged: 0,
      skipped: 0,
      failed: 0
    })
    const now = githubFiles('org', ORG, space).filter(r => !r.path.startsWith('src/'))
    expect(now).toEqual([
      { id: ids['README.md'], path: 'README.md', sha: first },
      { id: ids['docs/a.md'], path: 'docs/a.md', sha: after },
      { id: expect.any(Number), path: 'docs/new file.md', sha: after },
      { id: ids['docs/b.md'], path: 'guide/b.md', sha: after }
    ])
    // Reads: the listing only (owner-type given, repository id in the payload, git did the diff).
    expect(emu.requests.filter(r => r.method === 'GET')).toHaveLength(1)
    // One Set Space batch: the two updates, the create, then the delete.
    const writes = writesOf(emu)
    expect(writes.map(w => `${w.method} ${w.route}`)).toEqual([
      'PUT /orgs/{org}/copilot-spaces/{space_number}'
    ])
    expect(batchEntries(writes[0]!).sort()).toEqual(
      [
        '+',
        `- ${ids['docs/naïve café.md']}`,
        `~ ${ids['docs/a.md']}`,
        `~ ${ids['docs/b.md']}`
      ].sort()
    )
    expect(result.summary).toMatch(/from `docs\/b.md`/)
    expectUntouched(handMade)

    const again = await run(step)
    expectSuccess(again)
    expect(writesOf(emu)).toEqual([])
    expect(counts(again)).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 3 })
  })

  it('a push that changes no file in scope sends no request at all, not even the owner lookup', async () => {
    const before = work.rev()
    const after = work.commit('code and non-matching files only', {
      'src/index.ts': 'export const y = 3\n',
      'docs/notes.txt': 'still not markdown\n'
    })
    work.push()
    const result = await run({
      with: { token: TOKEN, 'space-number': String(space) },
      eventName: 'push',
      payload: pushPayload(before, after),
      workspace: cloneRepo(originUrl, { depth: 1 }).dir,
      sha: after
    })
    expectSuccess(result)
    expect(emu.requests).toEqual([])
    expect(result.stdout).toContain('None of the 2 changed path(s) matches files: nothing to sync.')
    expect(counts(result)).toEqual({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0
    })
  })

  it('a second full reconcile at a later commit writes nothing when no synced file changed', async () => {
    const after = work.commit('code only', { 'src/index.ts': 'export const x = 2\n' })
    work.push()
    const result = await run({
      with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org', sync: 'full' },
      eventName: 'schedule',
      payload: {},
      workspace: cloneRepo(originUrl, { depth: 1 }).dir,
      sha: after
    })
    expectSuccess(result)
    expect(writesOf(emu)).toEqual([])
    expect(counts(result)).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 4,
      skipped: 1
    })
  })

  it('a resource of ours whose sha is no commit is converged, not a failure', async () => {
    const odd = emu.addResource('org', ORG, space, {
      resource_type: 'github_file',
      metadata: { repository_id: REPO_ID, file_path: 'docs/a.md', sha: 'main' }
    })
    const result = await run({
      with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org', sync: 'full' },
      eventName: 'workflow_dispatch',
      payload: { repository },
      workspace: cloneRepo(originUrl, { depth: 1 }).dir,
      sha: work.rev()
    })
    expectSuccess(result)
    expect(counts(result)).toMatchObject({ deleted: 1, failed: 0 })
    expect(writesOf(emu).map(w => `${w.method} ${w.path.split('/').pop()}`)).toEqual([
      `DELETE ${odd.id}`
    ])
    expect(githubFiles('org', ORG, space).filter(r => r.path === 'docs/a.md')).toHaveLength(1)
  })

  it('a deleted branch does nothing and succeeds', async () => {
    const result = await run({
      with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org' },
      eventName: 'push',
      payload: pushPayload(work.rev(), NULL_SHA, { ref: 'refs/heads/feature' }),
      workspace: mkdtempSync(join(tmpdir(), 'empty-')),
      sha: work.rev()
    })
    expectSuccess(result)
    expect(writesOf(emu)).toEqual([])
    expect(counts(result)).toEqual({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0
    })
  })

  it('a pull request previews the plan and writes nothing', async () => {
    const base = work.rev()
    work.branch('feature')
    work.checkout('feature')
    const head = work.commit('pr', {
      'docs/a.md': 'A, in review\n',
      'docs/pr.md': 'pr\n',
      'README.md': null
    })
    work.push('origin', 'feature')
    work.checkout('main')
    const result = await run({
      with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org' },
      eventName: 'pull_request_target',
      payload: {
        pull_request: { number: 7, base: { sha: base }, head: { sha: head } },
        repository
      },
      workspace: cloneRepo(originUrl, { depth: 1 }).dir,
      sha: base
    })
    expectSuccess(result)
    expect(writesOf(emu)).toEqual([])
    expect(counts(result)).toEqual({
      created: 1,
      updated: 1,
      deleted: 1,
      unchanged: 0,
      skipped: 0,
      failed: 0
    })
    expect(result.summary).toContain('Preview: nothing was written')
    expect(result.summary).toContain('Would create')
  })

  it('a pull_request previews against the merge commit', async () => {
    const base = work.rev()
    work.branch('pr-merge')
    work.checkout('pr-merge')
    work.commit('pr work', { 'docs/from-pr.md': 'new in the pr\n' })
    work.checkout('main')
    const merge = work.merge('pr-merge', 'Merge pull request #8')
    work.push('origin', 'HEAD:refs/pull/8/merge')
    work.resetHard(base)
    const result = await run({
      with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org' },
      eventName: 'pull_request',
      payload: {
        pull_request: { number: 8, base: { sha: base }, head: { sha: merge } },
        repository
      },
      workspace: cloneRepo(originUrl, { depth: 1 }).dir,
      sha: merge
    })
    expectSuccess(result)
    expect(writesOf(emu)).toEqual([])
    expect(counts(result)).toEqual({
      created: 1,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0
    })
    // A preview: the counts and the entries say what a merge would do.
    expect(result.outputs.preview).toBe('true')
    expect(JSON.parse(result.outputs.resources!)).toEqual([
      { path: 'docs/from-pr.md', action: 'would-create', resource_id: null }
    ])
  })

  it('a token that may only read the Space fails with the permission it lacks, said once', async () => {
    emu.addToken('ghs_readOnlyInstallation', {
      login: 'bot',
      kind: 'installation',
      access: { [ORG]: 'read' }
    })
    const result = await run(
      {
        with: {
          token: 'ghs_readOnlyInstallation',
          'space-number': String(space),
          'owner-type': 'org',
          sync: 'full'
        },
        eventName: 'workflow_dispatch',
        payload: { repository },
        workspace: cloneRepo(originUrl, { depth: 1 }).dir,
        sha: work.rev()
      },
      { env: {} }
    )
    // Nothing to write is no failure; make two files need a write.
    expect(result.code).toBe(0)
    work.commit('two edits', { 'docs/a.md': 'A, edited again\n', 'README.md': '# Readme 2\n' })
    work.push()
    const failing = await run({
      with: {
        token: 'ghs_readOnlyInstallation',
        'space-number': String(space),
        'owner-type': 'org',
        sync: 'full'
      },
      eventName: 'workflow_dispatch',
      payload: { repository },
      workspace: cloneRepo(originUrl, { depth: 1 }).dir,
      sha: work.rev()
    })
    expect(failing.code).toBe(1)
    expect(counts(failing)).toMatchObject({ updated: 0, failed: 2 })
    // Both updates in one batch, refused as a whole.
    expect(writesOf(emu)).toHaveLength(1)
    expect(failing.stdout).toMatch(/answered 403/)
    expect(failing.stdout).toContain(
      'GitHub accepts the permission(s): organization_copilot_spaces=write'
    )
    expect(failing.stdout).toContain('"Copilot Spaces" organization permission (write)')
    // One annotation for the one cause, with the count; the paths in the log.
    const errors = failing.stdout.split('\n').filter(l => l.startsWith('::error'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /^::error title=2 resources not synced to the Copilot Space::2 resource\(s\) failed: PUT answered 403: Resource not accessible by integration\. /
    )
    expect(failing.stdout).toContain('2 path(s) were not synced')
    expect(failing.summary).toMatch(/✖ Failed \| `README.md`/)
  })
})

describe('workflow_dispatch to a user Space (free_text), without a checkout', () => {
  let work: TestRepo
  let space: number
  let handMade: number[]

  beforeAll(() => {
    const repos = createOrigin()
    work = repos.work
    emu.addRepo({ owner: ORG, name: `${REPO}-2`, id: REPO_ID + 1, dir: repos.origin.dir })
    work.commit('docs', {
      'docs/a.md': '# A\n',
      'docs/日本語 ファイル.md': 'こんにちは\n',
      'big.md': 'x'.repeat(300 * 1024)
    })
    work.push()
    space = emu.createSpace('user', USER, { name: 'Mine' }).number
    handMade = seedHandMade('user', USER, space)
  })

  async function dispatch(extra: Record<string, string> = {}) {
    return run(
      {
        with: {
          token: TOKEN,
          owner: USER,
          'space-number': String(space),
          'resource-type': 'free_text',
          ...extra
        },
        eventName: 'workflow_dispatch',
        payload: {},
        workspace: mkdtempSync(join(tmpdir(), 'no-checkout-')),
        sha: work.rev()
      },
      { repository: `${ORG}/${REPO}-2` }
    )
  }

  it('creates free_text resources with the file text and a marker, through the REST API', async () => {
    const result = await dispatch({ 'name-prefix': 'repo: ' })
    expectSuccess(result)
    expect(counts(result)).toEqual({
      created: 2,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 1,
      failed: 0
    })
    const ours = emu
      .resources('user', USER, space)
      .filter(r => r.resource_type === 'free_text' && !handMade.includes(r.id))
      .map(r => r.metadata as { name: string; text: string })
      .sort((a, b) => (a.name < b.name ? -1 : 1))
    expect(ours.map(r => r.name)).toEqual(['repo: docs/a.md', 'repo: docs/日本語 ファイル.md'])
    expect(ours[0]!.text.startsWith('# A\n')).toBe(true)
    expect(ours[0]!.text).toMatch(
      /<!-- copilot-space-sync: \{"repository_id":4243,"path":"docs\/a.md","blob":"[0-9a-f]{40}","sha256":"[0-9a-f]{64}"\} -->/
    )
    expect(result.outputs.resources).toContain('larger than 256 KiB')
    // No checkout: the repository's id, tree and blobs come from the API.
    const routes = emu.requests.map(r => `${r.method} ${r.route}`)
    expect(routes).toContain('GET /repos/{owner}/{repo}')
    expect(routes).toContain('GET /repos/{owner}/{repo}/git/trees/{tree_sha}')
    expectUntouched(handMade)
  })

  it('a second run with no change sends no write; a hand-written note of the same name stays', async () => {
    const result = await dispatch({ 'name-prefix': 'repo: ' })
    expectSuccess(result)
    expect(writesOf(emu)).toEqual([])
    expect(counts(result)).toMatchObject({ created: 0, updated: 0, unchanged: 2 })
    expect(emu.resources('user', USER, space).map(r => r.id)).toEqual(
      expect.arrayContaining(handMade)
    )
  })

  it('a new name prefix updates the names in place', async () => {
    const before = emu.resources('user', USER, space).map(r => r.id)
    const result = await dispatch({ 'name-prefix': '' })
    expectSuccess(result)
    expect(counts(result)).toMatchObject({ updated: 2, created: 0, deleted: 0 })
    expect(emu.resources('user', USER, space).map(r => r.id)).toEqual(before)
  })

  it('a push without a checkout uses the compare API: a rename updates in place, a deletion goes', async () => {
    const ours = () =>
      emu
        .resources('user', USER, space)
        .filter(r => r.resource_type === 'free_text' && !handMade.includes(r.id))
        .map(r => ({ id: r.id, ...(r.metadata as { name: string; text: string }) }))
        .sort((a, b) => (a.name < b.name ? -1 : 1))
    const [a, jp] = ours()
    const before = work.rev()
    work.move('docs/a.md', 'guide/a.md')
    const after = work.commit('rename, delete', { 'docs/日本語 ファイル.md': null })
    work.push()
    const result = await run(
      {
        with: {
          token: TOKEN,
          owner: USER,
          'space-number': String(space),
          'resource-type': 'free_text'
        },
        eventName: 'push',
        payload: pushPayload(before, after, {
          repository: { id: REPO_ID + 1, full_name: `${ORG}/${REPO}-2` }
        }),
        workspace: mkdtempSync(join(tmpdir(), 'no-checkout-')),
        sha: after
      },
      { repository: `${ORG}/${REPO}-2` }
    )
    expectSuccess(result)
    expect(counts(result)).toEqual({
      created: 0,
      updated: 1,
      deleted: 1,
      unchanged: 0,
      skipped: 0,
      failed: 0
    })
    expect(ours()).toEqual([
      {
        id: a!.id,
        name: 'guide/a.md',
        text: expect.stringMatching(
          /^# A\n\n<!-- copilot-space-sync: \{"repository_id":4243,"path":"guide\/a.md",/
        )
      }
    ])
    expect(jp).toBeDefined()
    const routes = emu.requests.map(r => `${r.method} ${r.route}`)
    expect(routes).toEqual([
      // The change set first: the owner is looked up only once there is something to sync.
      'GET /repos/{owner}/{repo}/compare/{basehead}',
      'GET /users/{username}',
      'GET /users/{username}/copilot-spaces/{space_number}/resources',
      // The compare API gives no modes: one tree read tells symbolic links from files.
      'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
      'GET /repos/{owner}/{repo}/git/blobs/{file_sha}',
      // The update and the delete, in one Set Space batch.
      'PUT /users/{username}/copilot-spaces/{space_number}'
    ])
    expectUntouched(handMade)
  })
})

describe('a huge push without a checkout', () => {
  it('more than 300 changed files: the compare API is cut short, so the trees are compared, the contents read from one archive; a reconcile after 320 edits updates exactly those', async () => {
    const { origin, work } = createOrigin()
    emu.addRepo({ owner: ORG, name: `${REPO}-huge`, id: REPO_ID + 2, dir: origin.dir })
    const before = work.commit('seed', { 'README.md': '# r\n' })
    const files = Object.fromEntries(
      Array.from({ length: 350 }, (_, i) => [`docs/p ${i}.md`, `page ${i}\n`])
    )
    const after = work.commit('350 pages', files)
    work.push()
    const space = emu.createSpace('org', ORG, { name: 'Huge' }).number
    const result = await run(
      {
        with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org' },
        eventName: 'push',
        payload: pushPayload(before, after, { repository: { id: REPO_ID + 2 } }),
        workspace: mkdtempSync(join(tmpdir(), 'no-checkout-')),
        sha: after
      },
      { repository: `${ORG}/${REPO}-huge` }
    )
    expectSuccess(result)
    expect(result.stdout).toContain('Scope: push: 350 files changed between ')
    expect(result.stdout).toContain(
      "(the compare API listed 300 files, its limit, so the list may be incomplete; compared the two commits' trees instead)"
    )
    expect(counts(result)).toEqual({
      created: 350,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0
    })
    const paths = emu.resources('org', ORG, space).map(r => r.metadata.file_path)
    expect(new Set(paths).size).toBe(350)
    expect(paths).toContain('docs/p 349.md')
    const compare = emu.requests.find(r => r.route === '/repos/{owner}/{repo}/compare/{basehead}')
    expect((compare?.responseBody as { files: unknown[] }).files).toHaveLength(300)
    // The contents from one archive, not 351 blob requests; the writes in 5 batches (10, then
    // up to 100 each).
    const routes = (path: string) => emu.requests.filter(r => r.route?.endsWith(path)).length
    expect(routes('/tarball/{ref}')).toBe(1)
    expect(routes('/git/blobs/{file_sha}')).toBe(0)
    expect(writesOf(emu)).toHaveLength(5)

    // 320 of the 350 pages edited, then a full reconcile: exactly those are updated, by
    // comparing the trees of the pinned commit and the synced one (no compare request).
    const edited = work.commit(
      'edit 320',
      Object.fromEntries(
        Array.from({ length: 320 }, (_, i) => [`docs/p ${i}.md`, `page ${i}, v2\n`])
      )
    )
    work.push()
    const reconcile = await run(
      {
        with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org' },
        eventName: 'workflow_dispatch',
        payload: { repository: { id: REPO_ID + 2 } },
        workspace: mkdtempSync(join(tmpdir(), 'no-checkout-')),
        sha: edited
      },
      { repository: `${ORG}/${REPO}-huge` }
    )
    expectSuccess(reconcile)
    // README.md, which the first push did not change, is created now.
    expect(counts(reconcile)).toMatchObject({ created: 1, updated: 320, unchanged: 30, deleted: 0 })
    expect(routes('/compare/{basehead}')).toBe(0)
    // The synced commit's tree; the pinned commit's root and its docs folder.
    expect(routes('/git/trees/{tree_sha}')).toBe(3)
    expect(routes('/tarball/{ref}')).toBe(1)
    expect(writesOf(emu)).toHaveLength(5)
    const pinned = emu.resources('org', ORG, space).filter(r => r.metadata.sha === edited)
    expect(pinned).toHaveLength(321)

    // A push editing 3 of the pages still pinned at the first commit: they are out of date
    // whatever commit they are pinned at, so no tree is compared for that commit.
    const third = work.commit(
      'edit 3',
      Object.fromEntries([340, 341, 342].map(i => [`docs/p ${i}.md`, `page ${i}, v3\n`]))
    )
    work.push()
    const push = await run(
      {
        with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org' },
        eventName: 'push',
        payload: pushPayload(edited, third, { repository: { id: REPO_ID + 2 } }),
        workspace: mkdtempSync(join(tmpdir(), 'no-checkout-')),
        sha: third
      },
      { repository: `${ORG}/${REPO}-huge` }
    )
    expectSuccess(push)
    expect(counts(push)).toMatchObject({ updated: 3, created: 0, deleted: 0 })
    expect(emu.requests.map(r => r.route)).toEqual([
      '/repos/{owner}/{repo}/compare/{basehead}',
      '/orgs/{org}/copilot-spaces/{space_number}/resources',
      // The compare API gives no modes: one tree read tells symbolic links from files.
      '/repos/{owner}/{repo}/git/trees/{tree_sha}',
      '/repos/{owner}/{repo}/git/blobs/{file_sha}',
      '/repos/{owner}/{repo}/git/blobs/{file_sha}',
      '/repos/{owner}/{repo}/git/blobs/{file_sha}',
      '/orgs/{org}/copilot-spaces/{space_number}'
    ])
  })
})

describe('pin: false, with a checkout', () => {
  it('syncs unpinned on main, then a push that only edits files sends no request; another branch fails before any write', async () => {
    const { origin, work } = createOrigin()
    emu.addRepo({ owner: ORG, name: `${REPO}-pin`, id: REPO_ID + 3, dir: origin.dir })
    const first = work.commit('docs', { 'docs/a.md': 'A\n', 'docs/b.md': 'B\n' })
    const second = work.commit('edit', { 'docs/a.md': 'A, edited\n' })
    work.push()
    const space = emu.createSpace('org', ORG, { name: 'Unpinned' }).number
    const repo = { id: REPO_ID + 3, default_branch: 'main' }
    const step = (sha: string, extra: Partial<Step> = {}) => ({
      with: { token: TOKEN, 'space-number': String(space), 'owner-type': 'org', pin: 'false' },
      eventName: 'workflow_dispatch',
      payload: { repository: repo },
      workspace: cloneRepo(origin.url, { depth: 1 }).dir,
      sha,
      ...extra
    })
    const options = { repository: `${ORG}/${REPO}-pin` }

    const full = await run(step(first), options)
    expectSuccess(full)
    expect(counts(full).created).toBe(2)
    expect(emu.resources('org', ORG, space).map(r => r.metadata.sha)).toEqual([
      undefined,
      undefined
    ])

    const edit = await run(
      step(second, {
        eventName: 'push',
        payload: pushPayload(first, second, { repository: repo })
      }),
      options
    )
    expectSuccess(edit)
    expect(emu.requests).toEqual([])
    expect(counts(edit)).toEqual({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0
    })

    const elsewhere = await run(step(second), { ...options, ref: 'refs/heads/feature' })
    expect(elsewhere.code).not.toBe(0)
    expect(elsewhere.stdout).toMatch(/^::error::Input 'pin' is false, .*"refs\/heads\/feature"/m)
    expect(emu.requests.filter(r => r.method !== 'GET')).toEqual([])
  })
})

describe('errors', () => {
  const base = {
    eventName: 'workflow_dispatch',
    payload: { repository },
    sha: 'a'.repeat(40)
  }

  it.each([
    ['token', { token: '' }, "Input 'token' is required"],
    [
      'owner',
      { owner: 'not a login!' },
      "Input 'owner' must be a GitHub organization or user login"
    ],
    [
      'owner-type',
      { 'owner-type': 'enterprise' },
      "Input 'owner-type' must be one of 'auto', 'org', 'user'; got \"enterprise\""
    ],
    [
      'space-number',
      { 'space-number': '' },
      "Input 'space-number' or 'space-name' is required; got neither"
    ],
    [
      'space-number',
      { 'space-number': '3', 'space-name': 'Docs' },
      'and input \'space-name\' ("Docs") are both set; set exactly one'
    ],
    ['create-space', { 'create-space': 'true' }, "'create-space' needs 'space-name'"],
    [
      'create-space',
      { 'space-number': '', 'space-name': 'Docs', 'create-space': 'yes' },
      "'true' or 'false'"
    ],
    [
      'base-role',
      { 'base-role': 'owner' },
      'Input \'base-role\' must be one of no_access, reader, writer, admin; got "owner"'
    ],
    [
      'instructions-file',
      { 'instructions-file': '../outside.md' },
      "a file's path in the repository"
    ],
    ['space-number', { 'space-number': '-1' }, 'got "-1"'],
    [
      'files',
      { files: '!*.md' },
      "Input 'files' needs at least one pattern that is not an exclusion"
    ],
    ['files', { files: '/abs/*.md' }, 'Input \'files\' has a pattern starting with "/"'],
    ['files', { files: 'docs/[z-a].md' }, "Input 'files' has a pattern that is not a valid glob"],
    [
      'resource-type',
      { 'resource-type': 'github_issue' },
      "Input 'resource-type' must be one of 'github_file', 'free_text'"
    ],
    ['sync', { sync: 'incremental' }, "Input 'sync' must be one of 'auto', 'changed', 'full'"],
    ['prune', { prune: 'maybe' }, "Input 'prune' must be 'true' or 'false'; got \"maybe\""],
    ['dry-run', { 'dry-run': 'yes' }, "Input 'dry-run' must be 'true' or 'false'"],
    ['name-prefix', { 'name-prefix': 'a\nb' }, "Input 'name-prefix' must be a single line"],
    [
      'max-deletions',
      { 'max-deletions': '-5' },
      "Input 'max-deletions' must be a whole number, 0 or more"
    ],
    ['max-deletions', { 'max-deletions': 'many' }, 'got "many"'],
    [
      'write-interval',
      { 'write-interval': 'fast' },
      "Input 'write-interval' must be a number of seconds from 0 to 60"
    ],
    ['write-interval', { 'write-interval': '120' }, 'got "120"'],
    ['api-url', { 'api-url': 'api.github.com' }, "Input 'api-url' must be an http(s) URL"]
  ])('invalid %s %j fails before any request', async (name, given, message) => {
    const result = await run(
      {
        ...base,
        with: { token: TOKEN, 'space-number': '1', ...given },
        workspace: mkdtempSync(join(tmpdir(), 'x-'))
      },
      {},
      'token' in given && given.token === ''
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(`::error::Input '${name}'`)
    expect(result.stdout).toContain(message)
    expect(emu.requests).toEqual([])
  })

  it('an invalid input fails before any request, naming the input', async () => {
    const result = await run({
      ...base,
      with: { token: TOKEN, 'space-number': 'three' },
      workspace: mkdtempSync(join(tmpdir(), 'x-'))
    })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toContain(`::error::Input 'space-number' must be a positive whole number`)
    expect(emu.requests).toEqual([])
  })

  it('a missing Space names the owner and the number', async () => {
    const result = await run({
      ...base,
      with: { token: TOKEN, 'space-number': '404', 'owner-type': 'org' },
      workspace: mkdtempSync(join(tmpdir(), 'x-'))
    })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toMatch(
      /organization 'octo-org' Space #404 was not found, or the token cannot see it/
    )
  })

  it('a bad token is named as such, and never printed', async () => {
    const result = await run({
      ...base,
      with: { token: 'ghp_notAKnownToken', 'space-number': '1', 'owner-type': 'org' },
      workspace: mkdtempSync(join(tmpdir(), 'x-'))
    })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toMatch(/401: Bad credentials\. The token is invalid or expired/)
  })
})
