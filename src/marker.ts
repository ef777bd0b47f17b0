/**
 * A `free_text` resource this action creates ends with a marker naming the repository, the path
 * and the blob it was made from. The marker is what makes it ours (a hand-written note may share
 * a file's name) and lets a later run see that the file is unchanged without reading it.
 */

export interface Marker {
  repositoryId: number
  path: string
  blobSha: string
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

export function withMarker(content: string, marker: Marker): string {
  const payload = encode({
    repository_id: marker.repositoryId,
    path: marker.path,
    blob: marker.blobSha
  })
  return `${content}${content.endsWith('\n') || content === '' ? '' : '\n'}\n${PREFIX}${payload}${SUFFIX}\n`
}

/** The marker at the end of a text, or undefined when there is none (not ours). */
export function readMarker(text: unknown): Marker | undefined {
  if (typeof text !== 'string') return undefined
  const trimmed = text.trimEnd()
  if (!trimmed.endsWith(SUFFIX)) return undefined
  const start = trimmed.lastIndexOf(PREFIX)
  if (start < 0) return undefined
  try {
    const data = JSON.parse(
      trimmed.slice(start + PREFIX.length, trimmed.length - SUFFIX.length)
    ) as Record<string, unknown>
    if (
      typeof data.repository_id === 'number' &&
      typeof data.path === 'string' &&
      typeof data.blob === 'string'
    ) {
      return { repositoryId: data.repository_id, path: data.path, blobSha: data.blob }
    }
  } catch {
    // A marker-like line that is not ours to parse: treat the resource as someone else's.
  }
  return undefined
}
