/**
 * A `free_text` resource this action creates ends with a marker naming the repository, the path,
 * the blob it was made from and a hash of the text above it. The marker is what makes it ours (a
 * hand-written note may share a file's name); the blob lets a later run see that the file is
 * unchanged without reading it, and the hash that nobody edited the text since.
 */
import { createHash } from 'node:crypto'

export interface Marker {
  repositoryId: number
  path: string
  blobSha: string
}

export interface ReadMarker extends Marker {
  /** The text above the marker is the text the action wrote (same hash, once normalised). */
  intact: boolean
}

const PREFIX = '<!-- copilot-space-sync: '
const SUFFIX = ' -->'

// Escaping <, > and & keeps any path from closing the HTML comment early; it is still valid JSON.
function encode(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/**
 * A hash of text as a person reads it: line endings, trailing whitespace and Unicode composition
 * are left out, so that a server normalising them is not mistaken for an edit.
 */
export function contentHash(content: string): string {
  const normal = content
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(line => line.trimEnd())
    .join('\n')
    .trimEnd()
  return createHash('sha256').update(normal, 'utf8').digest('hex')
}

export function withMarker(content: string, marker: Marker): string {
  const payload = encode({
    repository_id: marker.repositoryId,
    path: marker.path,
    blob: marker.blobSha,
    sha256: contentHash(content)
  })
  return `${content}${content.endsWith('\n') || content === '' ? '' : '\n'}\n${PREFIX}${payload}${SUFFIX}\n`
}

/** The marker at the end of a text, or undefined when there is none (not ours). */
export function readMarker(text: unknown): ReadMarker | undefined {
  if (typeof text !== 'string') return undefined
  const trimmed = text.trimEnd()
  if (!trimmed.endsWith(SUFFIX)) return undefined
  const start = trimmed.lastIndexOf(PREFIX)
  if (start < 0) return undefined
  try {
    const data: unknown = JSON.parse(
      trimmed.slice(start + PREFIX.length, trimmed.length - SUFFIX.length)
    )
    if (
      typeof data === 'object' &&
      data !== null &&
      'repository_id' in data &&
      'path' in data &&
      'blob' in data &&
      typeof data.repository_id === 'number' &&
      typeof data.path === 'string' &&
      typeof data.blob === 'string'
    ) {
      const hash = 'sha256' in data ? data.sha256 : undefined
      return {
        repositoryId: data.repository_id,
        path: data.path,
        blobSha: data.blob,
        // A marker from before the hash existed cannot vouch for the text: it counts as edited.
        intact: typeof hash === 'string' && hash === contentHash(trimmed.slice(0, start))
      }
    }
  } catch {
    // A marker-like line that is not ours to parse: treat the resource as someone else's.
  }
  return undefined
}
