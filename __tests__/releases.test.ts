import { describe, expect, it } from '@jest/globals'
import { readMarker } from '../src/space/marker.js'
import { notePath, recogniseNote } from '../src/space/resource.js'
import { planNotes, wantedNotes, type ReleaseFacts } from '../src/sync/releases.js'

const release = (id: number, day: number, extra: Partial<ReleaseFacts> = {}): ReleaseFacts => ({
  id,
  tag_name: `v${id}`,
  name: `Release ${id}`,
  body: `Body ${id}`,
  draft: false,
  prerelease: false,
  published_at: `2026-01-${String(day).padStart(2, '0')}T00:00:00Z`,
  ...extra
})

describe('wantedNotes', () => {
  const listed = [
    release(1, 1),
    release(2, 2, { prerelease: true }),
    release(3, 3, { draft: true, published_at: null }),
    release(4, 4),
    release(5, 5)
  ]

  it('keeps the last n published releases, newest first, without drafts or prereleases', () => {
    expect(wantedNotes(listed, 2).map(n => n.releaseId)).toEqual([5, 4])
    expect(wantedNotes(listed, 10).map(n => n.releaseId)).toEqual([5, 4, 1])
    expect(wantedNotes(listed, 0)).toEqual([])
  })

  it("takes a release event's release as the event says", () => {
    expect(
      wantedNotes(listed, 2, { action: 'deleted', release: listed[4]! }).map(n => n.releaseId)
    ).toEqual([4, 1])
    const edited = { ...listed[3]!, body: 'New body' }
    expect(wantedNotes(listed, 2, { action: 'edited', release: edited })[1]!.text).toContain(
      'New body'
    )
    const fresh = release(6, 6)
    expect(wantedNotes(listed, 1, { action: 'published', release: fresh })[0]!.releaseId).toBe(6)
  })

  it("writes the release's name, tag, date and body", () => {
    const [note] = wantedNotes([release(7, 9, { name: null, body: null })], 1)
    expect(note).toMatchObject({
      name: 'Release v7',
      text: '# v7\n\nTag: v7 · Published: 2026-01-09\n'
    })
  })
})

describe('planNotes', () => {
  const [a, b] = wantedNotes([release(1, 1), release(2, 2)], 2)
  const owned = (releaseId: number, version: string, id: number, extra = {}) => ({
    id,
    releaseId,
    name: `Release v${releaseId}`,
    version,
    intact: true,
    ...extra
  })

  it('creates, keeps, updates and deletes by release', () => {
    const [newest, older] = [a!, b!]
    expect([newest.releaseId, older.releaseId]).toEqual([2, 1])
    const actions = planNotes(
      [newest, older],
      [
        owned(2, newest.version, 10),
        owned(1, 'an older text', 11),
        owned(9, 'x', 12),
        owned(2, newest.version, 13)
      ],
      42
    )
    const shown = actions.map(x => [x.kind, x.path, 'resourceId' in x ? x.resourceId : undefined])
    expect(shown).toEqual([
      ['delete', 'Release v2', 13],
      ['unchanged', 'Release v2', 10],
      ['update', 'Release v1', 11],
      ['delete', 'Release v9', 12]
    ])
    expect(planNotes([older], [], 42).map(x => x.kind)).toEqual(['create'])
  })

  it('writes a body whose marker makes the note ours, and never a file', () => {
    const [create] = planNotes([a!], [], 42)
    if (create?.kind !== 'create' || !create.body) throw new Error('expected a create with a body')
    const body = create.body as unknown as { metadata: { name: string; text: string } }
    expect(readMarker(body.metadata.text)).toMatchObject({
      repositoryId: 42,
      path: notePath(a!.releaseId),
      blobSha: a!.version,
      intact: true
    })
    const listed = { id: 5, resource_type: 'free_text', metadata: body.metadata }
    expect(recogniseNote(listed, 42)).toEqual({
      id: 5,
      releaseId: a!.releaseId,
      name: a!.name,
      version: a!.version,
      intact: true
    })
    expect(recogniseNote(listed, 43)).toBeUndefined()
  })

  it('restores a note edited in the Space', () => {
    const [action] = planNotes([a!], [owned(a!.releaseId, a!.version, 10, { intact: false })], 42)
    expect(action).toMatchObject({
      kind: 'update',
      reason: expect.stringContaining('edited in the Space')
    })
  })
})
