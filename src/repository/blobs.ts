/**
 * Reading the files a plan writes, a few at a time: each blob's bytes, or why it could not be
 * read (that path then fails alone; the others go on).
 */
import type { RepoFiles } from './files.js'

const READ_CONCURRENCY = 4

export async function readBlobs(
  files: RepoFiles,
  blobs: readonly string[],
  explain: (error: unknown) => string
): Promise<Map<string, Buffer | { error: string }>> {
  const contents = new Map<string, Buffer | { error: string }>()
  let next = 0
  const worker = async () => {
    while (next < blobs.length) {
      const blob = blobs[next++]!
      try {
        contents.set(blob, await files.readBlob(blob))
      } catch (error) {
        contents.set(blob, { error: explain(error) })
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, blobs.length) }, worker))
  return contents
}
