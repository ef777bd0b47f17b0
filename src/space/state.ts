/**
 * Current state: the Space's resources, split into ours (see resource.ts) and everyone else's.
 * Ours, and only ours, may be changed or deleted; anything else, including entries of a shape
 * we do not expect, is left alone and counted.
 */
import type { Client, SpaceRef, SpaceResource } from '../github/client.js'
import { recognise, recogniseNote, type OwnedNote, type OwnedResource } from './resource.js'

export interface SpaceState {
  ours: OwnedResource[]
  /** Release notes of ours (`release-notes`). */
  notes: OwnedNote[]
  /** Resources left alone: attached by hand, by another repository or glob set, or not understood. */
  othersCount: number
  /** Every resource as listed, ours or not: what batched writes check each answer against. */
  listing: readonly SpaceResource[]
}

export function classifyResources(
  resources: readonly unknown[],
  repositoryId: number,
  inScope: (path: string) => boolean
): Omit<SpaceState, 'listing'> {
  const ours: OwnedResource[] = []
  const notes: OwnedNote[] = []
  for (const r of resources) {
    const mine = recognise(r, repositoryId, inScope)
    if (mine) ours.push(mine)
    else {
      const note = recogniseNote(r, repositoryId)
      if (note) notes.push(note)
    }
  }
  return { ours, notes, othersCount: resources.length - ours.length - notes.length }
}

export async function readSpaceState(
  client: Client,
  ref: SpaceRef,
  repositoryId: number,
  inScope: (path: string) => boolean
): Promise<SpaceState> {
  const listing = await client.listResources(ref)
  return { ...classifyResources(listing, repositoryId, inScope), listing }
}

/** A Space not created yet (a preview of `create-space`): nothing in it. */
export async function emptySpace(): Promise<SpaceState> {
  return { ours: [], notes: [], othersCount: 0, listing: [] }
}
