/**
 * Apply: sends the settled plan's writes, and nothing else; every decision was the plan's. A
 * failure on one path is recorded and the rest go on, unless GitHub refused the token itself:
 * then the writes left are not sent, as each would be refused the same way (as when a rate limit
 * stopped the run, which the request policy decides). Updates and creates go before deletes, so
 * a replaced resource disappears only once its successor exists.
 */
import { ApiError } from '../github/api.js'
import {
  CREATABLE_TYPES,
  type Client,
  type CreateResourceBody,
  type ResourceListing,
  type SpaceRef,
  type SpaceResource
} from '../github/client.js'
import { refusesToken } from '../github/errors.js'
import { NotSentError } from '../github/policy.js'
import { isCreatedResource, isUpdatedResource } from '../space/resource.js'
import { notHeld, settingsBody, type SettingChange } from '../space/settings.js'
import { cutBatches, checkBatch, entryFor, type BatchCheck, type Write } from './batch.js'
import type { PlannedAction } from './plan.js'

export type OutcomeAction =
  | 'created'
  | 'updated'
  | 'deleted'
  | 'unchanged'
  | 'skipped'
  | 'failed'
  /** A write not sent: GitHub refused the token on an earlier one, or a rate limit stopped the run. */
  | 'not-sent'

export interface Outcome {
  path: string
  action: OutcomeAction
  resourceId?: number
  previousPath?: string
  reason?: string
  /**
   * A failed or unsent write: what it has in common with the others of one cause (the
   * explanation without the endpoint's path), so that a cause is reported once for them all.
   */
  cause?: string
}

export interface ApplyOptions {
  client: Client
  space: SpaceRef
  /** Plan and report only. */
  dryRun: boolean
  log: (line: string) => void
  /** Turns a failure into the message shown for its path. */
  explain: (error: unknown) => string
  /** Turns a failure into its cause, shared by the paths it failed (`explain` by default). */
  cause?: (error: unknown) => string
  /** Writes per Set Space request; 1 (the default) sends one request per resource. */
  batchSize?: number
  /** The Space's resources as read at the start: batching needs them to check each answer. */
  listing?: ResourceListing
  /** What must not be missed: a warning in the log and in the job summary. */
  warn?: (message: string) => void
}

const DONE: Record<PlannedAction['kind'], OutcomeAction> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  unchanged: 'unchanged',
  skip: 'skipped',
  fail: 'failed'
}

/** The outcome a planned action has when it goes as planned (or is only previewed). */
export function planned(a: PlannedAction): Outcome {
  if (a.kind === 'unchanged') return a
  // Fields set one by one rather than spread: a no-op reconcile makes 100,000 of these.
  const o: Outcome = { path: a.path, action: DONE[a.kind] }
  if ('resourceId' in a && a.resourceId !== undefined) o.resourceId = a.resourceId
  if ('previousPath' in a && a.previousPath !== undefined) o.previousPath = a.previousPath
  if ('reason' in a) o.reason = a.reason
  return o
}

/** Once GitHub refused the token: the failure that showed it, which the writes left wait on. */
interface Refusal {
  refused?: { path: string; status: number; cause: string }
}

/** The options of one apply, with what it learns as it goes (shared by every copy). */
type Writing = ApplyOptions & { stop: Refusal }

export async function applyPlan(
  actions: readonly PlannedAction[],
  options: ApplyOptions
): Promise<Outcome[]> {
  const outcomes = new Map<PlannedAction, Outcome>()
  if (!options.dryRun) {
    const o: Writing = { ...options, stop: {} }
    // Updates, then creates, then deletes; one pass (a no-op reconcile has 100,000 actions).
    const byKind: Record<Write['kind'], Write[]> = { update: [], create: [], delete: [] }
    for (const a of actions) {
      if (a.kind === 'update' || a.kind === 'create' || a.kind === 'delete') byKind[a.kind].push(a)
    }
    const writes = [...byKind.update, ...byKind.create, ...byKind.delete]
    // A resource being replaced (another resource-type) goes only once its successor exists.
    const replacing = (w: Write) => w.kind === 'delete' && w.replaced !== undefined
    const phases = [
      () => writes.filter(w => !replacing(w)),
      () => writes.filter(replacing).filter(w => replacedBy(w, writes, outcomes, o.log))
    ]
    const batchSize = o.batchSize ?? 1
    if (batchSize > 1 && writes.length > 1 && o.listing) {
      await applyBatched(phases, { ...o, batchSize, listing: o.listing }, outcomes)
    } else {
      for (const phase of phases) for (const w of phase()) outcomes.set(w, await writeOne(w, o))
    }
    const { refused } = o.stop
    const unsent = writes.filter(w => {
      const done = outcomes.get(w)
      return done?.action === 'not-sent' && done.cause === refused?.cause
    }).length
    if (refused && unsent > 0) {
      o.log(
        `GitHub refused the token (${refused.status}, on ${refused.path}): the ${unsent} write(s) left were not sent, as each would be refused the same way.`
      )
    }
  }
  return actions.map(a => outcomes.get(a) ?? planned(a))
}

/**
 * Whether the resource that replaces `w`'s is in the Space (created, or found already there);
 * if not, the old resource is kept (a file must not drop out of the Space because its new
 * resource was refused).
 */
function replacedBy(
  w: Write,
  writes: readonly Write[],
  outcomes: Map<PlannedAction, Outcome>,
  log: (line: string) => void
): boolean {
  const successor = writes.find(c => c.kind === 'create' && c.path === w.path)
  const done = successor && outcomes.get(successor)
  if (!successor || done?.action === 'created' || done?.action === 'unchanged') return true
  const reason = 'kept: the resource replacing it was not created'
  outcomes.set(w, {
    path: w.path,
    action: 'skipped',
    ...(w.kind === 'create' ? {} : { resourceId: w.resourceId }),
    reason
  })
  log(`Skipped ${w.path}: ${reason}`)
  return false
}

/**
 * The Space's settings that differ, in one Set Space request, before any resource is written: a
 * refusal stops the run with nothing else changed. Answers the changes GitHub's answer does not
 * hold as sent (a text stored otherwise would be rewritten by every run), for the caller to say.
 */
export async function applySettings(
  changes: readonly SettingChange[],
  o: Pick<ApplyOptions, 'client' | 'space' | 'log' | 'explain'>
): Promise<SettingChange[]> {
  if (changes.length === 0) return []
  let answer
  try {
    answer = await o.client.updateSpace(o.space, settingsBody(changes))
  } catch (error) {
    const role = changes.some(c => c.field === 'base_role')
    if (!(error instanceof ApiError) || error.status !== 403 || !role) throw error
    throw new Error(
      `${o.explain(error)} Changing the Space's base role ('base-role') needs admin access to the Space: give the token's account the Space's admin role, or remove 'base-role'. Nothing was written.`,
      { cause: error }
    )
  }
  o.log(`Space settings written: ${changes.map(c => c.input).join(', ')}.`)
  return notHeld(changes, answer)
}

/** One write through its own endpoint; a failure is the path's outcome, not the run's. */
async function writeOne(w: Write, o: Writing): Promise<Outcome> {
  if (o.stop.refused) return refusedBefore(w, o.stop.refused.cause)
  try {
    return await write(w, o)
  } catch (error) {
    return failed(w, error, o)
  }
}

/**
 * The failure of a write, which may show that GitHub refuses the token for every write. A write
 * the request policy held back (a rate limit stopped the run) was not sent.
 */
function failed(w: Write, error: unknown, o: Writing): Outcome {
  if (error instanceof NotSentError) {
    return { ...planned(w), action: 'not-sent', reason: error.message, cause: error.reason }
  }
  const message = o.explain(error)
  const cause = o.cause?.(error) ?? message
  o.log(`✗ ${w.path}: ${message}`)
  if (!o.stop.refused && refusesToken(error)) {
    o.stop.refused = { path: w.path, status: (error as ApiError).status!, cause }
  }
  return { ...planned(w), action: 'failed', reason: message, cause }
}

/** A write left unsent after GitHub refused the token on an earlier one. */
function refusedBefore(w: Write, cause: string): Outcome {
  return {
    ...planned(w),
    action: 'not-sent',
    reason: `not sent: GitHub refused the token on an earlier write. ${cause}`,
    cause
  }
}

const is = { created: isCreatedResource, updated: isUpdatedResource }

type Batched = Writing & { batchSize: number; listing: ResourceListing }

/** What a run of batches shares: the Space as last seen, and whether batching still holds. */
interface Progress {
  known: Map<number, SpaceResource>
  surprised: boolean
  /** Resources recreated after a surprise: old id to new, for the writes still to come. */
  restored: Map<number, number>
}

/**
 * Writes in Set Space batches, each answer checked (batch.ts). After the first surprise the rest
 * go one request per resource, as with `batch-size: 1`.
 */
async function applyBatched(
  phases: readonly (() => readonly Write[])[],
  o: Batched,
  outcomes: Map<PlannedAction, Outcome>
): Promise<void> {
  const progress: Progress = {
    known: new Map(o.listing.resources().map(r => [r.id, r])),
    surprised: false,
    restored: new Map()
  }
  for (const phase of phases) {
    const writes = phase()
    for (const batch of cutBatches(writes, o.batchSize)) {
      if (progress.surprised || o.stop.refused) break
      await sendBatch(batch, o, progress, outcomes)
    }
    for (const w of writes) {
      if (outcomes.has(w)) continue
      const id = w.kind === 'create' ? undefined : progress.restored.get(w.resourceId)
      const again = id === undefined || w.kind === 'create' ? w : { ...w, resourceId: id }
      outcomes.set(w, await writeOne(again, o))
    }
  }
}

/**
 * One batch. A batch of one goes through the resource's own endpoint (its exact answers: a
 * delete already done, an identical file already there). A 422 (or 413) is split in halves until the
 * refused entries stand alone; any other failure is every entry's.
 */
async function sendBatch(
  batch: readonly Write[],
  o: Batched,
  p: Progress,
  outcomes: Map<PlannedAction, Outcome>
): Promise<void> {
  if (p.surprised) return
  const { refused } = o.stop
  if (refused) {
    for (const w of batch) outcomes.set(w, refusedBefore(w, refused.cause))
    return
  }
  if (batch.length === 1) {
    const [w] = batch as [Write]
    const done = await writeOne(w, o)
    outcomes.set(w, done)
    // A later batch's answer is checked against what is known: a resource gone is not vanished.
    if (w.kind === 'delete' && done.action === 'deleted') p.known.delete(w.resourceId)
    return
  }
  let answer: SpaceResource[] | undefined
  try {
    answer = await o.client.setResources(o.space, batch.map(entryFor))
  } catch (error) {
    if (error instanceof ApiError && (error.status === 422 || error.status === 413)) {
      o.log(
        `A batch of ${batch.length} was refused (${error.status}): splitting it to find the entries GitHub refuses.`
      )
      const half = Math.ceil(batch.length / 2)
      await sendBatch(batch.slice(0, half), o, p, outcomes)
      await sendBatch(batch.slice(half), o, p, outcomes)
      return
    }
    for (const w of batch) outcomes.set(w, failed(w, error, o))
    return
  }
  let after = answer ?? []
  let check = checkBatch(p.known, batch, after, is)
  if (!answer || check.notApplied.length > 0 || check.vanished.length > 0) {
    // The answer may list the Space only in part: only the Space itself can tell.
    after = await o.client.listResources(o.space)
    check = checkBatch(p.known, batch, after, is)
  }
  for (const [w, id] of check.applied) {
    outcomes.set(w, { ...planned(w), ...(id === undefined ? {} : { resourceId: id }) })
    o.log(`${SIGN[w.kind]} ${w.path}${id === undefined ? '' : ` (resource ${id})`}`)
  }
  p.known = new Map(after.map(r => [r.id, r]))
  if (check.notApplied.length > 0 || check.vanished.length > 0) await surprised(check, o, p)
}

const SIGN: Record<Write['kind'], string> = { create: '+', update: '~', delete: '-' }

/**
 * GitHub's answer contradicts the semantics batching relies on: stop batching for the run, put
 * back every resource that went without being named (as far as the API can create its type),
 * and say so where nobody can miss it. Entries that did not take effect are sent again, one
 * request per resource.
 */
async function surprised(check: BatchCheck, o: Batched, p: Progress): Promise<void> {
  p.surprised = true
  const lines: string[] = []
  if (check.notApplied.length > 0) {
    lines.push(
      `${check.notApplied.length} change(s) the batch named did not take effect (first: ${check.notApplied[0]?.path}); they are sent again one at a time.`
    )
  }
  let restored = 0
  const lost: number[] = []
  for (const r of check.vanished) {
    if (!CREATABLE_TYPES.includes(r.resource_type)) {
      lost.push(r.id)
      continue
    }
    try {
      const body = { resource_type: r.resource_type, metadata: r.metadata } as CreateResourceBody
      const { resource } = await o.client.createResource(o.space, body)
      p.restored.set(r.id, resource.id)
      p.known.set(resource.id, resource)
      o.log(`Restored resource ${r.id} (${r.resource_type}) as resource ${resource.id}.`)
      restored++
    } catch (error) {
      o.log(`Could not restore resource ${r.id} (${r.resource_type}): ${o.explain(error)}`)
      lost.push(r.id)
    }
  }
  if (check.vanished.length > 0) {
    lines.push(
      `${check.vanished.length} resource(s) the batch did not name disappeared; ${restored} restored from the listing read at the start${lost.length > 0 ? `, ${lost.length} could not be (resource ${lost.slice(0, 20).join(', ')}${lost.length > 20 ? ', …' : ''}): add them again in the Space` : ''}.`
    )
  }
  o.warn?.(
    `Set Space did not behave as documented, so batching stopped for this run and the rest is written one request per resource. ${lines.join(' ')} Set batch-size: 1 to avoid batching until this is resolved.`
  )
}

async function write(a: PlannedAction, o: ApplyOptions): Promise<Outcome> {
  const done = planned(a)
  if (a.kind === 'delete') {
    try {
      await o.client.deleteResource(o.space, a.resourceId)
    } catch (error) {
      // Someone (a person, a concurrent run) removed it since the listing: what we wanted holds.
      if (!(error instanceof ApiError && error.status === 404)) throw error
      o.log(`- ${a.path} (resource ${a.resourceId}): already gone`)
      return { ...done, reason: `${a.reason}; it was already gone` }
    }
    o.log(`- ${a.path} (resource ${a.resourceId}): ${a.reason}`)
    return done
  }
  if (a.kind === 'update' && a.body) {
    const resource = await o.client.updateResource(o.space, a.resourceId, a.body.metadata)
    o.log(`~ ${a.path} (resource ${resource.id}): ${a.reason}`)
    return { ...done, resourceId: resource.id }
  }
  if (a.kind === 'create' && a.body) {
    const { resource, created } = await o.client.createResource(o.space, a.body)
    o.log(`+ ${a.path} (resource ${resource.id})${created ? '' : ': already present'}`)
    return created
      ? { ...done, resourceId: resource.id }
      : {
          ...done,
          action: 'unchanged',
          resourceId: resource.id,
          reason: 'an identical resource was already present'
        }
  }
  throw new Error(`internal: no request for a ${a.kind} of ${a.path} (a write without its body)`)
}
