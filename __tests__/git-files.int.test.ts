import { afterAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGit, GitError } from '../src/repository/git.js'
import { createGitFiles } from '../src/repository/git-reader.js'
import type { FileChange } from '../src/repository/files.js'
import {
  cloneRepo,
  createOrigin,
  createRepo,
  NULL_SHA,
  removeRepos,
  type TestRepo
} from './helpers/git-repo.js'

afterAll(removeRepos)

function byPath(changes: FileChange[] | undefined): FileChange[] | undefined {
  return changes && [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

function filesOf(repo: TestRepo, log?: (msg: string) => void) {
  return createGitFiles(createGit(repo.dir, { log }), { log })
}

describe('createGit', () => {
  it('knows a work tree from a plain or missing directory', async () => {
    const repo = createRepo()
    const plain = mkdtempSync(join(tmpdir(), 'css-plain-'))
    try {
      expect(await createGit(repo.dir).isRepo()).toBe(true)
      expect(await createGit(plain).isRepo()).toBe(false)
      expect(await createGit(join(plain, 'missing')).isRepo()).toBe(false)
    } finally {
      rmSync(plain, { recursive: true, force: true })
    }
  })

  it('reports failures with the command and what git said', async () => {
    const repo = createRepo()
    repo.commit('one', { 'a.txt': 'a' })
    const git = createGit(repo.dir)
    const failed = await git.run(['cat-file', 'blob', 'nope'], { allowFailure: true })
    expect(failed.code).not.toBe(0)
    expect(failed.stderr.toString()).toMatch(/nope/)
    const error = await git.run(['cat-file', 'blob', 'nope']).catch(e => e)
    expect(error).toBeInstanceOf(GitError)
    expect(error.message).toMatch(/^git cat-file blob nope exited with \d+: fatal: .*nope/)
  })

  it('feeds standard input to a command', async () => {
    const repo = createRepo()
    const head = repo.commit('one', { 'a.txt': 'bytes\0\n' })
    const git = createGit(repo.dir)
    const res = await git.run(['hash-object', '--stdin'], { input: Buffer.from('bytes\0\n') })
    expect(res.stdout.toString().trim()).toBe(repo.blobSha(head, 'a.txt'))
  })

  it('refuses commit names that git would read as options', async () => {
    const files = filesOf(createRepo())
    await expect(files.diff('--output=/tmp/x', 'HEAD')).rejects.toThrow(/not a usable commit/)
    await expect(files.readBlob('-p')).rejects.toThrow(/not a usable commit/)
  })

  it('answers false when a commit cannot be fetched, without throwing', async () => {
    const { work } = createOrigin()
    work.commit('one', { 'a.txt': 'a' })
    work.push()
    const logs: string[] = []
    const git = createGit(work.dir, { log: m => logs.push(m) })
    expect(await git.fetchCommit('1'.repeat(40))).toBe(false)
    expect(logs.join('\n')).toMatch(
      /git fetch --no-tags --no-recurse-submodules --depth=1 origin 1{40} failed/
    )
    expect(await git.fetchCommit('not-a-sha')).toBe(false)
    expect(await git.fetchCommit(work.rev(), 'no-such-remote')).toBe(true) // already local
  })
})

describe('createGitFiles: diff', () => {
  it('reports additions, modifications, deletions and mode changes with head blobs', async () => {
    const repo = createRepo()
    const base = repo.commit('base', { 'a.md': 'a\n', 'b.md': 'b\n', 'c.sh': 'echo c\n' })
    chmodSync(join(repo.dir, 'c.sh'), 0o755)
    const head = repo.commit('change', { 'a.md': 'a2\n', 'b.md': null, 'new/d.md': 'd\n' })
    const changes = await filesOf(repo).diff(base, head)
    expect(byPath(changes)).toEqual([
      { status: 'modified', path: 'a.md', blobSha: repo.blobSha(head, 'a.md'), mode: '100644' },
      { status: 'deleted', path: 'b.md' },
      { status: 'modified', path: 'c.sh', blobSha: repo.blobSha(head, 'c.sh'), mode: '100755' },
      { status: 'added', path: 'new/d.md', blobSha: repo.blobSha(head, 'new/d.md'), mode: '100644' }
    ])
    expect(await filesOf(repo).diff(head, head)).toEqual([])
  })

  it('reports a file that became a symlink as modified, with the new mode', async () => {
    const repo = createRepo()
    const base = repo.commit('base', { 'target.md': 't', 'link.md': 'was a file' })
    repo.write({ 'link.md': null })
    symlinkSync('target.md', join(repo.dir, 'link.md'))
    const head = repo.commit('symlink')
    expect(await filesOf(repo).diff(base, head)).toEqual([
      {
        status: 'modified',
        path: 'link.md',
        blobSha: repo.blobSha(head, 'link.md'),
        mode: '120000'
      }
    ])
  })

  it('reports renames within and across folders, exact and with edits', async () => {
    const text = (n: number) => `line ${n}\n`.repeat(20)
    const repo = createRepo()
    const base = repo.commit('base', {
      'docs/old.md': text(1),
      'docs/edited.md': text(2),
      'src/moved.md': text(3)
    })
    repo.move('docs/old.md', 'docs/new.md')
    repo.move('docs/edited.md', 'docs/renamed.md')
    repo.write({ 'docs/renamed.md': text(2) + 'one more line\n' })
    repo.move('src/moved.md', 'guide/deep/moved.md')
    const head = repo.commit('renames')
    expect(byPath(await filesOf(repo).diff(base, head))).toEqual([
      {
        status: 'renamed',
        previousPath: 'docs/old.md',
        path: 'docs/new.md',
        blobSha: repo.blobSha(head, 'docs/new.md'),
        mode: '100644'
      },
      {
        status: 'renamed',
        previousPath: 'docs/edited.md',
        path: 'docs/renamed.md',
        blobSha: repo.blobSha(head, 'docs/renamed.md'),
        mode: '100644'
      },
      {
        status: 'renamed',
        previousPath: 'src/moved.md',
        path: 'guide/deep/moved.md',
        blobSha: repo.blobSha(head, 'guide/deep/moved.md'),
        mode: '100644'
      }
    ])
  })

  it('gives the net change of several commits: a file added then removed is no change', async () => {
    const repo = createRepo()
    const before = repo.commit('base', { 'keep.md': 'k' })
    repo.commit('add', { 'temp.md': 'short-lived' })
    repo.commit('edit', { 'keep.md': 'k2' })
    const after = repo.commit('remove', { 'temp.md': null, 'keep.md': 'k' })
    expect(await filesOf(repo).diff(before, after)).toEqual([])
  })

  it('diffs a pushed merge commit against the branch tip before it', async () => {
    const repo = createRepo()
    repo.commit('base', { 'a.md': 'a', 'b.md': 'b' })
    repo.branch('feature')
    const before = repo.commit('main moves', { 'main.md': 'm' })
    repo.checkout('feature')
    repo.commit('feature work', { 'feature.md': 'f', 'a.md': 'a from feature' })
    repo.checkout('main')
    const after = repo.merge('feature')
    expect(byPath(await filesOf(repo).diff(before, after))).toEqual([
      { status: 'modified', path: 'a.md', blobSha: repo.blobSha(after, 'a.md'), mode: '100644' },
      {
        status: 'added',
        path: 'feature.md',
        blobSha: repo.blobSha(after, 'feature.md'),
        mode: '100644'
      }
    ])
  })

  it('diffs the trees of a force push, whose before is not an ancestor of after', async () => {
    const repo = createRepo()
    const root = repo.commit('base', { 'a.md': 'a', 'b.md': 'b' })
    const before = repo.commit('to be discarded', { 'x.md': 'x', 'a.md': 'a changed' })
    repo.resetHard(root)
    const after = repo.commit('rewritten', { 'y.md': 'y', 'b.md': null })
    const ancestry = await createGit(repo.dir).run(['merge-base', '--is-ancestor', before, after], {
      allowFailure: true
    })
    expect(ancestry.code).toBe(1)
    expect(byPath(await filesOf(repo).diff(before, after))).toEqual([
      { status: 'modified', path: 'a.md', blobSha: repo.blobSha(after, 'a.md'), mode: '100644' },
      { status: 'deleted', path: 'b.md' },
      { status: 'deleted', path: 'x.md' },
      { status: 'added', path: 'y.md', blobSha: repo.blobSha(after, 'y.md'), mode: '100644' }
    ])
  })

  it('keeps any path verbatim: spaces, unicode, quotes, newlines, tabs, backslashes', async () => {
    const paths = [
      'docs/with space.md',
      'docs/naïve café.md',
      '文档/说明.md',
      `quotes/"double" and 'single'.md`,
      'odd/new\nline.md',
      'odd/tab\there.md',
      'odd/back\\slash.md',
      'emoji/🚀 launch.md'
    ]
    const repo = createRepo()
    const base = repo.commit('base', {
      'keep.md': 'k',
      'docs/naïve.md': 'rename me, please '.repeat(9)
    })
    repo.write(Object.fromEntries(paths.map(p => [p, `content of ${p}`])))
    repo.move('docs/naïve.md', '文档/naïve 移动.md')
    const head = repo.commit('odd paths')
    const changes = await filesOf(repo).diff(base, head)
    expect(byPath(changes)).toEqual(
      byPath([
        ...paths.map(path => ({
          status: 'added' as const,
          path,
          blobSha: repo.blobSha(head, path),
          mode: '100644'
        })),
        {
          status: 'renamed',
          previousPath: 'docs/naïve.md',
          path: '文档/naïve 移动.md',
          blobSha: repo.blobSha(head, '文档/naïve 移动.md'),
          mode: '100644'
        }
      ])
    )
    const listed = (await filesOf(repo).listFiles(head)).files.map(f => f.path)
    expect(listed.sort()).toEqual([...paths, 'keep.md', '文档/naïve 移动.md'].sort())
  })

  it('reports every change of a large change set, far beyond the compare API cap', async () => {
    const repo = createRepo()
    const base = repo.commit('base', { 'keep.md': 'k' })
    const many = Object.fromEntries(
      Array.from({ length: 350 }, (_, i) => [`bulk/file-${i}.md`, `file ${i}\n`])
    )
    const head = repo.commit('bulk', many)
    const changes = await filesOf(repo).diff(base, head)
    expect(changes).toHaveLength(350)
    expect(new Set(changes?.map(c => c.path))).toEqual(new Set(Object.keys(many)))
    expect(changes?.every(c => c.status === 'added' && c.blobSha)).toBe(true)
  })

  it("keeps detecting renames past git's default rename limit", async () => {
    // 1100 renamed and edited files with new names: 1100² candidate pairs exceed git's default
    // limit (1000²), where git would report 1100 deletions and 1100 additions instead.
    const n = 1100
    const body = (i: number) => `document number ${i}\n${'some shared body text\n'.repeat(8)}`
    const repo = createRepo()
    const base = repo.commit(
      'base',
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`old/f${i}.md`, body(i)]))
    )
    for (let i = 0; i < n; i++) repo.move(`old/f${i}.md`, `new/g${i}.md`)
    repo.write(
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`new/g${i}.md`, body(i) + 'edited\n'])
      )
    )
    const head = repo.commit('move everything')
    const logs: string[] = []
    const changes = await filesOf(repo, m => logs.push(m)).diff(base, head)
    expect(changes).toHaveLength(n)
    expect(changes?.every(c => c.status === 'renamed')).toBe(true)
    expect(changes?.find(c => c.path === 'new/g7.md')?.previousPath).toBe('old/f7.md')
    expect(logs).toEqual([])

    // With a tiny limit git gives up on inexact renames; the reader says so instead of hiding it.
    const limited = createGitFiles(createGit(repo.dir), { renameLimit: 10, log: m => logs.push(m) })
    const split = await limited.diff(base, head)
    expect(split).toHaveLength(2 * n)
    expect(logs.join('\n')).toMatch(/rename detection was skipped/)
  })

  it('leaves submodules (gitlinks) out', async () => {
    const repo = createRepo()
    const base = repo.commit('base', { 'a.md': 'a' })
    repo.git('update-index', '--add', '--cacheinfo', `160000,${base},vendor/lib`)
    repo.git('commit', '-q', '-m', 'add a submodule')
    const head = repo.rev()
    expect(await filesOf(repo).diff(base, head)).toEqual([])
    const listing = await filesOf(repo).listFiles(head)
    expect(listing.files.map(f => f.path)).toEqual(['a.md'])
  })

  it('fetches a before commit that a shallow clone lacks', async () => {
    const { origin, work } = createOrigin()
    work.commit('one', { 'a.md': 'a', 'b.md': 'b' })
    const before = work.commit('two', { 'a.md': 'a2' })
    work.push()
    const after = work.commit('three', { 'b.md': null, 'c.md': 'c' })
    work.push()

    const ci = cloneRepo(origin.url, { depth: 1 })
    const git = createGit(ci.dir)
    expect(await git.hasCommit(after)).toBe(true)
    expect(await git.hasCommit(before)).toBe(false)
    const logs: string[] = []
    const changes = await createGitFiles(git, { log: m => logs.push(m) }).diff(before, after)
    expect(byPath(changes)).toEqual([
      { status: 'deleted', path: 'b.md' },
      { status: 'added', path: 'c.md', blobSha: work.blobSha(after, 'c.md'), mode: '100644' }
    ])
    expect(await git.hasCommit(before)).toBe(true)
    expect(logs).toEqual([`commit ${before.slice(0, 7)} is not in the checkout; fetching it`])
  })

  it('fetches the before commit of a force push that only the origin still holds', async () => {
    const { origin, work } = createOrigin()
    const root = work.commit('one', { 'a.md': 'a' })
    const before = work.commit('discarded', { 'x.md': 'x' })
    work.push()
    work.resetHard(root)
    const after = work.commit('rewritten', { 'y.md': 'y' })
    work.push('origin', undefined, { force: true })

    const ci = cloneRepo(origin.url, { depth: 1 })
    const changes = await filesOf(ci).diff(before, after)
    expect(byPath(changes)).toEqual([
      { status: 'deleted', path: 'x.md' },
      { status: 'added', path: 'y.md', blobSha: work.blobSha(after, 'y.md'), mode: '100644' }
    ])
  })

  it('answers undefined, and says why, for a before commit that exists nowhere', async () => {
    const { origin, work } = createOrigin()
    work.commit('one', { 'a.md': 'a' })
    const after = work.commit('two', { 'a.md': 'a2' })
    work.push()
    const ci = cloneRepo(origin.url, { depth: 1 })
    const ghost = 'deadbeef'.repeat(5)
    const files = filesOf(ci)
    expect(await files.diff(ghost, after)).toBeUndefined()
    expect(await files.explainDiff(ghost, after, { base: 'before commit' })).toEqual({
      why: 'before commit deadbee is not in the checkout and could not be fetched'
    })
    // A repository without a remote to fetch from answers the same way.
    const lonely = createRepo()
    const only = lonely.commit('one', { 'a.md': 'a' })
    expect(await filesOf(lonely).explainDiff(NULL_SHA, only)).toEqual({
      why: 'base commit 0000000 is not in the checkout and could not be fetched'
    })
  })
})

describe('createGitFiles: listFiles and readBlob', () => {
  it('lists every blob with its mode, symlinks included', async () => {
    const repo = createRepo()
    repo.write({ 'run.sh': '#!/bin/sh\n', 'docs/a.md': 'a', 'docs/deep/b.md': 'b' })
    chmodSync(join(repo.dir, 'run.sh'), 0o755)
    symlinkSync('docs/a.md', join(repo.dir, 'link'))
    const head = repo.commit('files')
    // Listing from a subdirectory still covers the whole tree.
    const listing = await createGitFiles(createGit(join(repo.dir, 'docs'))).listFiles(head)
    expect(listing.complete).toBe(true)
    expect(listing.files.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'docs/a.md', blobSha: repo.blobSha(head, 'docs/a.md'), mode: '100644' },
      { path: 'docs/deep/b.md', blobSha: repo.blobSha(head, 'docs/deep/b.md'), mode: '100644' },
      { path: 'link', blobSha: repo.blobSha(head, 'link'), mode: '120000' },
      { path: 'run.sh', blobSha: repo.blobSha(head, 'run.sh'), mode: '100755' }
    ])
  })

  it('lists a commit whose listing is read in many pieces, records crossing them', async () => {
    // Some 3,000 files with long and multi-byte names: git writes over 400 KB, read in 64 KiB
    // chunks and decoded some 256 KiB at a time.
    const repo = createRepo()
    const files: Record<string, string> = {}
    for (let i = 0; i < 3000; i++) {
      const name = `${'ü'.repeat(i % 7)}page-${i}-${'x'.repeat(i % 113)}.md`
      files[`docs/${i % 40}/${name}`] = `# ${i}\n`
    }
    const head = repo.commit('many', files)
    const listing = await filesOf(repo).listFiles(head)
    const out = execFileSync('git', ['ls-tree', '-r', '-z', '--full-tree', head], {
      cwd: repo.dir,
      maxBuffer: 1 << 26
    })
    expect(out.length).toBeGreaterThan(400_000)
    const expected = out
      .toString('utf8')
      .split('\0')
      .filter(Boolean)
      .map(record => {
        const [meta, path] = record.split('\t') as [string, string]
        const [mode, , blobSha] = meta.split(' ')
        return { path, blobSha, mode }
      })
    expect(listing.files).toEqual(expected)
    expect(new Set(listing.files.map(f => f.path))).toEqual(new Set(Object.keys(files)))
  })

  it('lists an older commit, not the work tree', async () => {
    const repo = createRepo()
    const first = repo.commit('one', { 'a.md': 'a' })
    repo.commit('two', { 'b.md': 'b' })
    repo.write({ 'untracked.md': 'u' })
    expect((await filesOf(repo).listFiles(first)).files.map(f => f.path)).toEqual(['a.md'])
  })

  it('reads blobs byte for byte: binary and unicode', async () => {
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const unicode = 'naïve café — 说明 🚀\r\nno trailing newline'
    const repo = createRepo()
    const head = repo.commit('blobs', { 'bin/all-bytes.bin': binary, 'docs/u.md': unicode })
    const files = filesOf(repo)
    expect((await files.readBlob(repo.blobSha(head, 'bin/all-bytes.bin'))).equals(binary)).toBe(
      true
    )
    expect((await files.readBlob(repo.blobSha(head, 'docs/u.md'))).toString('utf8')).toBe(unicode)
    await expect(files.readBlob('1'.repeat(40))).rejects.toThrow(GitError)
  })
})
