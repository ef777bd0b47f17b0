/**
 * End to end, what a team changes or meets once the workflow runs: a pull request from a fork
 * (no secrets, so no token), `files` narrowed under each `ownership`, and `resource-type`
 * switched on files the new type cannot hold. Each test checks the Space afterwards, the requests
 * sent, the outputs and the job summary.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../emulator/index.js'
import type { ActionRun } from '../scripts/runner.js'
import { withMarker } from '../src/space/marker.js'
import { MAX_FREE_TEXT_BYTES } from '../src/space/resource.js'
import { counts, dispatchRun, errorLine, expectSuccess, useEmulatedRepo } from './helpers/e2e.js'
import type { TestRepo } from './helpers/git-repo.js'
import { ORG, REPO, REPO_ID, writesOf } from './helpers/github.js'
import { pushPayload, repository } from './helpers/payloads.js'
import { pathRows, paragraphs } from './helpers/report.js'

const github = useEmulatedRepo()
let emu: Emulator
let work: TestRepo

beforeAll(() => {
  ;({ emu, work } = github)
})

interface Step {
  with: Record<string, string>
  eventName?: string
  payload?: Record<string, unknown>
  sha?: string
  githubToken?: string
}

function run({ sha, ...step }: Step): Promise<ActionRun> {
  return dispatchRun(github, sha ?? work.rev(), step)
}

interface Entry {
  path: string
  action: string
  resource_id: number | null
  reason?: string
}

const entries = (result: ActionRun) => JSON.parse(result.outputs.resources!) as Entry[]

/** The Space's resources, each as `type path` (a github_file's path, a free_text's name). */
function listing(space: number): string[] {
  return emu
    .resources('org', ORG, space)
    .map(r =>
      r.resource_type === 'github_file'
        ? `github_file ${String(r.metadata.repository_id)}:${String(r.metadata.file_path)}`
        : `free_text ${String(r.metadata.name)}`
    )
    .sort()
}

/** The resource ids each write named: in its path, or as entries of a Set Space batch. */
function idsWritten(): number[] {
  return writesOf(emu).flatMap(w => {
    const batch = (w.requestBody as { resources_attributes?: { id?: number }[] } | undefined)
      ?.resources_attributes
    if (batch) return batch.flatMap(e => (e.id === undefined ? [] : [e.id]))
    const id = Number(w.path.split('/').pop())
    return Number.isSafeInteger(id) ? [id] : []
  })
}

describe('a pull request from a fork: secrets, and so the token, are empty', () => {
  let space: number
  let base: string
  let head: string

  beforeAll(() => {
    base = work.commit('fork base', { 'fork/a.md': 'A\n' })
    work.push()
    work.branch('from-fork')
    work.checkout('from-fork')
    head = work.commit('fork change', { 'fork/a.md': 'A, from a fork\n', 'fork/b.md': 'B\n' })
    work.push('origin', 'from-fork')
    work.checkout('main')
    space = emu.createSpace('org', ORG, { name: 'Fork previews' }).number
  })

  const forkPullRequest = () => ({
    action: 'synchronize',
    number: 31,
    pull_request: {
      number: 31,
      base: { sha: base, repo: { full_name: `${ORG}/${REPO}` } },
      head: { sha: head, repo: { full_name: `a-stranger/${REPO}` } }
    },
    repository
  })

  it.each(['pull_request'])(
    'on %s the step succeeds with a notice naming the input, sends no request and counts nothing',
    async eventName => {
      const result = await run({
        with: { token: '', 'space-number': String(space), files: 'fork/**' },
        eventName,
        payload: forkPullRequest(),
        sha: head,
        // The preview comment's token is there (GITHUB_TOKEN): still, nothing is sent.
        githubToken: 'ghs_jobTokenForTheComment'
      })
      expectSuccess(result)
      expect(emu.requests).toEqual([])
      const notices = result.stdout.split('\n').filter(l => l.startsWith('::notice::'))
      expect(notices).toHaveLength(1)
      expect(notices[0]).toContain(`::notice::Input 'token' is empty on this ${eventName} event`)
      expect(notices[0]).toContain('Pull requests from forks get no secrets')
      expect(notices[0]).toContain(
        'if: github.event.pull_request.head.repo.full_name == github.repository'
      )
      expect(result.stdout).not.toContain('::error::')
      expect(result.stdout).not.toContain('::warning::')
      expect(counts(result)).toEqual({
        created: 0,
        updated: 0,
        deleted: 0,
        unchanged: 0,
        skipped: 0,
        failed: 0
      })
      expect(result.outputs.resources).toBe('[]')
      expect(result.outputs['resources-truncated']).toBe('false')
      expect(result.outputs['comment-id'] ?? '').toBe('')
      expect(JSON.parse(result.outputs.spaces!)).toEqual([
        expect.objectContaining({ space: `${ORG}/${space}`, created: 0, failed: 0 })
      ])
      expect(paragraphs(result.summary)).toEqual(
        expect.arrayContaining([
          `Preview: nothing was written. ${eventName} events only preview the sync.`,
          `Scope: none: input 'token' is empty, as on a pull request from a fork, which gets no secrets (commit ${head.slice(0, 12)}).`
        ])
      )
      expect(pathRows(result.summary)).toEqual([])
      expect(emu.resources('org', ORG, space)).toEqual([])
    }
  )

  // pull_request_target runs get secrets, a fork's included: an empty token is a missing secret.
  it.each(['pull_request_target', 'push', 'workflow_dispatch', 'schedule'])(
    'on %s an empty token stays an input error, before any request',
    async eventName => {
      const result = await run({
        with: { token: '', 'space-number': String(space) },
        eventName,
        payload:
          eventName === 'push'
            ? pushPayload(base, head)
            : eventName === 'pull_request_target'
              ? forkPullRequest()
              : { repository }
      })
      expect(errorLine(result)).toContain("::error::Input 'token' is required; got an empty value.")
      expect(emu.requests).toEqual([])
    }
  )

  it('with the token (not a fork), the same pull request is previewed', async () => {
    const result = await run({
      with: { 'space-number': String(space), files: 'fork/**', comment: 'false' },
      eventName: 'pull_request',
      payload: forkPullRequest(),
      sha: head
    })
    expectSuccess(result)
    expect(result.stdout).not.toContain('::notice::')
    expect(writesOf(emu)).toEqual([])
    expect(entries(result).map(e => `${e.action} ${e.path}`)).toEqual([
      'would-create fork/a.md',
      'would-create fork/b.md'
    ])
  })
})

describe('narrowing files', () => {
  let space: number
  let first: string
  /** Resources attached by hand: never touched, whatever `ownership` is. */
  let handMade: number[]
  /** A file of this repository attached by hand: ours only with ownership: repository. */
  let attached: number
  /** A free_text of ours made by an earlier free_text workflow, for a path outside files. */
  let marked: number

  beforeAll(() => {
    first = work.commit('narrowing', {
      'narrow/README.md': '# Readme\n',
      'narrow/docs/a.md': 'A\n',
      'narrow/docs/b.md': 'B\n',
      'narrow/src/tool.ts': 'export {}\n'
    })
    work.push()
    space = emu.createSpace('org', ORG, { name: 'Narrowing' }).number
    const add = (resource_type: string, metadata: Record<string, unknown>) =>
      emu.addResource('org', ORG, space, { resource_type, metadata }).id
    handMade = [
      add('github_file', { repository_id: 999, file_path: 'narrow/docs/a.md', sha: first }),
      add('free_text', { name: 'narrow/docs/a.md', text: 'A hand-written note' }),
      add('free_text', {
        name: 'other repository',
        text: withMarker('Theirs\n', { repositoryId: 999, path: 'narrow/x.md', blobSha: 'b' })
      })
    ]
    attached = add('github_file', {
      repository_id: REPO_ID,
      file_path: 'narrow/src/tool.ts',
      sha: first
    })
    marked = add('free_text', {
      name: 'narrow/old.md',
      text: withMarker('Old\n', { repositoryId: REPO_ID, path: 'narrow/old.md', blobSha: 'b' })
    })
  })

  const ours = () =>
    listing(space).filter(
      l => l.startsWith(`github_file ${REPO_ID}:`) || l === 'free_text narrow/old.md'
    )

  it('ownership: files (the default) leaves what left the globs alone: it is no longer ours', async () => {
    const wide = await run({ with: { 'space-number': String(space), files: 'narrow/docs/**' } })
    expectSuccess(wide)
    expect(counts(wide)).toMatchObject({ created: 2, deleted: 0 })
    const narrowed = await run({
      with: { 'space-number': String(space), files: 'narrow/README.md' }
    })
    expectSuccess(narrowed)
    expect(counts(narrowed)).toMatchObject({ created: 1, deleted: 0, skipped: 0 })
    expect(ours()).toEqual([
      'free_text narrow/old.md',
      `github_file ${REPO_ID}:narrow/README.md`,
      `github_file ${REPO_ID}:narrow/docs/a.md`,
      `github_file ${REPO_ID}:narrow/docs/b.md`,
      `github_file ${REPO_ID}:narrow/src/tool.ts`
    ])
  })

  it('ownership: repository, on a push: what left the globs is left to full reconciles', async () => {
    const before = work.rev()
    const after = work.commit('edit both', {
      'narrow/README.md': '# Readme, edited\n',
      'narrow/docs/a.md': 'A, edited\n',
      'narrow/src/tool.ts': null
    })
    work.push()
    const result = await run({
      with: { 'space-number': String(space), files: 'narrow/README.md', ownership: 'repository' },
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after
    })
    expectSuccess(result)
    expect(entries(result).map(e => `${e.action} ${e.path}`)).toEqual(['updated narrow/README.md'])
    expect(ours()).toHaveLength(5)
  })

  it('ownership: repository, on a full reconcile: refused past max-deletions, nothing written', async () => {
    const result = await run({
      with: {
        'space-number': String(space),
        files: 'narrow/README.md',
        ownership: 'repository',
        'max-deletions': '3'
      }
    })
    expect(errorLine(result)).toContain(
      'Refusing to delete 4 resources, more than max-deletions (3); nothing was written.'
    )
    expect(writesOf(emu)).toEqual([])
    expect(ours()).toHaveLength(5)
  })

  it('ownership: repository, on a full reconcile: removes every resource of ours outside files, never one made by hand', async () => {
    const result = await run({
      with: { 'space-number': String(space), files: 'narrow/README.md', ownership: 'repository' }
    })
    expectSuccess(result)
    const outside = "'files' does not match it (ownership: repository)"
    expect(entries(result).filter(e => e.action !== 'unchanged')).toEqual([
      {
        path: 'narrow/docs/a.md',
        action: 'deleted',
        resource_id: expect.any(Number),
        reason: outside
      },
      {
        path: 'narrow/docs/b.md',
        action: 'deleted',
        resource_id: expect.any(Number),
        reason: outside
      },
      { path: 'narrow/old.md', action: 'deleted', resource_id: marked, reason: outside },
      { path: 'narrow/src/tool.ts', action: 'deleted', resource_id: attached, reason: outside }
    ])
    expect(result.stdout).toContain(`delete    narrow/docs/a.md (${outside})`)
    expect(ours()).toEqual([`github_file ${REPO_ID}:narrow/README.md`])
    const left = emu.resources('org', ORG, space).map(r => r.id)
    for (const id of handMade) expect(left).toContain(id)
    for (const id of idsWritten()) expect(handMade).not.toContain(id)
    // Other repositories' files and notes without our marker are counted as others, as before.
    expect(paragraphs(result.summary)).toContain(
      '3 other resource(s) in the Space are not managed by this workflow and were left alone.'
    )
  })

  it('an unknown ownership fails before any request, naming the input, the value and the choices', async () => {
    const result = await run({
      with: { 'space-number': String(space), ownership: 'everything' }
    })
    expect(errorLine(result)).toBe(
      `::error::Input 'ownership' must be one of 'files', 'repository'; got "everything".`
    )
    expect(emu.requests).toEqual([])
  })
})

describe('switching resource-type on a file the new type cannot hold', () => {
  let space: number
  let before: string
  const big = (line: string) => `${line}\n${'x'.repeat(MAX_FREE_TEXT_BYTES)}\n`
  const files = 'switch/**'

  beforeAll(() => {
    before = work.commit('switching', {
      'switch/big.md': big('# Big'),
      'switch/small.md': '# Small\n'
    })
    work.push()
    space = emu.createSpace('org', ORG, { name: 'Switching' }).number
  })

  const byPath = () =>
    Object.fromEntries(
      emu
        .resources('org', ORG, space)
        .map(r => [
          r.resource_type === 'github_file'
            ? String(r.metadata.file_path)
            : String(r.metadata.name),
          { id: r.id, type: r.resource_type, sha: r.metadata.sha }
        ])
    )

  it('github_file to free_text: a file too large for free_text keeps its github_file, saying why', async () => {
    expectSuccess(await run({ with: { 'space-number': String(space), files } }))
    const asFiles = byPath()
    expect(Object.keys(asFiles).sort()).toEqual(['switch/big.md', 'switch/small.md'])

    const result = await run({
      with: { 'space-number': String(space), files, 'resource-type': 'free_text' }
    })
    expectSuccess(result)
    const kept = asFiles['switch/big.md']!
    expect(byPath()['switch/big.md']).toEqual(kept)
    expect(byPath()['switch/small.md']).toMatchObject({ type: 'free_text' })
    expect(idsWritten()).not.toContain(kept.id)
    const reason = expect.stringMatching(
      /^kept as github_file: larger than 256 KiB, the free_text limit \(262\d{3} bytes with the marker\)$/
    )
    expect(entries(result)).toEqual([
      { path: 'switch/big.md', action: 'skipped', resource_id: kept.id, reason },
      {
        path: 'switch/small.md',
        action: 'deleted',
        resource_id: asFiles['switch/small.md']!.id,
        reason: 'replaced by a free_text resource'
      },
      { path: 'switch/small.md', action: 'created', resource_id: expect.any(Number) }
    ])
    expect(result.stdout).toMatch(/^Skipped switch\/big\.md: kept as github_file: larger than/m)
    expect(pathRows(result.summary)[0]).toEqual([
      'Skipped',
      'switch/big.md',
      String(kept.id),
      expect.stringMatching(/^kept as github_file: larger than 256 KiB/)
    ])
  })

  it('a push that changes the kept file updates its github_file to the new commit, in place', async () => {
    const id = byPath()['switch/big.md']!.id
    const after = work.commit('grow', { 'switch/big.md': big('# Bigger') })
    work.push()
    const result = await run({
      with: { 'space-number': String(space), files, 'resource-type': 'free_text' },
      eventName: 'push',
      payload: pushPayload(before, after),
      sha: after
    })
    expectSuccess(result)
    expect(byPath()['switch/big.md']).toEqual({ id, type: 'github_file', sha: after })
    expect(entries(result)).toEqual([
      {
        path: 'switch/big.md',
        action: 'updated',
        resource_id: id,
        reason: expect.stringMatching(/^kept as github_file: larger than 256 KiB.*; file changed$/)
      }
    ])
  })

  it('free_text to github_file: a file neither type can hold is outdated, not replaced; kept when prune is false', async () => {
    const note = byPath()['switch/small.md']!
    expect(note.type).toBe('free_text')
    work.commit('binary', { 'switch/small.md': Buffer.from([0x23, 0x00, 0x01]) })
    work.push()
    const kept = await run({
      with: { 'space-number': String(space), files, prune: 'false' }
    })
    expectSuccess(kept)
    expect(writesOf(emu)).toEqual([])
    expect(byPath()['switch/small.md']).toEqual(note)
    expect(entries(kept).find(e => e.path === 'switch/small.md')).toEqual({
      path: 'switch/small.md',
      action: 'skipped',
      resource_id: note.id,
      reason:
        'binary file (contains a NUL byte); its resource is outdated, kept because prune is false'
    })
    expect(entries(kept).filter(e => e.path === 'switch/small.md')).toHaveLength(1)

    const pruned = await run({ with: { 'space-number': String(space), files } })
    expectSuccess(pruned)
    expect(byPath()['switch/small.md']).toBeUndefined()
    expect(entries(pruned).find(e => e.path === 'switch/small.md')).toEqual({
      path: 'switch/small.md',
      action: 'deleted',
      resource_id: note.id,
      reason: 'binary file (contains a NUL byte); its outdated resource is removed'
    })
  })
})
