/**
 * The tar reader behind the archive downloads, on archives `git archive` makes (as GitHub's
 * tarball endpoint does): every file with its mode and bytes, at every size of inflated chunk,
 * so that headers, contents and pax records cut by a chunk's end are all met.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import {
  blobId,
  scanArchive,
  treeFromArchive,
  type ArchiveFile
} from '../src/repository/archive.js'
import { createRepo, removeRepos } from './helpers/git-repo.js'
import { mulberry32 } from './helpers/random.js'

afterAll(removeRepos)

function repository() {
  const repo = createRepo()
  const next = mulberry32(20261130)
  const files: Record<string, string | Buffer> = {
    'empty.md': '',
    'one-block.md': 'x'.repeat(512),
    'just-over.md': 'y'.repeat(513),
    // A name past the 100 bytes of a tar header: git writes a pax record for it.
    [`docs/${'long-'.repeat(30)}name.md`]: 'long\n',
    'docs/ü/ñame.md': 'unicode\n',
    'bin/large.bin': Buffer.from(Array.from({ length: 300_000 }, () => Math.floor(next() * 256)))
  }
  for (let i = 0; i < 200; i++) files[`pages/p-${i}.md`] = `# ${i}\n`.repeat(1 + (i % 40))
  repo.write(files)
  chmodSync(join(repo.dir, 'one-block.md'), 0o755)
  symlinkSync('docs/ü/ñame.md', join(repo.dir, 'link.md'))
  const head = repo.commit('files')
  const archive = execFileSync(
    'git',
    ['archive', '--format=tar.gz', '--prefix=repo-abc1234/', head],
    {
      cwd: repo.dir,
      maxBuffer: 1 << 26
    }
  )
  const listed = execFileSync('git', ['ls-tree', '-r', '-z', '--full-tree', head], {
    cwd: repo.dir
  })
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map(record => {
      const [meta, path] = record.split('\t') as [string, string]
      const [mode, , blobSha] = meta.split(' ') as [string, string, string]
      return { path, mode, blobSha }
    })
  const rootTree = execFileSync('git', ['rev-parse', `${head}^{tree}`], { cwd: repo.dir })
    .toString()
    .trim()
  return { archive, listed, rootTree }
}

describe('scanArchive', () => {
  const { archive, listed, rootTree } = repository()
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1)

  it.each([512 * 1024 * 2, 64 * 1024, 4096, 1000, 513, 100])(
    'finds every file with its mode and bytes, inflated %i bytes at a time',
    async chunkSize => {
      const found: ArchiveFile[] = []
      await scanArchive(
        archive,
        file => found.push({ ...file, content: Buffer.from(file.content) }),
        chunkSize
      )
      const seen = found
        .map(f => ({ path: f.path, mode: f.mode, blobSha: blobId(f.content, rootTree) }))
        .sort(byPath)
      expect(seen).toEqual([...listed].sort(byPath))
    }
  )

  it('gives the commit its root tree back, so the archive is trusted', async () => {
    const tree = await treeFromArchive(archive, rootTree)
    expect(tree?.files.sort(byPath)).toEqual([...listed].sort(byPath))
    expect(await treeFromArchive(archive, 'f'.repeat(40))).toBeUndefined()
  })
})
