/**
 * Current state: the Space's resources, split into ours and everyone else's. Ours, and only ours,
 * may be changed or deleted: a `github_file` of this repository whose path is written exactly as
 * the repository path and is in scope, or a `free_text` whose marker names this repository and an
 * in-scope path. Anything else, including entries of a shape we do not expect, is left alone.
 */
import type { Client, CreateResourceBody, SpaceRef, SpaceResource } from '../github/client.js'
import type { GlobSet } from '../run/globs.js'
import type { ResourceType } from '../run/inputs.js'
import { readMarker } from './marker.js'

export interface OwnedResource {
  id: number
  type: ResourceType
  path: string
  /** github_file: the commit the file was synced at. */
  commit?: string
  /** free_text: the blob recorded in the marker. */
  blobSha?: string
  /** free_text: the resource's name. */
  name?: string
  /** free_text: the text above the marker is the one the action wrote (nobody edited it). */
  intact?: boolean
}

export interface SpaceState {
  ours: OwnedResource[]
  /** Resources left alone: attached by hand, by another repository or glob set, or not understood. */
  othersCount: number
}

/**
 * A path as git writes it: relative, `/`-separated, no empty, `.` or `..` segment. `/docs/b.md`,
 * `docs//b.md` or `docs/./b.md` may name the same file to a person, but a resource that spells it
 * so was not made by this action, so it is not ours to change.
 */
export function isCanonicalPath(path: string): boolean {
  return path !== '' && path.split('/').every(s => s !== '' && s !== '.' && s !== '..')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** One listed resource as ours, or undefined when it is someone else's (or not understood). */
function owned(r: unknown, repositoryId: number, globs: GlobSet): OwnedResource | undefined {
  if (!isRecord(r) || !Number.isSafeInteger(r.id) || !isRecord(r.metadata)) return undefined
  const id = r.id as number
  const m = r.metadata
  if (r.resource_type === 'github_file') {
    const path = m.file_path
    if (
      m.repository_id !== repositoryId ||
      typeof path !== 'string' ||
      !isCanonicalPath(path) ||
      !globs.matches(path)
    ) {
      return undefined
    }
    return { id, type: 'github_file', path, commit: typeof m.sha === 'string' ? m.sha : undefined }
  }
  if (r.resource_type === 'free_text') {
    const marker = readMarker(m.text)
    if (
      !marker ||
      marker.repositoryId !== repositoryId ||
      !isCanonicalPath(marker.path) ||
      !globs.matches(marker.path)
    ) {
      return undefined
    }
    return {
      id,
      type: 'free_text',
      path: marker.path,
      blobSha: marker.blobSha,
      name: typeof m.name === 'string' ? m.name : undefined,
      intact: marker.intact
    }
  }
  return undefined
}

export function classifyResources(
  resources: readonly unknown[],
  repositoryId: number,
  globs: GlobSet
): SpaceState {
  const ours: OwnedResource[] = []
  for (const r of resources) {
    const mine = owned(r, repositoryId, globs)
    if (mine) ours.push(mine)
  }
  return { ours, othersCount: resources.length - ours.length }
}

/**
 * Whether a listed resource is the one a create sent, by what makes it ours rather than by its
 * bytes (GitHub may normalise text): for `github_file` the repository, path and commit, for
 * `free_text` the marker's repository, path and blob, with the text intact.
 */
export function isCreatedResource(sent: CreateResourceBody, listed: SpaceResource): boolean {
  const l = listed as unknown
  if (!isRecord(l) || l.resource_type !== sent.resource_type || !isRecord(l.metadata)) return false
  const m = l.metadata
  const s = sent.metadata
  if (sent.resource_type === 'github_file') {
    return m.repository_id === s.repository_id && m.file_path === s.file_path && m.sha === s.sha
  }
  if (sent.resource_type === 'free_text') {
    const want = readMarker(s.text)
    const got = readMarker(m.text)
    return (
      want !== undefined &&
      got !== undefined &&
      got.intact &&
      got.repositoryId === want.repositoryId &&
      got.path === want.path &&
      got.blobSha === want.blobSha
    )
  }
  return false
}

export async function readSpaceState(
  client: Client,
  ref: SpaceRef,
  repositoryId: number,
  globs: GlobSet
): Promise<SpaceState> {
  return classifyResources(await client.listResources(ref), repositoryId, globs)
}
