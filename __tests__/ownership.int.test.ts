/**
 * What is ours, what drifted, what cannot be synced: whole sync() runs in-process against the
 * emulator, with and without a checkout. Each test checks the Space afterwards and the requests
 * that were sent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { symlinkSync } from 'node:fs'
import { join } from 'node:path'

import { withMarker } from '../src/space/marker.js'
import { isCreatedResource, MAX_FREE_TEXT_BYTES } from '../src/space/resource.js'
import { createOrigin, removeRepos, type TestRepo } from './helpers/git-repo.js'
import { pushPayload } from './helpers/payloads.js'
import {
  isWrite,
  noCheckout,
  ORG,
  REPO_ID,
  runSync,
  harnessPerTest,
  type Harness
} from './helpers/sync-harness.js'

let origin: TestRepo
let work: TestRepo
/** docs/a.md, docs/b.md. */
let base: string
/** docs/a.md edited. */
let head: string

beforeAll(() => {
  const repos = createOrigin()
  origin = repos.origin
  work = repos.work
  base = work.commit('base', { 'docs/a.md': 'A\n', 'docs/b.md': 'B\n' })
  head = work.commit('edit a', { 'docs/a.md': 'A, edited\n' })
  work.push()
})
afterAll(removeRepos)

const start = harnessPerTest(() => ({ origin: origin.dir, workspace: work.dir, sha: head }))

const push = (before: string, after: string) => ({
  eventName: 'push',
  payload: pushPayload(before, after),
  sha: after
})

function seed(harness: Harness, resource_type: string, metadata: Record<string, unknown>) {
  return harness.emu.addResource('org', ORG, harness.space, { resource_type, metadata }).id
}

const space = (harness: Harness) => harness.emu.resources('org', ORG, harness.space)

describe('ownership', () => {
  it('a github_file whose path is written non-canonically is not ours: never deleted, counted as another', async () => {
    const harness = await start()
    const odd = ['/docs/b.md', 'docs//b.md', 'docs/./b.md', 'docs/../docs/b.md'].map(file_path =>
      seed(harness, 'github_file', { repository_id: REPO_ID, file_path, sha: base })
    )
    const run = await runSync(harness, { files: '**/*.md' })
    expect(run.error).toBeUndefined()
    expect(run.requests.filter(isWrite).map(e => `${e.method} ${e.path}`)).toEqual([
      `POST ${harness.resourcesPath}`,
      `POST ${harness.resourcesPath}`
    ])
    expect(run.result?.report.othersCount).toBe(4)
    const ids = space(harness).map(r => r.id)
    for (const id of odd) expect(ids).toContain(id)
    expect(
      space(harness)
        .filter(r => !odd.includes(r.id))
        .map(r => r.metadata.file_path)
        .sort()
    ).toEqual(['docs/a.md', 'docs/b.md'])
  })

  it('resources with null metadata, metadata of unexpected types or a null entry are left alone and counted', async () => {
    const harness = await start()
    const mine = seed(harness, 'github_file', {
      repository_id: REPO_ID,
      file_path: 'docs/a.md',
      sha: head
    })
    const listing = {
      resources: [
        ...space(harness),
        null,
        { id: 900, resource_type: 'github_file', metadata: null },
        { id: 901, resource_type: 'free_text', metadata: { name: 7, text: ['x'] } },
        {
          id: 902,
          resource_type: 'github_file',
          metadata: { repository_id: String(REPO_ID), file_path: 42 }
        },
        { id: 'x', resource_type: 'github_file', metadata: { repository_id: REPO_ID } },
        'not an object'
      ]
    }
    harness.emu.injectFault({
      method: 'GET',
      path: harness.resourcesPath,
      status: 200,
      body: listing
    })
    const run = await runSync(harness)
    expect(run.error).toBeUndefined()
    expect(run.result?.report.othersCount).toBe(6)
    // docs/a.md is current; only docs/b.md is created; nothing else is touched.
    expect(run.requests.filter(isWrite).map(e => e.method)).toEqual(['POST'])
    expect(space(harness).find(r => r.id === mine)).toBeDefined()
  })
})

describe('the resources listing', () => {
  it('is read to the end when GitHub answers in pages: no duplicates on any run', async () => {
    const harness = await start({ emulator: { resourcesPageSize: 2 } })
    for (let i = 0; i < 5; i++) {
      seed(harness, 'free_text', { name: `note ${i}`, text: 'hand-written' })
    }
    const first = await runSync(harness, { settings: { resourceType: 'free_text' } })
    expect(first.error).toBeUndefined()
    expect(
      first.requests.filter(e => e.method === 'GET' && e.path === harness.resourcesPath).length
    ).toBe(3)
    const second = await runSync(harness, { settings: { resourceType: 'free_text' } })
    expect(second.error).toBeUndefined()
    // Our two resources sit on the last page: a run reading page 1 only would create them again.
    expect(second.requests.filter(isWrite)).toEqual([])
    expect(second.outcomes.map(o => o.action)).toEqual(['unchanged', 'unchanged'])
    expect(second.result?.report.othersCount).toBe(5)
    expect(space(harness).length).toBe(7)
  })

  const broken: [string, Record<string, unknown>, RegExp][] = [
    ['invalid JSON', { rawBody: '{"resources": [' }, /a body that is not JSON/],
    ['an empty 200', { rawBody: '' }, /an empty body/],
    ['JSON without a list', { body: { resources: null } }, /without a "resources" list/]
  ]
  it.each(broken)(
    '%s stops the run before any write, naming the endpoint',
    async (_what, fault, said) => {
      const harness = await start()
      harness.emu.injectFault({ method: 'GET', path: harness.resourcesPath, status: 200, ...fault })
      const run = await runSync(harness)
      expect(run.requests.filter(isWrite)).toEqual([])
      expect(run.error?.message).toMatch(said)
      expect(run.error?.message).toContain(`GET ${harness.resourcesPath}`)
      expect(run.error?.message).not.toMatch(/not iterable|Cannot read/)
    }
  )

  it('a failed second page stops the run before any write', async () => {
    const harness = await start({ emulator: { resourcesPageSize: 1 } })
    seed(harness, 'github_file', { repository_id: REPO_ID, file_path: 'docs/a.md', sha: base })
    seed(harness, 'github_file', { repository_id: REPO_ID, file_path: 'docs/b.md', sha: base })
    harness.emu.injectFault({
      method: 'GET',
      path: harness.resourcesPath,
      nth: 2,
      status: 404,
      body: { message: 'Not Found' }
    })
    const run = await runSync(harness)
    expect(run.requests.filter(isWrite)).toEqual([])
    expect(run.error?.message).toContain('404')
  })
})

describe('drift', () => {
  it('a free_text of ours whose text a person edited (marker kept) is repaired by a full reconcile, once', async () => {
    const harness = await start()
    const first = await runSync(harness, { settings: { resourceType: 'free_text' } })
    expect(first.error).toBeUndefined()
    const a = space(harness).find(r => r.metadata.name === 'docs/a.md')!
    const original = a.metadata.text as string
    // A person edits the text in the web UI; the marker at its end stays.
    const edited = original.replace('A, edited', 'A, edited by hand in the Space')
    harness.emu.injectFault({
      method: 'GET',
      path: harness.resourcesPath,
      status: 200,
      body: {
        resources: space(harness).map(r =>
          r.id === a.id ? { ...r, metadata: { ...r.metadata, text: edited } } : r
        )
      }
    })
    const repair = await runSync(harness, { settings: { resourceType: 'free_text' } })
    expect(repair.error).toBeUndefined()
    expect(repair.requests.filter(isWrite).map(e => `${e.method} ${e.path}`)).toEqual([
      `PUT ${harness.resourcePath(a.id)}`
    ])
    expect(repair.outcomes.find(o => o.path === 'docs/a.md')?.reason).toBe(
      'text edited in the Space; restored from the file'
    )
    expect(space(harness).find(r => r.id === a.id)?.metadata.text).toBe(original)
    const again = await runSync(harness, { settings: { resourceType: 'free_text' } })
    expect(again.requests.filter(isWrite)).toEqual([])
  })

  it('two resources of ours for a path a push did not touch converge to one, keeping the current one', async () => {
    const harness = await start({ sha: head })
    const older = seed(harness, 'github_file', {
      repository_id: REPO_ID,
      file_path: 'docs/b.md',
      sha: '1'.repeat(40)
    })
    const current = seed(harness, 'github_file', {
      repository_id: REPO_ID,
      file_path: 'docs/b.md',
      sha: base
    })
    seed(harness, 'github_file', { repository_id: REPO_ID, file_path: 'docs/a.md', sha: base })
    const run = await runSync(harness, { ctx: push(base, head) })
    expect(run.error).toBeUndefined()
    const paths = space(harness).map(r => r.metadata.file_path)
    expect(paths.filter(p => p === 'docs/b.md')).toHaveLength(1)
    expect(space(harness).map(r => r.id)).toContain(current)
    expect(space(harness).map(r => r.id)).not.toContain(older)
    expect(run.outcomes.find(o => o.resourceId === older)).toMatchObject({
      action: 'deleted',
      reason: 'duplicate'
    })
  })

  it('with ownership: repository, a push leaves resources outside files to full reconciles, duplicates included', async () => {
    const harness = await start({ sha: head })
    const outside = [base, '1'.repeat(40)].map(sha =>
      seed(harness, 'github_file', { repository_id: REPO_ID, file_path: 'docs/b.md', sha })
    )
    seed(harness, 'github_file', { repository_id: REPO_ID, file_path: 'docs/a.md', sha: base })
    const settings = { ownership: 'repository' as const }
    const pushed = await runSync(harness, { files: 'docs/a.md', settings, ctx: push(base, head) })
    expect(pushed.error).toBeUndefined()
    expect(pushed.outcomes.map(o => `${o.action} ${o.path}`)).toEqual(['updated docs/a.md'])
    expect(space(harness).map(r => r.id)).toEqual(expect.arrayContaining(outside))

    const full = await runSync(harness, { files: 'docs/a.md', settings })
    expect(full.error).toBeUndefined()
    expect(full.outcomes.filter(o => o.action === 'deleted').map(o => o.resourceId)).toEqual(
      outside
    )
    expect(space(harness).map(r => r.metadata.file_path)).toEqual(['docs/a.md'])
  })

  it('a create whose answer was lost is recognised by its marker even when GitHub normalised the text', () => {
    const text = withMarker('Line   \r\nCafe\u0301\n', {
      repositoryId: REPO_ID,
      path: 'docs/a.md',
      blobSha: 'b1'
    })
    const sent = { resource_type: 'free_text' as const, metadata: { name: 'docs/a.md', text } }
    const stored = (t: string, path = 'docs/a.md') =>
      ({
        id: 1,
        resource_type: 'free_text',
        metadata: { name: path, text: t }
      }) as never
    const normalised = text.replace(/\r\n/g, '\n').replace(/ +\n/g, '\n').normalize('NFC')
    expect(isCreatedResource(sent, stored(normalised))).toBe(true)
    expect(isCreatedResource(sent, stored(normalised.replace('Line', 'Other line')))).toBe(false)
    expect(
      isCreatedResource(
        sent,
        stored(
          withMarker('Line\nCafé\n', { repositoryId: REPO_ID, path: 'docs/b.md', blobSha: 'b1' })
        )
      )
    ).toBe(false)
  })

  it('a retried create whose first attempt GitHub applied (and normalised) leaves one resource', async () => {
    // GitHub stores the text with CRLF line endings; the answer to the create is lost.
    const harness = await start({ emulator: { storeText: t => t.replace(/\r?\n/g, '\r\n') } })
    harness.emu.injectFault({
      method: 'POST',
      path: harness.resourcesPath,
      apply: true,
      reset: true
    })
    const run = await runSync(harness, {
      settings: { resourceType: 'free_text' },
      files: 'docs/a.md'
    })
    expect(run.error).toBeUndefined()
    expect(run.requests.filter(e => e.method === 'POST')).toHaveLength(1)
    expect(space(harness)).toHaveLength(1)
    expect(run.outcomes).toMatchObject([{ path: 'docs/a.md', action: 'created' }])
    // The stored (normalised) text still counts as the one written: nothing to repair.
    const again = await runSync(harness, {
      settings: { resourceType: 'free_text' },
      files: 'docs/a.md'
    })
    expect(again.requests.filter(isWrite)).toEqual([])
  })
})

describe('files that cannot be synced as they are', () => {
  it('a file that is not valid UTF-8 is skipped with that reason, for both resource types', async () => {
    const latin1 = work.commit('latin-1', { 'docs/latin1.md': Buffer.from('caf\xe9\n', 'latin1') })
    work.push()
    for (const resourceType of ['free_text', 'github_file'] as const) {
      const harness = await start({ sha: latin1 })
      const run = await runSync(harness, { settings: { resourceType }, files: 'docs/latin1.md' })
      expect(run.outcomes).toEqual([
        { path: 'docs/latin1.md', action: 'skipped', reason: 'not valid UTF-8' }
      ])
      expect(run.requests.filter(isWrite)).toEqual([])
    }
  })

  it('the free_text size limit applies to what is sent, marker included', async () => {
    const exact = 'x'.repeat(MAX_FREE_TEXT_BYTES - 1) + '\n'
    const fits = 'y'.repeat(MAX_FREE_TEXT_BYTES - 1024) + '\n'
    const sha = work.commit('sizes', { 'big/exact.md': exact, 'big/fits.md': fits })
    work.push()
    const harness = await start({ sha })
    const run = await runSync(harness, {
      settings: { resourceType: 'free_text' },
      files: 'big/*.md'
    })
    expect(run.outcomes.map(o => [o.path, o.action])).toEqual([
      ['big/exact.md', 'skipped'],
      ['big/fits.md', 'created']
    ])
    expect(run.outcomes[0]?.reason).toMatch(/larger than 256 KiB.*with the marker/)
    for (const e of run.requests.filter(isWrite)) {
      const text = (e.requestBody as { metadata: { text: string } }).metadata.text
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_FREE_TEXT_BYTES)
    }
  })

  it('without a checkout, a symbolic link pushed in scope is skipped as one, its target never read', async () => {
    symlinkSync('/etc/passwd', join(work.dir, 'docs/link.md'))
    const before = work.rev()
    const after = work.commit('link')
    work.push()
    for (const resourceType of ['free_text', 'github_file'] as const) {
      const harness = await start({ sha: after, workspace: noCheckout() })
      const run = await runSync(harness, { settings: { resourceType }, ctx: push(before, after) })
      expect(run.error).toBeUndefined()
      expect(run.outcomes).toEqual([
        { path: 'docs/link.md', action: 'skipped', reason: 'symbolic link' }
      ])
      expect(run.requests.filter(e => e.path.includes('/git/blobs/'))).toEqual([])
      expect(run.requests.filter(isWrite)).toEqual([])
    }
    work.commit('unlink', { 'docs/link.md': null })
    work.push()
  })
})

describe('globs at run time', () => {
  it('a full reconcile whose globs match no file in the repository warns, naming files', async () => {
    const harness = await start()
    const run = await runSync(harness, { files: 'handbook/**/*.md\n!docs/**' })
    expect(run.error).toBeUndefined()
    expect(run.outcomes).toEqual([])
    expect(run.log.filter(l => l.startsWith('::warning::'))).toEqual([
      expect.stringMatching(
        /^::warning::Input 'files' matches none of the \d+ files at [0-9a-f]{7} \(patterns: handbook\/\*\*\/\*\.md, !docs\/\*\*\)/
      )
    ])
    const matching = await runSync(harness, { files: 'docs/**' })
    expect(matching.log.filter(l => l.startsWith('::warning::'))).toEqual([])
  })
})

describe('a login GitHub does not know', () => {
  it("with an api-url that is not GitHub's default, the error says api-url may be wrong", async () => {
    const harness = await start()
    const run = await runSync(harness, { settings: { ownerType: 'auto', owner: 'no-such-owner' } })
    expect(run.requests.filter(isWrite)).toEqual([])
    expect(run.error?.message).toMatch(
      /^Input 'owner': GitHub has no organization or user named "no-such-owner"/
    )
    expect(run.error?.message).toContain(
      `Input 'api-url' is "${harness.emu.url}", not GitHub's default`
    )
    expect(run.error?.message).toContain('https://HOST/api/v3')
  })
})
