/**
 * Release notes as `free_text` resources: the notes of the last N published releases (drafts and
 * prereleases left out), each named `Release <tag>` and holding the release's name, tag, date and
 * body above the ownership marker. The marker's path, `/releases/<id>`, can never be a file's
 * (a repository path never starts with `/`), so a note is never taken for a file's resource, and
 * a hand-made note that shares a name is never ours.
 */
import { createHash } from 'node:crypto'
import { withMarker } from '../space/marker.js'
import { notePath, type OwnedNote } from '../space/resource.js'
import { unchanged, type PlannedAction } from './plan.js'

/** What a note is made from: a release as the releases listing or a `release` event gives it. */
export interface ReleaseFacts {
  id: number
  tag_name: string
  name?: string | null
  body?: string | null
  draft: boolean
  prerelease: boolean
  published_at: string | null
}

export interface WantedNote {
  releaseId: number
  /** The resource's name, `Release <tag>`; also the plan's "path" for the note. */
  name: string
  text: string
  /** A hash of the text, kept in the marker: an unchanged release needs no write. */
  version: string
}

/** The events whose release is gone from the published ones, and those that (re)publish it. */
const REMOVING = new Set(['deleted', 'unpublished'])
const PUBLISHING = new Set(['published', 'edited', 'released', 'created', 'prereleased'])

/**
 * The notes of the last `n` published releases, newest first. A `release` event's release is
 * taken as the event says (the listing may not show it yet, or still show a deleted one).
 */
export function wantedNotes(
  listed: readonly ReleaseFacts[],
  n: number,
  event?: { action?: unknown; release?: ReleaseFacts }
): WantedNote[] {
  const byId = new Map(listed.map(r => [r.id, r]))
  const release = event?.release
  if (release && typeof event.action === 'string') {
    if (REMOVING.has(event.action)) byId.delete(release.id)
    else if (PUBLISHING.has(event.action)) byId.set(release.id, release)
  }
  return [...byId.values()]
    .filter(r => !r.draft && !r.prerelease && r.published_at)
    .sort((a, b) =>
      a.published_at === b.published_at ? b.id - a.id : a.published_at! < b.published_at! ? 1 : -1
    )
    .slice(0, n)
    .map(note)
}

function note(r: ReleaseFacts): WantedNote {
  const title = r.name?.trim() || r.tag_name
  const date = r.published_at!.slice(0, 10)
  const body = r.body?.trim() ?? ''
  const text = `# ${title}\n\nTag: ${r.tag_name} · Published: ${date}\n${body ? `\n${body}\n` : ''}`
  const version = createHash('sha1').update(text, 'utf8').digest('hex')
  return { releaseId: r.id, name: `Release ${r.tag_name}`, text, version }
}

/**
 * One decision per note: create the notes of wanted releases without one of ours, update those
 * whose text or name differs (or was edited in the Space), delete ours of releases no longer
 * wanted, and all but the oldest of several for one release.
 */
export function planNotes(
  wanted: readonly WantedNote[],
  owned: readonly OwnedNote[],
  repositoryId: number
): PlannedAction[] {
  const body = (w: WantedNote) => ({
    resource_type: 'free_text' as const,
    metadata: {
      name: w.name,
      text: withMarker(w.text, {
        repositoryId,
        path: notePath(w.releaseId),
        blobSha: w.version
      })
    }
  })
  const actions: PlannedAction[] = []
  const wantedIds = new Set(wanted.map(w => w.releaseId))
  const kept = new Set<number>()
  for (const w of wanted) {
    const mine = owned.filter(o => o.releaseId === w.releaseId).sort((a, b) => a.id - b.id)
    const keep = mine[0]
    for (const extra of mine.slice(1)) {
      actions.push({ kind: 'delete', path: w.name, resourceId: extra.id, reason: 'duplicate' })
    }
    if (!keep) {
      actions.push({ kind: 'create', path: w.name, blobSha: w.version, body: body(w) })
      continue
    }
    kept.add(keep.id)
    const current = keep.intact && keep.version === w.version && keep.name === w.name
    actions.push(
      current
        ? unchanged(w.name, keep.id)
        : {
            kind: 'update',
            path: w.name,
            blobSha: w.version,
            resourceId: keep.id,
            reason: !keep.intact
              ? 'text edited in the Space; restored from the release'
              : 'release edited',
            body: body(w)
          }
    )
  }
  for (const o of owned) {
    if (wantedIds.has(o.releaseId) || kept.has(o.id)) continue
    actions.push({
      kind: 'delete',
      path: o.name ?? notePath(o.releaseId),
      resourceId: o.id,
      reason: 'release deleted, unpublished, or no longer among the last release-notes releases'
    })
  }
  return actions
}
