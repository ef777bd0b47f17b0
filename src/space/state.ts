/**
 * Current state: the Space's resources, split into ours (see resource.ts) and everyone else's.
 * Ours, and only ours, may be changed or deleted; anything else, including entries of a shape
 * we do not expect, is left alone and counted.
 */
import { listingOf, type Client, type ResourceListing, type SpaceRef } from '../github/client.js'
import { recognise, recogniseNote, type OwnedNote, type OwnedResource } from './resource.js'

export interface SpaceState {
  ours: OwnedResource[]
  /** Release notes of ours (`release-notes`). */
  notes: OwnedNote[]
  /** Resources left alone: attached by hand, by another repository or glob set, or not understood. */
  othersCount: number
  /** Every resource as listed, ours or not: what batched writes check each answer against. */
  listing: ResourceListing
}

/** Sorts listed resources, one at a time, into ours, our release notes and the others. */
function classifier(repositoryId: number, inScope: (path: string) => boolean) {
  const state: Omit<SpaceState, 'listing'> = { ours: [], notes: [], othersCount: 0 }
  // Resources pinned at one commit share its sha: one string, not one copy per resource.
  const commits = new Map<string, string>()
  const add = (r: unknown): void => {
    const mine = recognise(r, repositoryId, inScope)
    if (mine) {
      if (mine.commit !== undefined) {
        const known = commits.get(mine.commit)
        if (known === undefined) commits.set(mine.commit, mine.commit)
        else mine.commit = known
      }
      state.ours.push(mine)
      return
    }
    const note = recogniseNote(r, repositoryId)
    if (note) state.notes.push(note)
    else state.othersCount++
  }
  return { add, state }
}

export function classifyResources(
  resources: readonly unknown[],
  repositoryId: number,
  inScope: (path: string) => boolean
): Omit<SpaceState, 'listing'> {
  const { add, state } = classifier(repositoryId, inScope)
  for (const r of resources) add(r)
  return state
}

/** The Space's resources, sorted as they are parsed: the listing is not kept as objects. */
export async function readSpaceState(
  client: Client,
  ref: SpaceRef,
  repositoryId: number,
  inScope: (path: string) => boolean
): Promise<SpaceState> {
  const { add, state } = classifier(repositoryId, inScope)
  const listing = await client.readResources(ref, add)
  return { ...state, listing }
}

/** A Space not created yet (a preview of `create-space`): nothing in it. */
export async function emptySpace(): Promise<SpaceState> {
  return { ours: [], notes: [], othersCount: 0, listing: listingOf([]) }
}
