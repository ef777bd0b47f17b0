/**
 * Reading the files a plan writes: many at once when the reader has a way (one archive instead
 * of a request per file), the rest a few at a time. Each blob's bytes, or why it could not be
 * read (that path then fails alone; the others go on).
 */
import type { RepoFiles } from './files.js'

const READ_CONCURRENCY = 4

/**
 * From this many blobs on, a reader's `readMany` is tried first: one archive of the whole
 * commit costs one request, however many files it holds, but also the download of every file.
 */
export const MANY_BLOBS = 10

export async function readBlobs(
  files: RepoFiles,
  commit: string,
  blobs: readonly string[],
  o: { explain: (error: unknown) => string; log?: (line: string) => void }
): Promise<Map<string, Buffer | { error: string }>> {
  const contents = new Map<string, Buffer | { error: string }>()
  if (files.readMany && blobs.length >= MANY_BLOBS) {
    try {
      for (const [blob, bytes] of await files.readMany(commit, blobs)) contents.set(blob, bytes)
      const rest = blobs.length - contents.size
      o.log?.(
        `Read ${contents.size} file(s) from one archive of the commit${rest > 0 ? `; ${rest} not in it are read one by one` : ''}.`
      )
    } catch (error) {
      o.log?.(
        `Could not read the commit's archive (${o.explain(error)}); reading files one by one.`
      )
    }
  }
  const left = blobs.filter(b => !contents.has(b))
  let next = 0
  const worker = async () => {
    while (next < left.length) {
      const blob = left[next++]!
      try {
        contents.set(blob, await files.readBlob(blob))
      } catch (error) {
        contents.set(blob, { error: o.explain(error) })
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, left.length) }, worker))
  return contents
}
