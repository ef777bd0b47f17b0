/**
 * Apply, in two steps. `prepareWrites` reads the content the plan's creates and updates need; a
 * file that turned out binary or too large is skipped, and its outdated resource goes when
 * pruning. `applyPlan` then sends the writes. A failure on one path is recorded and the rest go
 * on; nothing here decides what should be in the Space, the plan did.
 */
import { type Client, type CreateResourceBody, type SpaceRef } from '../github/client.js'
import { ApiError } from '../github/transport.js'
import type { ResourceType } from '../run/inputs.js'
import { withMarker } from '../space/marker.js'
import { resourceName, type PlannedAction } from './plan.js'
import type { RepoFiles } from '../repository/files.js'

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

export interface PrepareOptions {
  repositoryId: number
  commit: string
  resourceType: ResourceType
  namePrefix: string
  prune: boolean
  files: RepoFiles
  /** Turns a failure into the message shown for its path. */
  explain: (error: unknown) => string
}

export interface ApplyOptions {
  client: Client
  space: SpaceRef
  /** Plan and report only. */
  dryRun: boolean
  log: (line: string) => void
  explain: (error: unknown) => string
}

type Write = Extract<PlannedAction, { kind: 'create' | 'update' }>
type Body = Pick<CreateResourceBody, 'resource_type' | 'metadata'>

/** The plan after reading: what to send, and what already failed. */
export interface PreparedPlan {
  actions: PlannedAction[]
  bodies: Map<PlannedAction, Body>
  /** Actions that cannot be sent, with the reason (the file could not be read). */
  failures: Map<PlannedAction, string>
}

const READ_CONCURRENCY = 4

// ignoreBOM keeps a byte-order mark in the text, as the file has it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

async function mapLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/** The request body for a file, or the reason it is not synced. */
async function bodyFor(action: Write, o: PrepareOptions): Promise<Body | { skip: string }> {
  const bytes = await o.files.readBlob(action.blobSha)
  if (bytes.includes(0)) return { skip: 'binary file (contains a NUL byte)' }
  // Decoding other bytes would put U+FFFD in place of each, silently and for good.
  let content: string
  try {
    content = UTF8.decode(bytes)
  } catch {
    return { skip: 'not valid UTF-8' }
  }
  if (o.resourceType === 'github_file') {
    return {
      resource_type: 'github_file',
      metadata: { repository_id: o.repositoryId, file_path: action.path, sha: o.commit }
    }
  }
  const text = withMarker(content, {
    repositoryId: o.repositoryId,
    path: action.path,
    blobSha: action.blobSha
  })
  // The limit holds for what is sent, marker included.
  const size = Buffer.byteLength(text, 'utf8')
  if (size > MAX_FREE_TEXT_BYTES) {
    return {
      skip: `larger than ${MAX_FREE_TEXT_BYTES / 1024} KiB, the free_text limit (${size} bytes with the marker)`
    }
  }
  return {
    resource_type: 'free_text',
    metadata: { name: resourceName(o.namePrefix, action.path), text }
  }
}

/** What an update becomes when its file can no longer be synced: its resource is outdated. */
function outdated(
  a: Extract<PlannedAction, { kind: 'update' }>,
  why: string,
  prune: boolean
): PlannedAction {
  return prune
    ? {
        kind: 'delete',
        path: a.path,
        resourceId: a.resourceId,
        reason: `${why}; its outdated resource is removed`
      }
    : {
        kind: 'skip',
        path: a.path,
        resourceId: a.resourceId,
        reason: `${why}; its resource is outdated, kept because prune is false`
      }
}

export async function prepareWrites(
  planned: readonly PlannedAction[],
  o: PrepareOptions
): Promise<PreparedPlan> {
  const actions = [...planned]
  const bodies = new Map<PlannedAction, Body>()
  const failures = new Map<PlannedAction, string>()
  const writes = actions
    .map((a, i) => [a, i] as const)
    .filter((e): e is [Write, number] => e[0].kind === 'create' || e[0].kind === 'update')
  await mapLimited(writes, READ_CONCURRENCY, async ([a, i]) => {
    try {
      const body = await bodyFor(a, o)
      if ('skip' in body) {
        actions[i] =
          a.kind === 'update'
            ? outdated(a, body.skip, o.prune)
            : { kind: 'skip', path: a.path, reason: body.skip }
      } else {
        bodies.set(a, body)
      }
    } catch (error) {
      failures.set(a, `could not read the file: ${o.explain(error)}`)
    }
  })
  return { actions, bodies, failures }
}

const DONE: Record<PlannedAction['kind'], OutcomeAction> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  unchanged: 'unchanged',
  skip: 'skipped'
}

function planned(a: PlannedAction): Outcome {
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

export async function applyPlan(prepared: PreparedPlan, o: ApplyOptions): Promise<Outcome[]> {
  const { actions, bodies, failures } = prepared
  const outcomes = new Map<PlannedAction, Outcome>()
  for (const [a, reason] of failures) outcomes.set(a, { ...planned(a), action: 'failed', reason })

  // Updates and creates before deletes: a replaced resource disappears only once its successor exists.
  for (const kind of ['update', 'create', 'delete'] as const) {
    for (const a of actions) {
      if (a.kind !== kind || outcomes.has(a)) continue
      if (o.dryRun) {
        outcomes.set(a, planned(a))
        continue
      }
      try {
        outcomes.set(a, await write(a, bodies.get(a), o))
      } catch (error) {
        const message = o.explain(error)
        o.log(`✗ ${a.path}: ${message}`)
        outcomes.set(a, { ...planned(a), action: 'failed', reason: message })
      }
    }
  }
  return actions.map(a => outcomes.get(a) ?? planned(a))
}

async function write(a: PlannedAction, body: Body | undefined, o: ApplyOptions): Promise<Outcome> {
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
  if (a.kind === 'update' && body) {
    const resource = await o.client.updateResource(o.space, a.resourceId, body.metadata)
    o.log(`~ ${a.path} (resource ${resource.id}): ${a.reason}`)
    return { ...done, resourceId: resource.id }
  }
  if (a.kind === 'create' && body) {
    const { resource, created } = await o.client.createResource(o.space, body)
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
  throw new Error(`internal: no request for a ${a.kind} of ${a.path}`)
}
