/**
 * A resource of ours, in one place: what makes a listed resource ours, its name, whether it is
 * current for a file, the request body that syncs a file, what happens to it when its file can
 * no longer be synced, and how a create whose answer was lost is recognised.
 */
import type { CreateResourceBody, SpaceResource } from '../github/client.js'
import type { FileMode } from '../repository/files.js'
import { readMarker, withMarker } from './marker.js'

export type ResourceType = 'github_file' | 'free_text'

/** free_text resources hold the file's text; a larger text is skipped (documented in the README). */
export const MAX_FREE_TEXT_BYTES = 256 * 1024

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

/** A file that should have a resource: in scope and present at the synced commit. */
export interface DesiredFile {
  path: string
  blobSha: string
  mode?: FileMode
}

/** What every resource of a run shares. */
export interface ResourceSettings {
  resourceType: ResourceType
  /** The commit the run syncs to. */
  commit: string
  namePrefix: string
  /**
   * github_file: pinned at `commit` (true), or sent without a commit (false), so that GitHub
   * serves the default branch's latest version, as a file added in the web UI.
   */
  pin: boolean
  /** github_file: the paths changed between a commit and `commit`; undefined when unknown. */
  changedSince: ReadonlyMap<string, ReadonlySet<string> | undefined>
}

export type ResourceBody = Pick<CreateResourceBody, 'resource_type' | 'metadata'>

export function resourceName(prefix: string, path: string): string {
  return `${prefix}${path}`
}

/**
 * A path as git writes it: relative, `/`-separated, no empty, `.` or `..` segment. `/docs/b.md`,
 * `docs//b.md` or `docs/./b.md` may name the same file to a person, but a resource that spells it
 * so was not made by this action, so it is not ours to change.
 */
export function isCanonicalPath(path: string): boolean {
  return path !== '' && !NOT_CANONICAL.test(path)
}

/** An empty, `.` or `..` segment: at the start, between slashes, or at the end. */
const NOT_CANONICAL = /(^|\/)\.{0,2}(\/|$)/

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Which resources of this repository are ours (the `ownership` input). 'files': those at paths
 * `files` matches, so that workflows with disjoint globs share a Space. 'repository': every one,
 * so that a path `files` no longer matches is pruned by a full reconcile. Neither ever takes
 * another repository's file or a `free_text` without our marker.
 */
export type Ownership = 'files' | 'repository'

export const OWNERSHIPS: readonly Ownership[] = ['files', 'repository']

/** The paths whose resources of this repository are ours, given the `files` globs. */
export function ownedPaths(
  ownership: Ownership,
  matchesFiles: (path: string) => boolean
): (path: string) => boolean {
  return ownership === 'repository' ? () => true : matchesFiles
}

/** A path a resource of ours may have: canonical, and owned. */
function ours(path: unknown, owned: (path: string) => boolean): path is string {
  return typeof path === 'string' && isCanonicalPath(path) && owned(path)
}

/**
 * A listed resource as ours, or undefined when it is someone else's or not understood: a
 * `github_file` of this repository whose path is canonical and owned (`ownedPaths`), or a
 * `free_text` whose marker names this repository and such a path.
 */
export function recognise(
  r: unknown,
  repositoryId: number,
  owned: (path: string) => boolean
): OwnedResource | undefined {
  if (!isRecord(r) || !Number.isSafeInteger(r.id) || !isRecord(r.metadata)) return undefined
  const id = r.id as number
  const m = r.metadata
  if (r.resource_type === 'github_file') {
    if (m.repository_id !== repositoryId || !ours(m.file_path, owned)) return undefined
    const commit = typeof m.sha === 'string' ? m.sha : undefined
    return { id, type: 'github_file', path: m.file_path, commit }
  }
  if (r.resource_type === 'free_text') {
    const marker = readMarker(m.text)
    if (!marker || marker.repositoryId !== repositoryId || !ours(marker.path, owned)) {
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

/** A release note of ours (`release-notes`): a `free_text` whose marker names a release. */
export interface OwnedNote {
  id: number
  releaseId: number
  name?: string
  /** The hash of the note's text when written (the marker's blob). */
  version: string
  intact: boolean
}

const RELEASE_PATH = /^\/releases\/(\d+)$/

/** The marker path of a release's note: never a file's, since a repository path has no leading `/`. */
export function notePath(releaseId: number): string {
  return `/releases/${releaseId}`
}

export function recogniseNote(r: unknown, repositoryId: number): OwnedNote | undefined {
  if (!isRecord(r) || !Number.isSafeInteger(r.id) || !isRecord(r.metadata)) return undefined
  if (r.resource_type !== 'free_text') return undefined
  const marker = readMarker(r.metadata.text)
  const release = marker ? RELEASE_PATH.exec(marker.path) : null
  if (!marker || !release || marker.repositoryId !== repositoryId) return undefined
  return {
    id: r.id as number,
    releaseId: Number(release[1]),
    name: typeof r.metadata.name === 'string' ? r.metadata.name : undefined,
    version: marker.blobSha,
    intact: marker.intact
  }
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

/**
 * Whether a listed resource holds what an update sent: the identity `isCreatedResource` compares,
 * and for `free_text` the name too, since a rename of the name alone is an update of its own.
 */
export function isUpdatedResource(sent: CreateResourceBody, listed: SpaceResource): boolean {
  if (!isCreatedResource(sent, listed)) return false
  return sent.resource_type !== 'free_text' || listed.metadata?.name === sent.metadata.name
}

/** Whether a resource of ours already holds what syncing this file would write. */
export function isCurrent(s: ResourceSettings, r: OwnedResource, file: DesiredFile): boolean {
  if (r.type !== s.resourceType || r.path !== file.path) return false
  if (r.type === 'free_text') {
    // A text a person edited under our marker is repaired, even though the file did not change.
    return (
      r.intact === true &&
      r.blobSha === file.blobSha &&
      r.name === resourceName(s.namePrefix, file.path)
    )
  }
  // An unpinned resource follows the branch by itself; a change of `pin` converts it.
  if (!s.pin || r.commit === undefined) return !s.pin && r.commit === undefined
  if (r.commit === s.commit) return true
  const changed = s.changedSince.get(r.commit)
  return changed !== undefined && !changed.has(file.path)
}

/** Why a resource that is not current needs its update. */
export function staleReason(s: ResourceSettings, r: OwnedResource, file: DesiredFile): string {
  if (r.type === 'free_text' && r.blobSha === file.blobSha) {
    return r.intact !== true
      ? 'text edited in the Space; restored from the file'
      : 'name differs from name-prefix + path'
  }
  if (r.type === 'github_file' && (r.commit === undefined) === s.pin) {
    return s.pin
      ? 'pin is true: pinned at the synced commit'
      : 'pin is false: follows the default branch'
  }
  return 'file changed'
}

const REGULAR_MODES = new Set(['100644', '100755'])

/** Why a file of this mode is never synced, or undefined for a regular file. */
export function unsyncableMode(mode: FileMode | undefined): string | undefined {
  if (mode === undefined || REGULAR_MODES.has(mode)) return undefined
  if (mode === '120000') return 'symbolic link'
  if (mode === '160000') return 'submodule'
  return `not a regular file (mode ${mode})`
}

// ignoreBOM keeps a byte-order mark in the text, as the file has it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The request body that syncs a file with these bytes, or the reason it cannot be synced. */
export function bodyFor(
  s: ResourceSettings & { repositoryId: number },
  file: DesiredFile,
  bytes: Buffer
): ResourceBody | { unsyncable: string } {
  if (bytes.includes(0)) return { unsyncable: 'binary file (contains a NUL byte)' }
  // Decoding other bytes would put U+FFFD in place of each, silently and for good.
  let content: string
  try {
    content = UTF8.decode(bytes)
  } catch {
    return { unsyncable: 'not valid UTF-8' }
  }
  if (s.resourceType === 'github_file') {
    return {
      resource_type: 'github_file',
      metadata: {
        repository_id: s.repositoryId,
        file_path: file.path,
        ...(s.pin ? { sha: s.commit } : {})
      }
    }
  }
  const text = withMarker(content, {
    repositoryId: s.repositoryId,
    path: file.path,
    blobSha: file.blobSha
  })
  // The limit holds for what is sent, marker included.
  const size = Buffer.byteLength(text, 'utf8')
  if (size > MAX_FREE_TEXT_BYTES) {
    return {
      unsyncable: `larger than ${MAX_FREE_TEXT_BYTES / 1024} KiB, the free_text limit (${size} bytes with the marker)`
    }
  }
  return {
    resource_type: 'free_text',
    metadata: { name: resourceName(s.namePrefix, file.path), text }
  }
}

/**
 * What becomes of a resource of ours whose file can no longer be synced (binary, not UTF-8, too
 * large, a symbolic link): it is outdated, so it goes when pruning and is kept otherwise.
 */
export function outdated(
  path: string,
  resourceId: number,
  why: string,
  prune: boolean
):
  | { kind: 'delete'; path: string; resourceId: number; reason: string }
  | { kind: 'skip'; path: string; resourceId: number; reason: string } {
  return prune
    ? { kind: 'delete', path, resourceId, reason: `${why}; its outdated resource is removed` }
    : {
        kind: 'skip',
        path,
        resourceId,
        reason: `${why}; its resource is outdated, kept because prune is false`
      }
}
