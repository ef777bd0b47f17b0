/**
 * Batched writes, the pure part: the `resources_attributes` entry each planned write sends, how
 * the writes of a run are cut into batches, and what an answer shows of a batch. GitHub documents
 * Set Space's nested semantics only by an example, so every answer is checked: each named entry
 * took effect, and every resource the batch did not name is still there.
 */
import type { CreateResourceBody, ResourceEntry, SpaceResource } from '../github/client.js'
import type { PlannedAction } from './plan.js'

export type Write = Extract<PlannedAction, { kind: 'create' | 'update' | 'delete' }>

/** The first batch of a run is this small (at most), so a surprise costs little. */
export const FIRST_BATCH = 10

/** What the entry sends: a create or an update carries the body `settle` built. */
export function entryFor(w: Write): ResourceEntry {
  if (w.kind === 'delete') return { id: w.resourceId, _destroy: true }
  if (!w.body) throw new Error(`internal: no body for the ${w.kind} of ${w.path}`)
  const { resource_type, metadata } = w.body
  return w.kind === 'update'
    ? { id: w.resourceId, resource_type, metadata }
    : { resource_type, metadata }
}

/**
 * A request body GitHub surely takes. It documents no limit for Set Space; 100 `free_text`
 * entries of up to 256 KiB each could make 25 MB, so a batch also ends before this many bytes.
 */
export const MAX_BATCH_BYTES = 2 * 1024 * 1024

/**
 * The writes cut into batches: a small first one, then up to `size` each, and none over
 * `maxBytes` of entries (an entry larger than that goes alone).
 */
export function cutBatches(
  writes: readonly Write[],
  size: number,
  maxBytes: number = MAX_BATCH_BYTES
): Write[][] {
  const batches: Write[][] = []
  let batch: Write[] = []
  let bytes = 0
  for (const w of writes) {
    const cost = Buffer.byteLength(JSON.stringify(entryFor(w))) + 1
    const limit = batches.length === 0 ? Math.min(FIRST_BATCH, size) : size
    if (batch.length > 0 && (batch.length >= limit || bytes + cost > maxBytes)) {
      batches.push(batch)
      batch = []
      bytes = 0
    }
    batch.push(w)
    bytes += cost
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

export interface Recognise {
  created: (sent: CreateResourceBody, listed: SpaceResource) => boolean
  updated: (sent: CreateResourceBody, listed: SpaceResource) => boolean
}

export interface BatchCheck {
  /** Each write that took effect, with the id of the resource that holds it (none for a delete). */
  applied: Map<Write, number | undefined>
  /** Named, yet not in effect. */
  notApplied: Write[]
  /** Not named by the batch, there before it, and gone after it. */
  vanished: SpaceResource[]
}

/**
 * What `after` (the Space's resources after the batch) shows of a batch sent when the Space held
 * `before`. A create is matched to a resource that is new since `before`, each to its own.
 */
export function checkBatch(
  before: ReadonlyMap<number, SpaceResource>,
  batch: readonly Write[],
  after: readonly SpaceResource[],
  is: Recognise
): BatchCheck {
  const now = new Map(after.map(r => [r.id, r]))
  const fresh = after.filter(r => !before.has(r.id))
  const check: BatchCheck = { applied: new Map(), notApplied: [], vanished: [] }
  const named = new Set<number>()
  for (const w of batch) {
    if (w.kind !== 'create') named.add(w.resourceId)
    const held = heldBy(w, now, fresh, is)
    if (held === false) check.notApplied.push(w)
    else check.applied.set(w, held)
  }
  for (const [id, r] of before) if (!named.has(id) && !now.has(id)) check.vanished.push(r)
  return check
}

/** The resource holding a write (undefined for a delete that holds), or false when none does. */
function heldBy(
  w: Write,
  now: ReadonlyMap<number, SpaceResource>,
  fresh: SpaceResource[],
  is: Recognise
): number | undefined | false {
  if (w.kind === 'delete') return now.has(w.resourceId) ? false : undefined
  const sent = entryFor(w) as CreateResourceBody
  if (w.kind === 'update') {
    const r = now.get(w.resourceId)
    return r !== undefined && is.updated(sent, r) ? r.id : false
  }
  const i = fresh.findIndex(r => is.created(sent, r))
  if (i < 0) return false
  const [r] = fresh.splice(i, 1)
  return (r as SpaceResource).id
}
