/**
 * The planner: a pure function from (the files that should be in the Space, the resources of
 * ours that are there) to one decision per path. No I/O, so every edge is unit-tested.
 */
import type { ResourceType } from '../run/inputs.js'
import type { FileMode } from '../repository/files.js'
import type { OwnedResource } from '../space/state.js'

export interface DesiredFile {
  path: string
  blobSha: string
  mode?: FileMode
}

export interface PlanInput {
  resourceType: ResourceType
  /** The commit the run syncs to. */
  commit: string
  namePrefix: string
  /** Files that should have a resource: in scope and present at `commit`. */
  desired: readonly DesiredFile[]
  /** Which of our resources this run may decide: all of them (full), or those at these paths (changed). */
  decide: 'all' | ReadonlySet<string>
  renames: readonly { from: string; to: string }[]
  owned: readonly OwnedResource[]
  prune: boolean
  /** False when the file listing was cut short: then nothing is pruned. */
  complete: boolean
  /** github_file: the paths changed between a commit and `commit`; undefined when unknown. */
  changedSince: ReadonlyMap<string, ReadonlySet<string> | undefined>
}

export type PlannedAction =
  | { kind: 'create'; path: string; blobSha: string }
  | {
      kind: 'update'
      path: string
      blobSha: string
      resourceId: number
      previousPath?: string
      reason: string
    }
  | { kind: 'delete'; path: string; resourceId: number; reason: string }
  | { kind: 'unchanged'; path: string; resourceId: number }
  | { kind: 'skip'; path: string; reason: string; resourceId?: number }

const REGULAR_MODES = new Set(['100644', '100755'])

function nonRegularReason(mode: FileMode | undefined): string | undefined {
  if (mode === undefined || REGULAR_MODES.has(mode)) return undefined
  if (mode === '120000') return 'symbolic link'
  if (mode === '160000') return 'submodule'
  return `not a regular file (mode ${mode})`
}

export function resourceName(prefix: string, path: string): string {
  return `${prefix}${path}`
}

function upToDate(input: PlanInput, r: OwnedResource, file: DesiredFile): boolean {
  if (r.type !== input.resourceType || r.path !== file.path) return false
  if (r.type === 'free_text') {
    // A text a person edited under our marker is repaired, even though the file did not change.
    return (
      r.intact === true &&
      r.blobSha === file.blobSha &&
      r.name === resourceName(input.namePrefix, file.path)
    )
  }
  if (r.commit === undefined) return false
  if (r.commit === input.commit) return true
  const changed = input.changedSince.get(r.commit)
  return changed !== undefined && !changed.has(file.path)
}

function staleReason(input: PlanInput, r: OwnedResource, file: DesiredFile): string {
  if (r.type === 'free_text' && r.blobSha === file.blobSha) {
    return r.intact !== true
      ? 'text edited in the Space; restored from the file'
      : 'name differs from name-prefix + path'
  }
  return 'file changed'
}

const byId = (a: OwnedResource, b: OwnedResource) => a.id - b.id

export function plan(input: PlanInput): PlannedAction[] {
  const actions: PlannedAction[] = []
  const decided = new Set<number>()
  const isWantedType = (r: OwnedResource) => r.type === input.resourceType
  const desiredPaths = new Set(input.desired.map(d => d.path))
  const atPath = new Map<string, OwnedResource[]>()
  for (const r of [...input.owned].sort(byId)) {
    atPath.set(r.path, [...(atPath.get(r.path) ?? []), r])
  }

  // A renamed file takes its resource along (same id), unless the new path already has one.
  const moved = new Map<string, OwnedResource>()
  for (const { from, to } of input.renames) {
    if (!desiredPaths.has(to) || (atPath.get(to) ?? []).some(isWantedType)) continue
    const source = (atPath.get(from) ?? []).find(r => isWantedType(r) && !decided.has(r.id))
    if (source) {
      moved.set(to, source)
      decided.add(source.id)
    }
  }

  for (const file of input.desired) {
    const here = (atPath.get(file.path) ?? []).filter(r => !decided.has(r.id))
    here.forEach(r => decided.add(r.id))
    const odd = nonRegularReason(file.mode)
    if (odd) {
      // No longer a file we sync: a resource made when it was one is outdated.
      if (here.length === 0) actions.push({ kind: 'skip', path: file.path, reason: odd })
      for (const r of here) {
        actions.push(
          input.prune
            ? {
                kind: 'delete',
                path: file.path,
                resourceId: r.id,
                reason: `${odd}; its outdated resource is removed`
              }
            : {
                kind: 'skip',
                path: file.path,
                resourceId: r.id,
                reason: `${odd}; its resource is outdated, kept because prune is false`
              }
        )
      }
      continue
    }
    for (const r of here.filter(r => !isWantedType(r))) {
      actions.push({
        kind: 'delete',
        path: file.path,
        resourceId: r.id,
        reason: `replaced by a ${input.resourceType} resource`
      })
    }
    const same = here.filter(isWantedType)
    const source = moved.get(file.path)
    if (source) {
      actions.push({
        kind: 'update',
        path: file.path,
        blobSha: file.blobSha,
        resourceId: source.id,
        previousPath: source.path,
        reason: `renamed from ${source.path}`
      })
      continue
    }
    if (same.length === 0) {
      actions.push({ kind: 'create', path: file.path, blobSha: file.blobSha })
      continue
    }
    // Several of ours for one path converge to one: keep a current one, else the oldest.
    const keep = same.find(r => upToDate(input, r, file)) ?? same[0]!
    for (const r of same.filter(r => r !== keep)) {
      actions.push({ kind: 'delete', path: file.path, resourceId: r.id, reason: 'duplicate' })
    }
    actions.push(
      upToDate(input, keep, file)
        ? { kind: 'unchanged', path: file.path, resourceId: keep.id }
        : {
            kind: 'update',
            path: file.path,
            blobSha: file.blobSha,
            resourceId: keep.id,
            reason: staleReason(input, keep, file)
          }
    )
  }

  for (const r of input.owned) {
    if (decided.has(r.id)) continue
    if (input.decide !== 'all' && !input.decide.has(r.path)) continue
    const rename = input.renames.find(x => x.from === r.path)
    if (rename && desiredPaths.has(rename.to)) {
      // The file lives on at its new path, which already has its resource: this one is stale.
      actions.push({
        kind: 'delete',
        path: r.path,
        resourceId: r.id,
        reason: `renamed to ${rename.to}`
      })
      continue
    }
    const why = rename ? `renamed to ${rename.to}, which files does not match` : 'file removed'
    if (!input.complete) {
      actions.push({
        kind: 'skip',
        path: r.path,
        resourceId: r.id,
        reason: 'not in the file listing, which was cut short; not pruned'
      })
    } else if (!input.prune) {
      actions.push({
        kind: 'skip',
        path: r.path,
        resourceId: r.id,
        reason: `${why}; kept because prune is false`
      })
    } else {
      actions.push({ kind: 'delete', path: r.path, resourceId: r.id, reason: why })
    }
  }

  return actions.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
