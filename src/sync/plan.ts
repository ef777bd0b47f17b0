/**
 * The planner: pure functions from (the files that should be in the Space, the resources of
 * ours that are there) to one decision per path. `plan` decides from what the repository and the
 * listing say; `settle` finishes the plan once the files to write have been read (a file that
 * turned out binary, not UTF-8 or too large is not written, and its outdated resource goes when
 * pruning; a resource of the other type it was to replace stays when its type can still hold the
 * file). Every decision is made here, so what is logged as the plan is what `apply` sends.
 */
import {
  bodyFor,
  isCurrent,
  outdated,
  staleReason,
  unsyncableMode,
  type DesiredFile,
  type OwnedResource,
  type ResourceBody,
  type ResourceSettings
} from '../space/resource.js'

export type { DesiredFile }

export interface PlanInput extends ResourceSettings {
  /** Files that should have a resource: in scope and present at `commit`. */
  desired: readonly DesiredFile[]
  /** Which of our resources this run may decide: all of them (full), or those at these paths (changed). */
  decide: 'all' | ReadonlySet<string>
  renames: readonly { from: string; to: string }[]
  owned: readonly OwnedResource[]
  prune: boolean
  /** False when the file listing was cut short: then nothing is pruned. */
  complete: boolean
  /**
   * Whether `files` matches a path. With `ownership: repository` a resource of ours may be outside
   * it: a full reconcile removes it as such.
   */
  inFiles: (path: string) => boolean
}

export type PlannedAction =
  /** `body` is set by `settle`, from the file's content. */
  | { kind: 'create'; path: string; blobSha: string; body?: ResourceBody }
  | {
      kind: 'update'
      path: string
      blobSha: string
      resourceId: number
      previousPath?: string
      reason: string
      body?: ResourceBody
    }
  | {
      kind: 'delete'
      path: string
      resourceId: number
      reason: string
      /** A resource of the other type the path's new one replaces: kept when that cannot be written. */
      replaced?: OwnedResource
    }
  /** Its own outcome too (`action`): a no-op reconcile has 100,000, not copied once more each. */
  | { kind: 'unchanged'; action: 'unchanged'; path: string; resourceId: number }
  | { kind: 'skip'; path: string; reason: string; resourceId?: number }
  /** A write that cannot be sent: its file could not be read. */
  | { kind: 'fail'; path: string; reason: string; resourceId?: number; previousPath?: string }

export function unchanged(path: string, resourceId: number): PlannedAction {
  return { kind: 'unchanged', action: 'unchanged', path, resourceId }
}

const byPath = (a: PlannedAction, b: PlannedAction) =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0

/** Whether `list` is already in `order`: listings usually are, and 100,000 compares cost less than a sort. */
function inOrder<T>(list: readonly T[], order: (a: T, b: T) => number): boolean {
  for (let i = 1; i < list.length; i++) if (order(list[i - 1] as T, list[i] as T) > 0) return false
  return true
}

export function plan(input: PlanInput): PlannedAction[] {
  // Renames need any path's resources; otherwise the files are looked up in their order.
  const walk = input.renames.length === 0 ? inStep(input.owned, input.desired) : undefined
  // Made when first needed: renames that all leave the globs never look a path up.
  let index: ByPath | undefined
  const atPath = () => (index ??= indexByPath(input.owned))
  const decided = new Decided(input.owned.length)
  // A resource listed twice (pages that shifted while they were read) is one resource: its later
  // places are decided from the start, or it would be deleted as a duplicate of itself.
  if (!inOrder(input.owned, (a, b) => (a.id < b.id ? -1 : 1))) {
    const seen = new Set<number>()
    for (const [i, r] of input.owned.entries()) {
      if (seen.has(r.id)) decided.add(i)
      else seen.add(r.id)
    }
  }
  const moved = followRenames(input, atPath, decided)
  const actions: PlannedAction[] = []
  for (const file of input.desired) {
    const found = walk ? walk(file.path) : atPath().get(file.path)
    const movedHere = moved.size > 0 ? moved.get(file.path) : undefined
    // The common case, one resource of ours of the type wanted, without building lists.
    if (
      typeof found === 'number' &&
      input.owned[found]!.type === input.resourceType &&
      !movedHere &&
      !decided.has(found) &&
      !unsyncableMode(file.mode)
    ) {
      decided.add(found)
      actions.push(keepOrUpdate(input, input.owned[found]!, file))
      continue
    }
    const here = listed(found).filter(i => !decided.has(i))
    for (const i of here) decided.add(i)
    const resources = here.map(i => input.owned[i]!)
    for (const a of decideFile(input, file, resources, movedHere)) actions.push(a)
  }
  for (const a of decideLeftovers(input, decided)) actions.push(a)
  return inOrder(actions, byPath) ? actions : actions.sort(byPath)
}

/**
 * Which of our resources are decided, by their place in `owned`: a flag a resource, where a set
 * of ids would hash 100,000 of them.
 */
class Decided {
  size = 0
  private readonly flags: Uint8Array
  constructor(count: number) {
    this.flags = new Uint8Array(count)
  }
  has(i: number): boolean {
    return this.flags[i] === 1
  }
  add(i: number): void {
    if (this.flags[i] === 1) return
    this.flags[i] = 1
    this.size++
  }
}

/**
 * Our resources by path, as places in `owned`: one, or several in id order (runs that raced
 * left duplicates).
 */
type ByPath = ReadonlyMap<string, number | number[]>

function indexByPath(owned: readonly OwnedResource[]): ByPath {
  const atPath = new Map<string, number | number[]>()
  const several: number[][] = []
  for (let i = 0; i < owned.length; i++) {
    const path = owned[i]!.path
    const found = atPath.get(path)
    if (found === undefined) atPath.set(path, i)
    else if (Array.isArray(found)) found.push(i)
    else {
      const places = [found, i]
      several.push(places)
      atPath.set(path, places)
    }
  }
  for (const places of several) places.sort((a, b) => owned[a]!.id - owned[b]!.id)
  return atPath
}

/**
 * When `owned` and `desired` are both in strictly increasing path order (one resource of ours a
 * path at most), the place of each desired path's resource, asked for in `desired`'s order:
 * `owned` is walked alongside, which answers as `indexByPath` would, without hashing every path
 * twice (a full reconcile of a Space this action filled: git lists paths in that order, and the
 * resources were created in it). Undefined when either is out of order.
 */
function inStep(
  owned: readonly OwnedResource[],
  desired: readonly DesiredFile[]
): ((path: string) => number | undefined) | undefined {
  for (let i = 1; i < owned.length; i++)
    if (!(owned[i - 1]!.path < owned[i]!.path)) return undefined
  for (let i = 1; i < desired.length; i++) {
    if (!(desired[i - 1]!.path < desired[i]!.path)) return undefined
  }
  let j = 0
  return path => {
    while (j < owned.length && owned[j]!.path < path) j++
    return j < owned.length && owned[j]!.path === path ? j : undefined
  }
}

const NONE: readonly number[] = []

function listed(found: number | number[] | undefined): readonly number[] {
  return found === undefined ? NONE : Array.isArray(found) ? found : [found]
}

/** A renamed file takes its resource along (same id), unless the new path already has one. */
function followRenames(
  input: PlanInput,
  atPath: () => ByPath,
  decided: Decided
): Map<string, OwnedResource> {
  const wanted = (i: number) => input.owned[i]!.type === input.resourceType
  const moved = new Map<string, OwnedResource>()
  if (input.renames.length === 0) return moved
  const desiredPaths = new Set(input.desired.map(d => d.path))
  for (const { from, to } of input.renames) {
    if (!desiredPaths.has(to) || listed(atPath().get(to)).some(wanted)) continue
    const source = listed(atPath().get(from)).find(i => wanted(i) && !decided.has(i))
    if (source !== undefined) {
      moved.set(to, input.owned[source]!)
      decided.add(source)
    }
  }
  return moved
}

/** One file that should be in the Space, with the resources of ours at its path. */
function decideFile(
  input: PlanInput,
  file: DesiredFile,
  here: readonly OwnedResource[],
  movedHere: OwnedResource | undefined
): PlannedAction[] {
  const { path, blobSha } = file
  const odd = unsyncableMode(file.mode)
  if (odd) {
    // No longer a file we sync: a resource made when it was one is outdated.
    if (here.length === 0) return [{ kind: 'skip', path, reason: odd }]
    return here.map(r => outdated(path, r.id, odd, input.prune))
  }
  const actions: PlannedAction[] = here
    .filter(r => r.type !== input.resourceType)
    .map(r => ({
      kind: 'delete',
      path,
      resourceId: r.id,
      reason: `replaced by a ${input.resourceType} resource`,
      replaced: r
    }))
  const same = here.filter(r => r.type === input.resourceType)
  if (movedHere) {
    const from = movedHere.path
    const reason = `renamed from ${from}`
    return [
      ...actions,
      { kind: 'update', path, blobSha, resourceId: movedHere.id, previousPath: from, reason }
    ]
  }
  if (same.length === 0) return [...actions, { kind: 'create', path, blobSha }]
  // Several of ours for one path converge to one: keep a current one, else the oldest.
  const keep = same.find(r => isCurrent(input, r, file)) ?? same[0]!
  for (const r of same.filter(r => r !== keep)) {
    actions.push({ kind: 'delete', path, resourceId: r.id, reason: 'duplicate' })
  }
  actions.push(keepOrUpdate(input, keep, file))
  return actions
}

/** The resource kept for a file: unchanged when current, else updated in place. */
function keepOrUpdate(input: PlanInput, r: OwnedResource, file: DesiredFile): PlannedAction {
  const { path, blobSha } = file
  return isCurrent(input, r, file)
    ? unchanged(path, r.id)
    : { kind: 'update', path, blobSha, resourceId: r.id, reason: staleReason(input, r, file) }
}

/** Our resources no desired file claimed: their files were removed or renamed out of scope. */
function decideLeftovers(input: PlanInput, decided: Decided): PlannedAction[] {
  if (decided.size === input.owned.length) return []
  const desiredPaths = new Set(input.desired.map(d => d.path))
  const renamedFrom = new Map<string, { from: string; to: string }>()
  for (const x of input.renames) renamedFrom.set(x.from, x)
  const actions: PlannedAction[] = []
  for (let i = 0; i < input.owned.length; i++) {
    if (decided.has(i)) continue
    const r = input.owned[i]!
    if (input.decide !== 'all' && !input.decide.has(r.path)) continue
    const { path, id: resourceId } = r
    const rename = renamedFrom.get(path)
    if (rename && desiredPaths.has(rename.to)) {
      // The file lives on at its new path, which already has its resource: this one is stale.
      actions.push({ kind: 'delete', path, resourceId, reason: `renamed to ${rename.to}` })
      continue
    }
    const why = rename
      ? `renamed to ${rename.to}, which 'files' does not match`
      : input.inFiles(path)
        ? 'file removed'
        : "'files' does not match it (ownership: repository)"
    const reason = !input.complete
      ? 'not in the file listing, which was cut short; not pruned'
      : !input.prune
        ? `${why}; kept because prune is false`
        : why
    actions.push({
      kind: input.complete && input.prune ? 'delete' : 'skip',
      path,
      resourceId,
      reason
    })
  }
  return actions
}

export interface SettleInput extends ResourceSettings {
  repositoryId: number
  prune: boolean
  /** The bytes of each blob a create or update writes, or why it could not be read. */
  contents: ReadonlyMap<string, Buffer | { error: string }>
}

/** A path whose new resource cannot be written: its file, with its bytes when they were read. */
interface Unwritable {
  file: DesiredFile
  bytes?: Buffer
  why: string
}

/** The plan with every write's body, or its final decision when the file cannot be synced. */
export function settle(draft: readonly PlannedAction[], input: SettleInput): PlannedAction[] {
  const unwritable = new Map<string, Unwritable>()
  const settled = draft.map((a): PlannedAction => {
    if (a.kind !== 'create' && a.kind !== 'update') return a
    const content = input.contents.get(a.blobSha)
    if (content === undefined || !Buffer.isBuffer(content)) {
      const why = `could not read the file: ${content?.error ?? 'its content was not read'}`
      unwritable.set(a.path, { file: a, why })
      return {
        kind: 'fail',
        path: a.path,
        reason: why,
        ...(a.kind === 'update' ? { resourceId: a.resourceId, previousPath: a.previousPath } : {})
      }
    }
    const body = bodyFor(input, a, content)
    if ('unsyncable' in body) {
      unwritable.set(a.path, { file: a, bytes: content, why: body.unsyncable })
      return a.kind === 'update'
        ? outdated(a.path, a.resourceId, body.unsyncable, input.prune)
        : { kind: 'skip', path: a.path, reason: body.unsyncable }
    }
    return { ...a, body }
  })
  return unwritable.size === 0 ? settled : keepReplaced(settled, unwritable, input)
}

/**
 * A resource of the other type that a path's new resource was to replace, when the new one
 * cannot be written (`resource-type` switched on a file too large for free_text): deleting it
 * would leave the file out of the Space. It stays, updated when its file changed, as long as its
 * own type can hold the file; else it is outdated, like any resource whose file cannot be synced.
 * It then speaks for the path, in place of the skipped create.
 */
function keepReplaced(
  settled: readonly PlannedAction[],
  unwritable: ReadonlyMap<string, Unwritable>,
  input: SettleInput
): PlannedAction[] {
  const kept = new Set<string>()
  const speaks = new Set<string>()
  const actions = settled.map((a): PlannedAction => {
    if (a.kind !== 'delete' || !a.replaced) return a
    const u = unwritable.get(a.path)
    if (!u) return a
    const { path } = a
    speaks.add(path)
    if (kept.has(path)) return { ...a, reason: 'duplicate' }
    const old = a.replaced
    const why = `kept as ${old.type}: ${u.why}`
    if (!u.bytes) {
      kept.add(path)
      return { kind: 'skip', path, resourceId: old.id, reason: why }
    }
    // Pinned: `pin` is about github_file resources, and ignored with resource-type free_text.
    const own = { ...input, resourceType: old.type, pin: true }
    const body = bodyFor(own, u.file, u.bytes)
    if ('unsyncable' in body) return outdated(path, old.id, body.unsyncable, input.prune)
    kept.add(path)
    if (isCurrent(own, old, u.file)) return { kind: 'skip', path, resourceId: old.id, reason: why }
    const { blobSha } = u.file
    const reason = `${why}; ${staleReason(own, old, u.file)}`
    return { kind: 'update', path, blobSha, resourceId: old.id, reason, body }
  })
  return actions.filter(
    a => !(a.kind === 'skip' && a.resourceId === undefined && speaks.has(a.path))
  )
}

/** The blobs a plan's creates and updates write: what must be read before it can be settled. */
export function blobsToRead(draft: readonly PlannedAction[]): string[] {
  const blobs = new Set<string>()
  for (const a of draft) if (a.kind === 'create' || a.kind === 'update') blobs.add(a.blobSha)
  return [...blobs]
}

/** A run refused before any write (max-deletions); the step fails with this message. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError'
}

/** Refuses a plan that deletes more of our resources than `max`, before anything is written. */
export function checkDeletions(actions: readonly PlannedAction[], max: number): void {
  const deletions = actions.filter(a => a.kind === 'delete')
  if (deletions.length <= max) return
  const shown = deletions.slice(0, 20).map(a => `${a.path} (${a.reason})`)
  const more =
    deletions.length > shown.length ? `, and ${deletions.length - shown.length} more` : ''
  throw new RefusedError(
    `Refusing to delete ${deletions.length} resources, more than max-deletions (${max}); nothing was written. ` +
      `Planned deletions: ${shown.join(', ')}${more}. If this is intended, raise the 'max-deletions' input for one run.`
  )
}
