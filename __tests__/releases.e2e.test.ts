/**
 * End to end, release-time refresh: with `release-notes: 2`, the notes of the last two published
 * releases are free_text resources of ours, kept current by release events and full reconciles.
 */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { Emulator, ReleaseRecord } from '../emulator/index.js'
import { runAction, type ActionRun } from '../scripts/runner.js'
import { expectSuccess, useEmulatedRepo } from './helpers/e2e.js'
import { cloneRepo, type TestRepo } from './helpers/git-repo.js'
import { ORG, REPO, TOKEN, writesOf } from './helpers/github.js'
import { pushPayload, repository } from './helpers/payloads.js'

const github = useEmulatedRepo()
let emu: Emulator
let work: TestRepo
let originUrl: string
let head: string
let space: number
let handMade: number

beforeAll(() => {
  ;({ emu, work, originUrl } = github)
  head = work.commit('docs', { 'docs/a.md': 'A\n' })
  work.push()
  space = emu.createSpace('org', ORG, { name: 'Releases' }).number
  // A note a person wrote, with the name the action gives v1.1.0's: never the action's to change.
  handMade = emu.addResource('org', ORG, space, {
    resource_type: 'free_text',
    metadata: { name: 'Release v1.1.0', text: 'What we said about 1.1 by hand' }
  }).id
})
afterEach(() => {
  expect(emu.resources('org', ORG, space).find(r => r.id === handMade)?.metadata.text).toBe(
    'What we said about 1.1 by hand'
  )
})

async function run(eventName: string, payload: Record<string, unknown>): Promise<ActionRun> {
  emu.clearLog()
  const result = await runAction({
    repository: `${ORG}/${REPO}`,
    apiUrl: emu.url,
    eventName,
    payload,
    sha: head,
    workspace: cloneRepo(originUrl, { depth: 1 }).dir,
    with: {
      token: TOKEN,
      'owner-type': 'org',
      'space-number': String(space),
      'write-interval': '0',
      'release-notes': '2',
      files: 'docs/**'
    }
  })
  expectSuccess(result)
  return result
}

/** The release as a `release` event's payload carries it. */
const event = (action: string, r: ReleaseRecord) => ({ action, release: r, repository })

/** The notes of ours in the Space: name → the text above the marker. */
function notes(): Record<string, string> {
  return Object.fromEntries(
    emu
      .resources('org', ORG, space)
      .filter(r => r.resource_type === 'free_text' && r.id !== handMade)
      .map(r => [r.metadata.name as string, (r.metadata.text as string).split('\n<!--')[0]!])
  )
}

describe('release-notes: 2', () => {
  let v1: ReleaseRecord
  let v11: ReleaseRecord
  let v12: ReleaseRecord

  it('a published release brings the notes of the last two published releases', async () => {
    v1 = emu.addRelease(ORG, REPO, {
      tag_name: 'v1.0.0',
      name: 'One',
      body: 'First.',
      published_at: '2026-01-01T10:00:00Z'
    })
    emu.addRelease(ORG, REPO, {
      tag_name: 'v1.1.0-rc.1',
      prerelease: true,
      published_at: '2026-01-15T10:00:00Z'
    })
    emu.addRelease(ORG, REPO, { tag_name: 'v2.0.0-draft', draft: true })
    v11 = emu.addRelease(ORG, REPO, {
      tag_name: 'v1.1.0',
      name: 'One point one',
      body: 'Second.',
      published_at: '2026-02-01T10:00:00Z'
    })
    const result = await run('release', event('published', v11))
    expect(notes()).toEqual({
      'Release v1.0.0': '# One\n\nTag: v1.0.0 · Published: 2026-01-01\n\nFirst.\n',
      'Release v1.1.0': '# One point one\n\nTag: v1.1.0 · Published: 2026-02-01\n\nSecond.\n'
    })
    expect(Number(result.outputs.created)).toBe(3)
    expect(result.summary).toContain('Release v1.1.0')
  })

  it('a third release pushes the oldest out', async () => {
    v12 = emu.addRelease(ORG, REPO, {
      tag_name: 'v1.2.0',
      body: 'Third.',
      published_at: '2026-03-01T10:00:00Z'
    })
    await run('release', event('published', v12))
    expect(Object.keys(notes()).sort()).toEqual(['Release v1.1.0', 'Release v1.2.0'])
    expect(notes()['Release v1.2.0']).toBe(
      '# v1.2.0\n\nTag: v1.2.0 · Published: 2026-03-01\n\nThird.\n'
    )
    const entries = JSON.parse((await run('workflow_dispatch', { repository })).outputs.resources!)
    expect(writesOf(emu)).toEqual([])
    expect(entries).toContainEqual(
      expect.objectContaining({ path: 'Release v1.2.0', action: 'unchanged' })
    )
  })

  it('an edited release updates its note, and only it', async () => {
    const edited = emu.updateRelease(ORG, REPO, v12.id, { body: 'Third, corrected.' })
    const result = await run('release', event('edited', edited))
    expect(notes()['Release v1.2.0']).toContain('Third, corrected.')
    expect(Number(result.outputs.updated)).toBe(1)
    expect(Number(result.outputs.created) + Number(result.outputs.deleted)).toBe(0)
  })

  it('a deleted release takes its note along, and the one before comes back', async () => {
    // The listing may still show a release the event says is deleted: the event wins.
    const result = await run('release', event('deleted', v12))
    expect(Object.keys(notes()).sort()).toEqual(['Release v1.0.0', 'Release v1.1.0'])
    expect(Number(result.outputs.deleted)).toBe(1)
    emu.deleteRelease(ORG, REPO, v12.id)
  })

  it('a full reconcile brings the notes to the last two releases from the listing alone', async () => {
    emu.deleteRelease(ORG, REPO, v1.id)
    const result = await run('schedule', { repository })
    expect(Object.keys(notes())).toEqual(['Release v1.1.0'])
    expect(Number(result.outputs.deleted)).toBe(1)
    expect(emu.requests.filter(r => r.route === '/repos/{owner}/{repo}/releases')).toHaveLength(1)
  })

  it('a push does not read the releases', async () => {
    const before = head
    head = work.commit('docs', { 'docs/a.md': 'A, edited\n' })
    work.push()
    await run('push', pushPayload(before, head))
    expect(emu.requests.some(r => r.route === '/repos/{owner}/{repo}/releases')).toBe(false)
    expect(Object.keys(notes())).toEqual(['Release v1.1.0'])
  })
})
