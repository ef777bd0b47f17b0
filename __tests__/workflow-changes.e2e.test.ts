/**
 * End to end, what a team changes once the workflow runs: `resource-type` switched on files the
 * new type cannot hold. Each test checks the Space afterwards, the requests
 * sent, the outputs and the job summary.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../emulator/index.js'
import { runAction, type ActionRun } from '../scripts/runner.js'
import { MAX_FREE_TEXT_BYTES } from '../src/space/resource.js'
import { expectSuccess, useEmulatedRepo } from './helpers/e2e.js'
import { cloneRepo, type TestRepo } from './helpers/git-repo.js'
import { ORG, REPO, TOKEN, writesOf } from './helpers/github.js'
import { pushPayload, repository } from './helpers/payloads.js'
import { pathRows } from './helpers/report.js'

const github = useEmulatedRepo()
let emu: Emulator
let work: TestRepo
let originUrl: string

beforeAll(() => {
  ;({ emu, work, originUrl } = github)
})

interface Step {
  with: Record<string, string>
  eventName?: string
  payload?: Record<string, unknown>
  sha?: string
  githubToken?: string
}

async function run(step: Step): Promise<ActionRun> {
  emu.clearLog()
  return runAction({
    repository: `${ORG}/${REPO}`,
    apiUrl: emu.url,
    eventName: step.eventName ?? 'workflow_dispatch',
    payload: step.payload ?? { repository },
    sha: step.sha ?? work.rev(),
    workspace: cloneRepo(originUrl, { depth: 1 }).dir,
    githubToken: step.githubToken,
    with: { token: TOKEN, 'owner-type': 'org', 'write-interval': '0', ...step.with }
  })
}

interface Entry {
  path: string
  action: string
  resource_id: number | null
  reason?: string
}

const entries = (result: ActionRun) => JSON.parse(result.outputs.resources!) as Entry[]

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
    expect(result.stdout).toMatch(/skip {6}switch\/big\.md \(kept as github_file: larger than/)
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
