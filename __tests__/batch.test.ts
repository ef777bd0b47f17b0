/**
 * Batched writes: how a run's writes are cut into Set Space requests, what an answer shows of a
 * batch, and `applyPlan` with `batchSize` against the emulator, including the answers GitHub's
 * documentation does not promise (a Set Space that replaces, ignores `_destroy` or answers
 * without the resources), a 422 for one bad entry, and an answer lost after GitHub applied it.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { Emulator, EmulatorOptions, ResourceRecord } from '../emulator/index.js'
import type { SpaceRef, SpaceResource } from '../src/github/client.js'
import { createClient, listingOf } from '../src/github/client.js'
import { explainApiError } from '../src/github/errors.js'
import { isCreatedResource, isUpdatedResource } from '../src/space/resource.js'
import { applyPlan, type ApplyOptions } from '../src/sync/apply.js'
import { checkBatch, cutBatches, FIRST_BATCH, type Write } from '../src/sync/batch.js'
import { expectConforming, ORG, startGitHub, TOKEN, writesOf } from './helpers/github.js'

const REPO_ID = 7
const file = (path: string, sha = 'a'.repeat(40)) => ({
  resource_type: 'github_file' as const,
  metadata: { repository_id: REPO_ID, file_path: path, sha }
})
const create = (path: string): Write => ({ kind: 'create', path, blobSha: 'x', body: file(path) })
const update = (path: string, resourceId: number, sha = 'b'.repeat(40)): Write => ({
  kind: 'update',
  path,
  blobSha: 'y',
  resourceId,
  reason: 'file changed',
  body: file(path, sha)
})
const remove = (path: string, resourceId: number): Write => ({
  kind: 'delete',
  path,
  resourceId,
  reason: 'file removed'
})
const is = { created: isCreatedResource, updated: isUpdatedResource }
const listed = (id: number, body: { resource_type: string; metadata: object }) =>
  ({ id, ...body, created_at: '', updated_at: '' }) as unknown as SpaceResource

describe('cutBatches', () => {
  const creates = (n: number) => Array.from({ length: n }, (_, i) => create(`f${i}.md`))

  it('starts small, then fills batches up to the size', () => {
    expect(cutBatches(creates(25), 10).map(b => b.length)).toEqual([10, 10, 5])
    expect(cutBatches(creates(250), 100).map(b => b.length)).toEqual([FIRST_BATCH, 100, 100, 40])
    expect(cutBatches(creates(3), 100).map(b => b.length)).toEqual([3])
    expect(cutBatches(creates(3), 1).map(b => b.length)).toEqual([1, 1, 1])
    expect(cutBatches([], 100)).toEqual([])
  })

  it('keeps the writes in order, and a batch within the byte budget', () => {
    const writes = creates(30)
    const batches = cutBatches(writes, 100, 1000)
    expect(batches.flat()).toEqual(writes)
    for (const b of batches) {
      expect(JSON.stringify(b.map(w => ('body' in w ? w.body : w))).length).toBeLessThanOrEqual(
        1000
      )
    }
    expect(batches.length).toBeGreaterThan(3)
  })

  it('a write larger than the budget goes alone', () => {
    const big: Write = {
      kind: 'create',
      path: 'big.md',
      blobSha: 'x',
      body: { resource_type: 'free_text', metadata: { name: 'big', text: 'x'.repeat(5000) } }
    }
    const batches = cutBatches([create('a.md'), big, create('b.md')], 100, 1000)
    expect(batches.map(b => b.map(w => w.path))).toEqual([['a.md'], ['big.md'], ['b.md']])
  })
})

describe('checkBatch', () => {
  const other = listed(1, { resource_type: 'free_text', metadata: { name: 'n', text: 't' } })
  const mine = listed(2, file('a.md'))
  const gone = listed(3, file('b.md'))
  const before = new Map([other, mine, gone].map(r => [r.id, r]))

  it('sees each entry applied, with the id holding it', () => {
    const batch = [update('a.md', 2), remove('b.md', 3), create('c.md'), create('d.md')]
    const after = [
      other,
      listed(2, file('a.md', 'b'.repeat(40))),
      listed(11, file('d.md')),
      listed(10, file('c.md'))
    ]
    const check = checkBatch(before, batch, after, is)
    expect([...check.applied].map(([w, id]) => [w.path, id])).toEqual([
      ['a.md', 2],
      ['b.md', undefined],
      ['c.md', 10],
      ['d.md', 11]
    ])
    expect(check.notApplied).toEqual([])
    expect(check.vanished).toEqual([])
  })

  it('names what did not take effect and what went unnamed', () => {
    const batch = [update('a.md', 2), remove('b.md', 3), create('c.md'), create('c.md')]
    // The update left the old commit, the delete left the resource, one create of two
    // happened (a resource that was there before never counts as created), and the resource
    // nobody named is gone.
    const after = [mine, gone, listed(10, file('c.md'))]
    const check = checkBatch(new Map([...before, [9, listed(9, file('c.md'))]]), batch, after, is)
    expect(check.notApplied.map(w => w.kind)).toEqual(['update', 'delete', 'create'])
    expect(check.vanished.map(r => r.id)).toEqual([1, 9])
  })
})

let emu: Emulator | undefined
afterEach(async () => {
  await emu?.close()
  emu = undefined
})

interface Setup {
  space: SpaceRef
  seed: (body: { resource_type: string; metadata: Record<string, unknown> }) => ResourceRecord
  options: (batchSize: number, extra?: Partial<ApplyOptions>) => ApplyOptions
  lines: string[]
  warnings: string[]
  writes: () => string[]
}

async function setup(emulator: EmulatorOptions = {}): Promise<Setup> {
  emu = await startGitHub(emulator)
  const e = emu
  const space: SpaceRef = {
    ownerType: 'org',
    owner: ORG,
    number: e.createSpace('org', ORG, { name: 'A' }).number
  }
  const lines: string[] = []
  const warnings: string[] = []
  const client = createClient({
    baseUrl: e.url,
    token: TOKEN,
    isCreated: isCreatedResource,
    isUpdated: isUpdatedResource,
    policy: { writeIntervalMs: 0, faultBaseMs: 1, log: line => lines.push(line), random: () => 0 }
  })
  return {
    space,
    seed: body => e.addResource('org', ORG, space.number, body),
    options: (batchSize, extra = {}) => ({
      client,
      space,
      dryRun: false,
      log: line => lines.push(line),
      explain: error => explainApiError(error, space),
      batchSize,
      listing: listingOf(e.resources('org', ORG, space.number) as unknown as SpaceResource[]),
      warn: message => warnings.push(message),
      ...extra
    }),
    lines,
    warnings,
    writes: () =>
      e.requests
        .filter(r => r.method !== 'GET')
        .map(r => `${r.method} ${r.route?.split('/').pop()} ${r.status}`)
  }
}

const paths = (e: Emulator, s: SpaceRef) =>
  e
    .resources('org', ORG, s.number)
    .map(r => String(r.metadata.file_path ?? r.metadata.name ?? `issue #${r.metadata.number}`))
    .sort()

describe('applyPlan with batches', () => {
  it('sends creates, updates and deletes in Set Space batches, and reports each outcome', async () => {
    const s = await setup()
    const note = s.seed({ resource_type: 'free_text', metadata: { name: 'by hand', text: 't' } })
    const edited = [0, 1, 2].map(i => s.seed(file(`e${i}.md`)).id)
    const removed = [0, 1].map(i => s.seed(file(`r${i}.md`)).id)
    emu?.clearLog()
    const actions: Write[] = [
      ...Array.from({ length: 12 }, (_, i) => create(`n${String(i).padStart(2, '0')}.md`)),
      ...edited.map((id, i) => update(`e${i}.md`, id)),
      ...removed.map((id, i) => remove(`r${i}.md`, id))
    ]
    const outcomes = await applyPlan(actions, s.options(10))

    // Updates, creates, deletes: 17 writes in a first batch of 10 and one of 7, nothing else.
    expect(s.writes()).toEqual(['PUT {space_number} 200', 'PUT {space_number} 200'])
    expect(emu?.requests.filter(r => r.method === 'GET')).toEqual([])
    const stored = emu?.resources('org', ORG, s.space.number) ?? []
    expect(paths(emu as Emulator, s.space)).toEqual(
      [
        'by hand',
        'e0.md',
        'e1.md',
        'e2.md',
        ...Array.from({ length: 12 }, (_, i) => `n${String(i).padStart(2, '0')}.md`)
      ].sort()
    )
    expect(stored.find(r => r.id === note.id)).toEqual(note)
    expect(stored.filter(r => edited.includes(r.id)).map(r => r.metadata.sha)).toEqual(
      Array(3).fill('b'.repeat(40))
    )
    for (const [i, o] of outcomes.entries()) {
      const a = actions[i] as Write
      expect(o.action).toBe({ create: 'created', update: 'updated', delete: 'deleted' }[a.kind])
      if (a.kind === 'create') {
        expect(stored.find(r => r.id === o.resourceId)?.metadata.file_path).toBe(a.path)
      }
    }
    expect(s.warnings).toEqual([])
    expectConforming(emu as Emulator)
  })

  it('a 422 is split until the refused entry stands alone; it fails with its path and the rest are applied', async () => {
    const s = await setup()
    const bad: Write = {
      kind: 'create',
      path: 'bad.md',
      blobSha: 'x',
      body: { resource_type: 'free_text', metadata: { name: '   ', text: 't' } }
    }
    const actions = Array.from({ length: 8 }, (_, i) => (i === 5 ? bad : create(`f${i}.md`)))
    const outcomes = await applyPlan(actions, s.options(10))
    expect(s.writes()).toEqual([
      'PUT {space_number} 422',
      'PUT {space_number} 200',
      'PUT {space_number} 422',
      'PUT {space_number} 422',
      'POST resources 201',
      'POST resources 422',
      'PUT {space_number} 200'
    ])
    expect(outcomes.map(o => o.action)).toEqual([
      ...Array(5).fill('created'),
      'failed',
      'created',
      'created'
    ])
    expect(outcomes[5]?.reason).toMatch(/resources answered 422: Validation Failed/)
    expect(paths(emu as Emulator, s.space)).toEqual([
      'f0.md',
      'f1.md',
      'f2.md',
      'f3.md',
      'f4.md',
      'f6.md',
      'f7.md'
    ])
    expect(s.lines).toContain(
      'A batch of 8 was refused (422): splitting it to find the entries GitHub refuses.'
    )
  })

  it('a Set Space that also deletes what it was not told to: batching stops, the rest is restored and written one by one', async () => {
    const s = await setup({ nestedAttributes: 'replace' })
    const note = s.seed({ resource_type: 'free_text', metadata: { name: 'by hand', text: 't' } })
    const issue = s.seed({
      resource_type: 'github_issue',
      metadata: { repository_id: 9, number: 4 }
    })
    const media = s.seed({ resource_type: 'media_content', metadata: { name: 'diagram.png' } })
    const kept = Array.from({ length: 6 }, (_, i) => s.seed(file(`k${i}.md`)))
    const edited = s.seed(file('e.md'))
    emu?.clearLog()
    const actions = [
      update('e.md', edited.id),
      ...Array.from({ length: 14 }, (_, i) => create(`n${i}.md`))
    ]
    const outcomes = await applyPlan(actions, s.options(100))

    expect(outcomes.map(o => o.action)).toEqual(['updated', ...Array(14).fill('created')])
    const stored = emu?.resources('org', ORG, s.space.number) ?? []
    // Everything the first batch (10 writes) wiped out is back, but the media, which the API
    // cannot create; the last 5 creates went one request each.
    expect(paths(emu as Emulator, s.space)).toEqual(
      [
        'by hand',
        'e.md',
        'issue #4',
        ...kept.map(r => String(r.metadata.file_path)),
        ...Array.from({ length: 14 }, (_, i) => `n${i}.md`)
      ].sort()
    )
    expect(
      stored.some(
        r => r.resource_type === 'github_issue' && r.metadata.number === issue.metadata.number
      )
    ).toBe(true)
    expect(stored.some(r => r.id === media.id || r.resource_type === 'media_content')).toBe(false)
    expect(stored.some(r => r.id === note.id)).toBe(false)
    const writes = s.writes()
    expect(writes[0]).toBe('PUT {space_number} 200')
    expect(writes.slice(1)).toEqual(Array(8 + 5).fill('POST resources 201'))
    expect(s.warnings).toHaveLength(1)
    expect(s.warnings[0]).toMatch(
      /^Set Space did not behave as documented, so batching stopped for this run/
    )
    expect(s.warnings[0]).toContain(
      '9 resource(s) the batch did not name disappeared; 8 restored from the listing read at the start, 1 could not be (resource ' +
        `${media.id}): add them again in the Space.`
    )
    expect(s.lines).toContain(
      `Restored resource ${note.id} (free_text) as resource ${stored.find(r => r.metadata.name === 'by hand')?.id}.`
    )
  })

  it('a Set Space that ignores _destroy: the deletes are sent again one by one', async () => {
    const s = await setup({ nestedAttributes: 'ignore-destroy' })
    const old = [0, 1, 2].map(i => s.seed(file(`old${i}.md`)).id)
    emu?.clearLog()
    const actions = [
      create('a.md'),
      create('b.md'),
      ...old.map((id, i) => remove(`old${i}.md`, id))
    ]
    const outcomes = await applyPlan(actions, s.options(100))
    expect(outcomes.map(o => o.action)).toEqual([
      'created',
      'created',
      'deleted',
      'deleted',
      'deleted'
    ])
    expect(paths(emu as Emulator, s.space)).toEqual(['a.md', 'b.md'])
    expect(s.writes()).toEqual([
      'PUT {space_number} 200',
      'DELETE {space_resource_id} 204',
      'DELETE {space_resource_id} 204',
      'DELETE {space_resource_id} 204'
    ])
    expect(s.warnings[0]).toContain(
      '3 change(s) the batch named did not take effect (first: old0.md); they are sent again one at a time.'
    )
  })

  it('an answer without the resources is checked against a read-back, and batching goes on', async () => {
    const s = await setup({ nestedAttributes: 'terse' })
    const actions = Array.from({ length: 15 }, (_, i) => create(`f${i}.md`))
    const outcomes = await applyPlan(actions, s.options(10))
    expect(outcomes.every(o => o.action === 'created' && o.resourceId !== undefined)).toBe(true)
    expect(emu?.requests.map(r => `${r.method} ${r.route?.split('/').pop()}`)).toEqual([
      'PUT {space_number}',
      'GET resources',
      'PUT {space_number}',
      'GET resources'
    ])
    expect(s.warnings).toEqual([])
  })

  it('a batch whose answer was lost after GitHub applied it is read back, not sent again', async () => {
    const s = await setup()
    emu?.injectFault({ method: 'PUT', status: 502, apply: true })
    const actions = Array.from({ length: 4 }, (_, i) => create(`f${i}.md`))
    const outcomes = await applyPlan(actions, s.options(10))
    expect(outcomes.map(o => o.action)).toEqual(Array(4).fill('created'))
    expect(paths(emu as Emulator, s.space)).toEqual(['f0.md', 'f1.md', 'f2.md', 'f3.md'])
    expect(emu?.requests.map(r => `${r.method} ${r.status}`)).toEqual(['PUT 502', 'GET 200'])
    expect(s.warnings).toEqual([])
  })

  it('a batch whose answer was lost before GitHub applied it is read back, then sent once more', async () => {
    const s = await setup()
    emu?.injectFault({ method: 'PUT', status: 502 })
    const actions = Array.from({ length: 4 }, (_, i) => create(`f${i}.md`))
    const outcomes = await applyPlan(actions, s.options(10))
    expect(outcomes.map(o => o.action)).toEqual(Array(4).fill('created'))
    expect(paths(emu as Emulator, s.space)).toEqual(['f0.md', 'f1.md', 'f2.md', 'f3.md'])
    expect(emu?.requests.map(r => `${r.method} ${r.status}`)).toEqual([
      'PUT 502',
      'GET 200',
      'PUT 200'
    ])
  })

  it('another failure fails every entry of its batch, and the next batch still goes', async () => {
    const s = await setup()
    emu?.injectFault({ method: 'PUT', status: 403, body: { message: 'Forbidden' } })
    const actions = Array.from({ length: 13 }, (_, i) =>
      create(`f${String(i).padStart(2, '0')}.md`)
    )
    const outcomes = await applyPlan(actions, s.options(10))
    expect(outcomes.map(o => o.action)).toEqual([
      ...Array(10).fill('failed'),
      ...Array(3).fill('created')
    ])
    expect(outcomes[0]?.reason).toMatch(/answered 403: Forbidden/)
    expect(paths(emu as Emulator, s.space)).toEqual(['f10.md', 'f11.md', 'f12.md'])
  })

  it('a refusal of the token (a 403 naming a permission) fails its batch, and the next is not sent', async () => {
    const s = await setup()
    emu?.injectFault({ method: 'PUT', status: 403, body: { message: 'Must have admin rights' } })
    const actions = Array.from({ length: 13 }, (_, i) =>
      create(`f${String(i).padStart(2, '0')}.md`)
    )
    const outcomes = await applyPlan(actions, s.options(10))
    expect(outcomes.map(o => o.action)).toEqual([
      ...Array(10).fill('failed'),
      ...Array(3).fill('not-sent')
    ])
    expect(outcomes[0]?.reason).toMatch(/answered 403: Must have admin rights/)
    expect(writesOf(emu as Emulator)).toHaveLength(1)
    expect(paths(emu as Emulator, s.space)).toEqual([])
  })
})
