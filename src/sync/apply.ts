/**
 * Apply: sends the settled plan's writes, and nothing else; every decision was the plan's. A
 * failure on one path is recorded and the rest go on. Updates and creates go before deletes, so
 * a replaced resource disappears only once its successor exists.
 */
import type { Client, SpaceRef } from '../github/client.js'
import { ApiError } from '../github/api.js'
import type { PlannedAction } from './plan.js'

export type OutcomeAction = 'created' | 'updated' | 'deleted' | 'unchanged' | 'skipped' | 'failed'

export interface Outcome {
  path: string
  action: OutcomeAction
  resourceId?: number
  previousPath?: string
  reason?: string
}

export interface ApplyOptions {
  client: Client
  space: SpaceRef
  /** Plan and report only. */
  dryRun: boolean
  log: (line: string) => void
  /** Turns a failure into the message shown for its path. */
  explain: (error: unknown) => string
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
  return {
    path: a.path,
    action: DONE[a.kind],
    ...('resourceId' in a && a.resourceId !== undefined ? { resourceId: a.resourceId } : {}),
    ...('previousPath' in a && a.previousPath !== undefined
      ? { previousPath: a.previousPath }
      : {}),
    ...('reason' in a ? { reason: a.reason } : {})
  }
}

export async function applyPlan(
  actions: readonly PlannedAction[],
  o: ApplyOptions
): Promise<Outcome[]> {
  const outcomes = new Map<PlannedAction, Outcome>()
  if (!o.dryRun) {
    for (const kind of ['update', 'create', 'delete'] as const) {
      for (const a of actions) {
        if (a.kind !== kind) continue
        try {
          outcomes.set(a, await write(a, o))
        } catch (error) {
          const message = o.explain(error)
          o.log(`✗ ${a.path}: ${message}`)
          outcomes.set(a, { ...planned(a), action: 'failed', reason: message })
        }
      }
    }
  }
  return actions.map(a => outcomes.get(a) ?? planned(a))
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
