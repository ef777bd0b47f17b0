/**
 * Current state: the Space's resources, split into ours and everyone else's. Ours, and only ours,
 * may be changed or deleted: a `github_file` of this repository whose path is in scope, or a
 * `free_text` whose marker names this repository and an in-scope path.
 */
import type { Client, SpaceRef, SpaceResource } from './github-api.js'
import type { GlobSet } from './globs.js'
import type { ResourceType } from './inputs.js'
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
}

export interface SpaceState {
  ours: OwnedResource[]
  /** Resources left alone: attached by hand, or by another repository or glob set. */
  othersCount: number
}

export function classifyResources(
  resources: readonly SpaceResource[],
  repositoryId: number,
  globs: GlobSet
): SpaceState {
  const ours: OwnedResource[] = []
  for (const r of resources) {
    const m = r.metadata
    if (r.resource_type === 'github_file') {
      if (
        m.repository_id === repositoryId &&
        typeof m.file_path === 'string' &&
        globs.matches(m.file_path)
      ) {
        ours.push({
          id: r.id,
          type: 'github_file',
          path: m.file_path,
          commit: typeof m.sha === 'string' ? m.sha : undefined
        })
      }
    } else if (r.resource_type === 'free_text') {
      const marker = readMarker(m.text)
      if (marker && marker.repositoryId === repositoryId && globs.matches(marker.path)) {
        ours.push({
          id: r.id,
          type: 'free_text',
          path: marker.path,
          blobSha: marker.blobSha,
          name: typeof m.name === 'string' ? m.name : undefined
        })
      }
    }
  }
  return { ours, othersCount: resources.length - ours.length }
}

export async function readSpaceState(
  client: Client,
  ref: SpaceRef,
  repositoryId: number,
  globs: GlobSet
): Promise<SpaceState> {
  return classifyResources(await client.listResources(ref), repositoryId, globs)
}
