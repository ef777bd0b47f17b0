/**
 * `pin: false`: github_file resources sent without a commit, as the web UI adds them, so GitHub
 * serves the default branch's latest version. Only additions, removals and renames are written;
 * a push that only edits files sends no request; switching `pin` converts our resources on the
 * next full reconcile; a run for another ref fails before any write.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readSettings } from '../src/run/inputs.js'
import { createOrigin, removeRepos, type TestRepo } from './helpers/git-repo.js'
import { pushPayload, repository } from './helpers/payloads.js'
import {
  isWrite,
  ORG,
  REPO_ID,
  runSync,
  harnessPerTest,
  type Harness,
  type SyncInput
} from './helpers/sync-harness.js'

let work: TestRepo
let originDir: string
/** docs/a.md, docs/b.md, docs/c.md. */
let base: string
/** a.md and b.md edited. */
let edited: string
/** b.md renamed to docs/moved/b.md, c.md deleted, d.md added. */
let reshaped: string

beforeAll(() => {
  const repos = createOrigin()
  work = repos.work
  originDir = repos.origin.dir
  base = work.commit('base', { 'docs/a.md': 'A\n', 'docs/b.md': 'B\n', 'docs/c.md': 'C\n' })
  edited = work.commit('edit', { 'docs/a.md': 'A, edited\n', 'docs/b.md': 'B, edited\n' })
  work.move('docs/b.md', 'docs/moved/b.md')
  reshaped = work.commit('reshape', { 'docs/c.md': null, 'docs/d.md': 'D\n' })
  work.push()
})
afterAll(removeRepos)

const start = harnessPerTest(() => ({ origin: originDir, workspace: work.dir, sha: base }))

const onMain = { ref: 'refs/heads/main' }
const unpinned = (extra: SyncInput = {}): SyncInput => ({
  ...extra,
  settings: { pin: false, ...extra.settings },
  ctx: { ...onMain, ...extra.ctx }
})
// A real push payload names the default branch in its repository.
const push = (before: string, after: string) => ({
  eventName: 'push',
  payload: pushPayload(before, after, { repository: { ...repository, default_branch: 'main' } }),
  sha: after,
  ...onMain
})
const space = (harness: Harness) =>
  harness.emu
    .resources('org', ORG, harness.space)
    .map(r => ({ path: r.metadata.file_path, sha: r.metadata.sha }))
    .sort((a, b) => String(a.path).localeCompare(String(b.path)))

describe('pin: false', () => {
  it('creates github_file resources without a commit, and a second run writes nothing', async () => {
    const harness = await start()
    const first = await runSync(harness, unpinned())
    expect(first.error).toBeUndefined()
    expect(space(harness)).toEqual([
      { path: 'docs/a.md', sha: undefined },
      { path: 'docs/b.md', sha: undefined },
      { path: 'docs/c.md', sha: undefined }
    ])
    for (const e of first.requests.filter(isWrite)) {
      expect(Object.keys((e.requestBody as { metadata: object }).metadata).sort()).toEqual([
        'file_path',
        'repository_id'
      ])
    }
    const again = await runSync(harness, unpinned())
    expect(again.requests.filter(isWrite)).toEqual([])
  })

  it('a push that only edits files in scope sends no request at all', async () => {
    const harness = await start({ sha: edited })
    await runSync(harness, unpinned({ ctx: { sha: base } }))
    const run = await runSync(harness, unpinned({ ctx: push(base, edited) }))
    expect(run.error).toBeUndefined()
    expect(run.requests).toEqual([])
    expect(run.log).toContain(
      "None of the 2 changed path(s) adds, removes or renames a path that matches files, and pin is false (GitHub serves an edited file's latest version by itself): nothing to sync."
    )
  })

  it('a push that adds, removes and renames writes exactly those, unpinned', async () => {
    const harness = await start({ sha: reshaped })
    await runSync(harness, unpinned({ ctx: { sha: edited } }))
    const run = await runSync(harness, unpinned({ ctx: push(edited, reshaped) }))
    expect(run.error).toBeUndefined()
    expect(run.outcomes.map(o => [o.path, o.action])).toEqual([
      ['docs/c.md', 'deleted'],
      ['docs/d.md', 'created'],
      ['docs/moved/b.md', 'updated']
    ])
    expect(run.requests.filter(isWrite)).toHaveLength(3)
    expect(space(harness)).toEqual([
      { path: 'docs/a.md', sha: undefined },
      { path: 'docs/d.md', sha: undefined },
      { path: 'docs/moved/b.md', sha: undefined }
    ])
  })

  it('switching pin converts our resources on the next full reconcile, both ways', async () => {
    const harness = await start()
    await runSync(harness, { ctx: onMain })
    expect(space(harness).map(r => r.sha)).toEqual([base, base, base])

    const toUnpinned = await runSync(harness, unpinned())
    expect(toUnpinned.outcomes.map(o => [o.action, o.reason])).toEqual(
      Array(3).fill(['updated', 'pin is false: follows the default branch'])
    )
    expect(space(harness).map(r => r.sha)).toEqual([undefined, undefined, undefined])

    const toPinned = await runSync(harness, { ctx: onMain })
    expect(toPinned.outcomes.map(o => [o.action, o.reason])).toEqual(
      Array(3).fill(['updated', 'pin is true: pinned at the synced commit'])
    )
    expect(space(harness).map(r => r.sha)).toEqual([base, base, base])
    expect(toPinned.requests.filter(e => e.method === 'PUT')).toHaveLength(3)
  })

  it('a run for another branch fails before any write, naming pin, the ref and the default branch', async () => {
    const harness = await start()
    const run = await runSync(harness, unpinned({ ctx: { ref: 'refs/heads/feature' } }))
    expect(run.requests.filter(isWrite)).toEqual([])
    expect(run.error?.message).toMatch(
      /^Input 'pin' is false, which syncs files that follow the default branch \(main\), but this run is for "refs\/heads\/feature"/
    )
    expect(run.error?.message).toContain('Nothing was written.')
    expect(harness.emu.resources('org', ORG, harness.space)).toEqual([])
  })

  it('a preview for another ref only warns', async () => {
    const harness = await start()
    const run = await runSync(
      harness,
      unpinned({ settings: { dryRun: true }, ctx: { ref: 'refs/tags/v1' } })
    )
    expect(run.error).toBeUndefined()
    expect(run.requests.filter(isWrite)).toEqual([])
    expect(run.log.filter(l => l.startsWith("::warning::Input 'pin' is false"))).toHaveLength(1)
    expect(run.outcomes.map(o => o.action)).toEqual(['created', 'created', 'created'])
  })

  it('takes the default branch from the push payload when it names one (no repository request)', async () => {
    const harness = await start({ sha: edited })
    await runSync(harness, unpinned({ ctx: { sha: base } }))
    const payload = pushPayload(base, edited, {
      repository: { id: REPO_ID, default_branch: 'trunk' }
    })
    const run = await runSync(harness, {
      settings: { pin: false },
      ctx: { eventName: 'push', payload, sha: edited, ref: 'refs/heads/trunk' }
    })
    expect(run.error).toBeUndefined()
    expect(run.requests).toEqual([])
  })
})

describe('the pin input', () => {
  const read = (inputs: Record<string, string>) => (name: string) =>
    ({ token: 't0ken', owner: 'octo-org', 'space-number': '3', ...inputs })[name] ?? ''
  it('defaults to true, accepts false, and refuses anything else naming pin', () => {
    const mask = () => {}
    expect(readSettings(read({}), mask).pin).toBe(true)
    expect(readSettings(read({ pin: 'false' }), mask).pin).toBe(false)
    expect(() => readSettings(read({ pin: 'no' }), mask)).toThrow(
      "Input 'pin' must be 'true' or 'false'; got \"no\"."
    )
  })
  it('warns that it is ignored for free_text', () => {
    const settings = readSettings(read({ pin: 'false', 'resource-type': 'free_text' }), () => {})
    expect(settings.warnings).toEqual([
      "Input 'pin' (false) is ignored: it is about github_file resources, and 'resource-type' is free_text (a free_text resource holds the file's text as synced)."
    ])
  })
})
