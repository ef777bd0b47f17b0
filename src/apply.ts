/**
 * Apply: reads the content the plan needs, then sends the writes. A failure on one path is
 * recorded and the rest go on; nothing here decides what should change, the plan did.
 */
import { type Client, type CreateResourceBody, type SpaceRef } from './github-api.js'
import type { ResourceType } from './inputs.js'
import { withMarker } from './marker.js'
import { resourceName, type PlannedAction } from './plan.js'
import type { RepoFiles } from './repo-files.js'

/** free_text resources hold the file's text; larger files are skipped (documented in the README). */
export const MAX_FREE_TEXT_BYTES = 256 * 1024

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
  repositoryId: number
  commit: string
  resourceType: ResourceType
  namePrefix: string
  files: RepoFiles
  /** Plan and report only. */
  dryRun: boolean
  log: (line: string) => void
  /** Turns a failure into the message shown for its path. */
  explain: (error: unknown) => string
}

type Write = Extract<PlannedAction, { kind: 'create' | 'update' }>
type Body = Pick<CreateResourceBody, 'resource_type' | 'metadata'>

const READ_CONCURRENCY = 4

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** The request body for a file, or the reason it is skipped. */
async function bodyFor(action: Write, o: ApplyOptions): Promise<Body | { skip: string }> {
  const bytes = await o.files.readBlob(action.blobSha)
  if (bytes.includes(0)) return { skip: 'binary file (contains a NUL byte)' }
  if (o.resourceType === 'github_file') {
    return {
      resource_type: 'github_file',
      metadata: { repository_id: o.repositoryId, file_path: action.path, sha: o.commit }
    }
  }
  if (bytes.length > MAX_FREE_TEXT_BYTES) {
    return {
      skip: `larger than ${MAX_FREE_TEXT_BYTES / 1024} KiB, the free_text limit (${bytes.length} bytes)`
    }
  }
  const text = withMarker(bytes.toString('utf8'), {
    repositoryId: o.repositoryId,
    path: action.path,
    blobSha: action.blobSha
  })
  return {
    resource_type: 'free_text',
    metadata: { name: resourceName(o.namePrefix, action.path), text }
  }
}

const DONE: Record<PlannedAction['kind'], OutcomeAction> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  unchanged: 'unchanged',
  skip: 'skipped'
}

export async function applyPlan(
  actions: readonly PlannedAction[],
  o: ApplyOptions
): Promise<Outcome[]> {
  const outcomes = new Map<PlannedAction, Outcome>()
  const base = (a: PlannedAction): Outcome => ({
    path: a.path,
    action: DONE[a.kind],
    ...('resourceId' in a && a.resourceId !== undefined ? { resourceId: a.resourceId } : {}),
    ...('previousPath' in a && a.previousPath !== undefined
      ? { previousPath: a.previousPath }
      : {}),
    ...('reason' in a ? { reason: a.reason } : {})
  })

  const writes = actions.filter((a): a is Write => a.kind === 'create' || a.kind === 'update')
  const bodies = new Map<Write, Body>()
  await mapLimited(writes, READ_CONCURRENCY, async a => {
    try {
      const body = await bodyFor(a, o)
      if ('skip' in body) outcomes.set(a, { ...base(a), action: 'skipped', reason: body.skip })
      else bodies.set(a, body)
    } catch (error) {
      outcomes.set(a, {
        ...base(a),
        action: 'failed',
        reason: `could not read the file: ${o.explain(error)}`
      })
    }
  })

  // Updates and creates before deletes: a replaced resource disappears only once its successor exists.
  const order: PlannedAction['kind'][] = ['update', 'create', 'delete']
  for (const kind of order) {
    for (const a of actions) {
      if (a.kind !== kind || outcomes.has(a)) continue
      if (o.dryRun) {
        outcomes.set(a, base(a))
        continue
      }
      try {
        outcomes.set(a, await write(a, bodies.get(a as Write), o))
      } catch (error) {
        const message = o.explain(error)
        o.log(`✗ ${a.path}: ${message}`)
        outcomes.set(a, { ...base(a), action: 'failed', reason: message })
      }
    }
  }

  return actions.map(a => outcomes.get(a) ?? base(a))
}

async function write(a: PlannedAction, body: Body | undefined, o: ApplyOptions): Promise<Outcome> {
  const out = {
    path: a.path,
    ...('previousPath' in a && a.previousPath ? { previousPath: a.previousPath } : {})
  }
  if (a.kind === 'delete') {
    await o.client.deleteResource(o.space, a.resourceId)
    o.log(`- ${a.path} (resource ${a.resourceId}): ${a.reason}`)
    return { ...out, action: 'deleted', resourceId: a.resourceId, reason: a.reason }
  }
  if (a.kind === 'update' && body) {
    const resource = await o.client.updateResource(o.space, a.resourceId, body.metadata)
    o.log(`~ ${a.path} (resource ${resource.id}): ${a.reason}`)
    return { ...out, action: 'updated', resourceId: resource.id, reason: a.reason }
  }
  if (a.kind === 'create' && body) {
    const { resource, created } = await o.client.createResource(o.space, body)
    o.log(`+ ${a.path} (resource ${resource.id})${created ? '' : ': already present'}`)
    return created
      ? { ...out, action: 'created', resourceId: resource.id }
      : {
          ...out,
          action: 'unchanged',
          resourceId: resource.id,
          reason: 'an identical resource was already present'
        }
  }
  throw new Error(`internal: no request for a ${a.kind} of ${a.path}`)
}
