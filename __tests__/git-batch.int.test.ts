/**
 * The git reader at scale, counted in git processes (never timed): every blob through one
 * long-lived `git cat-file --batch`, and the pinned-commit question for many commits in a
 * constant number of git commands.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { readBlobs } from '../src/repository/blobs.js'
import { touchedPaths, type RepoFiles } from '../src/repository/files.js'
import { createGit, GitError, type Git, type GitProcess } from '../src/repository/git.js'
import { createCatFileBatch, createGitFiles } from '../src/repository/git-reader.js'
import type { OwnedResource } from '../src/space/resource.js'
import { changedSinceCommits } from '../src/sync/desired.js'
import { cloneRepo, createOrigin, createRepo, removeRepos } from './helpers/git-repo.js'

afterAll(removeRepos)

/** Build once, on first use: the tests only read the history (each from its own clone). */
function once<T>(make: () => T): () => T {
  let made: T | undefined
  return () => (made ??= make())
}

/** A Git that records every process it spawns, and the long-lived ones it started. */
function counting(dir: string, log?: (msg: string) => void) {
  const spawned: string[][] = []
  const started: { proc: GitProcess; holds: boolean[] }[] = []
  const inner = createGit(dir, { log, onSpawn: args => spawned.push([...args]) })
  const git: Git = {
    ...inner,
    start(args) {
      const proc = inner.start(args)
      const entry = { proc, holds: [] as boolean[] }
      started.push(entry)
      return {
        ...proc,
        hold(held) {
          entry.holds.push(held)
          proc.hold(held)
        }
      }
    }
  }
  const commands = () => spawned.map(a => (a[0] === 'cat-file' ? `cat-file ${a[1]}` : a[0]!))
  return { git, spawned, started, commands }
}

/** A fallback reader that only reads blobs, and says which. */
function blobFallback(blobs: Record<string, string>) {
  const asked: string[] = []
  const files = {
    kind: 'api',
    async readBlob(sha: string) {
      asked.push(sha)
      if (blobs[sha] === undefined) throw new Error(`fallback has no ${sha}`)
      return Buffer.from(blobs[sha]!)
    }
  } as unknown as RepoFiles
  return { files, asked }
}

describe('readBlob: one git cat-file --batch', () => {
  it('reads 2,000 blobs, four at a time, through one git process', async () => {
    const n = 2000
    const repo = createRepo()
    const contents = Array.from({ length: n }, (_, i) => `file ${i}\n`.repeat(1 + (i % 7)))
    const head = repo.commit('many', Object.fromEntries(contents.map((c, i) => [`f/${i}.md`, c])))
    // One ls-tree for every sha: setup should not cost a process per file either.
    const listed = new Map(
      repo
        .git('ls-tree', '-r', head)
        .split('\n')
        .map(line => [line.slice(line.indexOf('\t') + 1), line.split(/\s/)[2]!])
    )
    const shas = contents.map((_, i) => listed.get(`f/${i}.md`)!)
    const { git, spawned, started } = counting(repo.dir)
    const files = createGitFiles(git)

    const read = await readBlobs(files, head, shas, { explain: String })
    expect(read.size).toBe(n)
    shas.forEach((sha, i) => expect((read.get(sha) as Buffer).toString('utf8')).toBe(contents[i]))
    // Before: one `git cat-file blob` per blob (2,000 processes).
    expect(spawned).toEqual([['cat-file', '--batch']])
    // Idle again: the process no longer keeps Node running.
    expect(started[0]!.holds.at(-1)).toBe(false)
    await files.close?.()
  })

  it('keeps every byte: NUL, newlines, CR, empty, header-like and multi-chunk content', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const blobs: Record<string, Buffer | string> = {
      'all-bytes.bin': all,
      'nul-newline.bin': Buffer.from([0, 10, 0, 10, 10, 0]),
      'ends-in-newlines.txt': 'text\n\n\n',
      'looks-like-a-header.txt': `${'a'.repeat(40)} blob 12\nmissing\n`,
      'crlf.txt': 'one\r\ntwo\r\n',
      'empty.txt': '',
      'newline.txt': '\n',
      // Larger than any pipe read: arrives in many chunks.
      'big.bin': Buffer.concat(Array.from({ length: 300 }, () => all)).subarray(0, 3_000_001)
    }
    const repo = createRepo()
    const head = repo.commit('bytes', blobs)
    const { git, spawned } = counting(repo.dir)
    const files = createGitFiles(git)
    // All at once: answers come back in order and each goes to its own request.
    const paths = Object.keys(blobs)
    const read = await Promise.all(
      [...paths, ...paths].map(p => files.readBlob(repo.blobSha(head, p)))
    )
    ;[...paths, ...paths].forEach((p, i) => {
      expect(read[i]!.equals(Buffer.from(blobs[p]!))).toBe(true)
    })
    expect(spawned).toHaveLength(1)
    await files.close?.()
  })

  it('answers a missing blob from the fallback, or with a GitError without one', async () => {
    const repo = createRepo()
    const head = repo.commit('one', { 'a.md': 'a', 'b.md': 'b' })
    const a = repo.blobSha(head, 'a.md')
    const b = repo.blobSha(head, 'b.md')
    const ghost = '1'.repeat(40)
    const tree = repo.rev(`${head}^{tree}`)

    const alone = createGitFiles(createGit(repo.dir))
    await expect(alone.readBlob(ghost)).rejects.toThrow(GitError)
    await expect(alone.readBlob(ghost)).rejects.toThrow(/1{40} missing/)
    await expect(alone.readBlob(tree)).rejects.toThrow(/is a tree, not a blob/)
    expect((await alone.readBlob(a)).toString()).toBe('a') // the process is still usable
    await alone.close?.()

    const logs: string[] = []
    const { files: fallback, asked } = blobFallback({ [ghost]: 'from the API' })
    const { git, spawned } = counting(repo.dir)
    const files = createGitFiles(git, { fallback, log: m => logs.push(m) })
    // A missing blob among present ones, concurrently: each request gets its own answer.
    const read = await Promise.all([a, ghost, b, ghost, a].map(sha => files.readBlob(sha)))
    expect(read.map(r => r.toString())).toEqual(['a', 'from the API', 'b', 'from the API', 'a'])
    expect(asked).toEqual([ghost, ghost])
    expect(logs[0]).toBe(
      `blob 1111111 is not in the checkout (${ghost} missing); reading it through the REST API`
    )
    expect(spawned).toHaveLength(1)
    await files.close?.()
  })

  it('starts again after close, and after the process died; a dead one fails what it owed', async () => {
    const repo = createRepo()
    const head = repo.commit('one', { 'a.md': 'a' })
    const a = repo.blobSha(head, 'a.md')
    const { git, spawned, started } = counting(repo.dir)
    const files = createGitFiles(git)
    expect((await files.readBlob(a)).toString()).toBe('a')
    await files.close?.()
    expect(await started[0]!.proc.exited).toMatchObject({ code: 0 })
    await files.close?.() // closing twice is harmless
    expect((await files.readBlob(a)).toString()).toBe('a')
    expect(spawned).toHaveLength(2)

    // Killed with a read in flight: that read fails, the next one starts a new process.
    const pending = files.readBlob(a)
    started[1]!.proc.kill()
    const outcome = await pending.then(
      b => b.toString(),
      (e: unknown) => e
    )
    // The answer may have won the race with the kill; either way nothing hangs.
    if (outcome !== 'a') expect(outcome).toBeInstanceOf(GitError)
    await started[1]!.proc.exited
    expect((await files.readBlob(a)).toString()).toBe('a')
    expect(spawned).toHaveLength(3)
    expect(started.every(s => s.holds.at(-1) === false)).toBe(true)

    // Left idle, unclosed, the process ends by itself (within about a second).
    expect(await started[2]!.proc.exited).toMatchObject({ code: 0 })
    expect((await files.readBlob(a)).toString()).toBe('a')
    expect(spawned).toHaveLength(4)
    await files.close?.()
  })

  it('refuses a name that would split into two requests', async () => {
    const batch = createCatFileBatch(createGit(createRepo().dir))
    await expect(batch.read('HEAD\nHEAD')).rejects.toThrow(/not a usable object name/)
    await expect(batch.read('')).rejects.toThrow(/not a usable object name/)
    await batch.close()
  })
})

describe('changedPaths: many pinned commits in a bounded number of git processes', () => {
  /**
   * 50 commits, each changing something different: edits, additions, deletions, renames
   * (exact and edited), a mode change, a file that becomes a symlink, a submodule.
   */
  const history = once(() => {
    const { origin, work } = createOrigin()
    const body = (i: number) => `document ${i}\n${'shared text for rename detection\n'.repeat(10)}`
    const pinned: string[] = [
      work.commit('base', {
        ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`docs/${i}.md`, body(i)])),
        'run.sh': 'echo\n'
      })
    ]
    for (let i = 1; i < 50; i++) {
      const k = i % 20
      switch (i % 6) {
        case 0:
          pinned.push(work.commit(`edit ${i}`, { [`docs/${k}.md`]: `${body(k)}edit ${i}\n` }))
          break
        case 1:
          pinned.push(work.commit(`add ${i}`, { [`new/${i}.md`]: `new ${i}` }))
          break
        case 2:
          pinned.push(work.commit(`delete ${i}`, { [`new/${i - 1}.md`]: null }))
          break
        case 3:
          work.move(`docs/${k}.md`, `moved/${i}.md`)
          pinned.push(work.commit(`rename ${i}`))
          break
        case 4:
          work.move(`moved/${i - 1}.md`, `back/${i}.md`)
          pinned.push(work.commit(`rename, edited ${i}`, { [`back/${i}.md`]: `${body(k)}+` }))
          break
        default:
          chmodSync(join(work.dir, 'run.sh'), i % 2 ? 0o755 : 0o644)
          pinned.push(work.commit(`mode ${i}`, {}, { allowEmpty: true }))
      }
    }
    work.push()
    const head = work.commit('head', { 'docs/3.md': 'head edit', 'head.md': 'h' })
    work.push()
    return { origin, work, pinned, head }
  })

  it('answers 50 pinned commits of a shallow clone in 4 git processes, as 50 diffs would', async () => {
    const { origin, work, pinned, head } = history()
    // What each diff says, from a full clone (renames detected).
    const full = createGitFiles(createGit(work.dir))
    const expected = new Map<string, ReadonlySet<string> | undefined>()
    for (const c of pinned) expected.set(c, touchedPaths((await full.diff(c, head))!))
    // Both paths of a rename (moved/3.md → back/4.md, edited), a mode change (run.sh).
    for (const path of ['moved/3.md', 'back/4.md', 'run.sh', 'head.md', 'docs/3.md']) {
      expect(expected.get(pinned[3]!)?.has(path)).toBe(true)
    }
    expect(expected.get(pinned[49]!)).toEqual(new Set(['docs/3.md', 'head.md']))

    const ci = cloneRepo(origin.url, { depth: 1 })
    const logs: string[] = []
    const { git, commands } = counting(ci.dir, m => logs.push(m))
    const files = createGitFiles(git, { log: m => logs.push(m) })
    expect(await files.changedPaths(pinned, head)).toEqual(expected)
    // Before: 4 per commit (cat-file -e, fetch, cat-file -e, diff): 200.
    expect(commands()).toEqual([
      'cat-file --batch-check',
      'fetch',
      'cat-file --batch-check',
      'diff-tree'
    ])
    expect(logs).toEqual([
      `50 commit(s) not in the checkout (${pinned
        .slice(0, 5)
        .map(c => c.slice(0, 7))
        .join(', ')}, …); fetching them`
    ])

    // Asked again, everything is local: two processes.
    const again = counting(ci.dir)
    expect(await createGitFiles(again.git).changedPaths(pinned, head)).toEqual(expected)
    expect(again.commands()).toEqual(['cat-file --batch-check', 'diff-tree'])
  })

  it('drops a commit the remote refuses and fetches the rest; unknown ones are undefined', async () => {
    const { origin, work, pinned, head } = history()
    const ghost = 'deadbeef'.repeat(5)
    const blob = work.blobSha(head, 'head.md')
    const tree = work.git('rev-parse', `${pinned[7]!}^{tree}`)
    const ci = cloneRepo(origin.url, { depth: 1 })
    const { git, commands, spawned } = counting(ci.dir)
    const files = createGitFiles(git)
    const answers = await files.changedPaths([ghost, ...pinned.slice(0, 10), blob, tree], head)
    expect(answers.get(ghost)).toBeUndefined()
    expect(answers.has(ghost)).toBe(true)
    expect(answers.get(blob)).toBeUndefined()
    expect(answers.get(tree)).toBeUndefined()
    const full = createGitFiles(createGit(work.dir))
    for (const c of pinned.slice(0, 10)) {
      expect(answers.get(c)).toEqual(touchedPaths((await full.diff(c, head))!))
    }
    // One fetch refused for the ghost (named in git's error), one without it.
    expect(commands()).toEqual([
      'cat-file --batch-check',
      'fetch',
      'fetch',
      'cat-file --batch-check',
      'diff-tree'
    ])
    expect(spawned[2]).not.toContain(ghost)
  })

  it('asks the fallback, one diff each, only for the commits git cannot get', async () => {
    const { origin, pinned, head } = history()
    const ghost = 'deadbeef'.repeat(5)
    const asked: string[] = []
    const fallback = {
      kind: 'api',
      async diff(base: string) {
        asked.push(base)
        return [{ status: 'modified', path: 'from-the-api.md' }]
      }
    } as unknown as RepoFiles
    const ci = cloneRepo(origin.url, { depth: 1 })
    const { git, commands } = counting(ci.dir)
    const answers = await createGitFiles(git, { fallback }).changedPaths([pinned[1]!, ghost], head)
    expect(asked).toEqual([ghost])
    expect(answers.get(ghost)).toEqual(new Set(['from-the-api.md']))
    expect(answers.get(pinned[1]!)).toBeDefined()
    expect(commands().filter(c => c === 'fetch')).toHaveLength(2)
  })

  it('changedSinceCommits: 50 resources at 50 commits, one question to the reader', async () => {
    const { origin, work, pinned, head } = history()
    const owned: OwnedResource[] = pinned.map((commit, i) => ({
      id: i + 1,
      type: 'github_file',
      path: 'run.sh',
      commit
    }))
    owned.push({ id: 99, type: 'github_file', path: 'run.sh', commit: 'not-a-sha' })
    owned.push({ id: 100, type: 'github_file', path: 'run.sh', commit: head })
    // Not in the desired files: its commit is not asked about.
    owned.push({ id: 101, type: 'github_file', path: 'gone.md', commit: 'f'.repeat(40) })
    const desired = [{ path: 'run.sh', blobSha: work.blobSha(head, 'run.sh') }]
    const ci = cloneRepo(origin.url, { depth: 1 })
    const { git, spawned } = counting(ci.dir)
    const scope = { kind: 'full' as const, commit: head, reason: 'test' }
    const changed = await changedSinceCommits(owned, desired, scope, createGitFiles(git))
    expect(spawned.length).toBeLessThanOrEqual(4)
    expect(changed.size).toBe(51)
    expect(changed.get('not-a-sha')).toBeUndefined()
    expect(changed.has(head)).toBe(false)
    const full = createGitFiles(createGit(work.dir))
    for (const c of pinned)
      expect(changed.get(c)).toEqual(touchedPaths((await full.diff(c, head))!))

    // The base of a changed scope is answered by the scope's own changes, without git.
    const base = pinned[49]!
    const changes = (await full.diff(base, head))!
    const counted = counting(ci.dir)
    const onlyBase = await changedSinceCommits(
      owned.filter(r => r.commit === base),
      desired,
      { kind: 'changed', base, commit: head, changes, reason: 'test' },
      createGitFiles(counted.git)
    )
    expect(onlyBase).toEqual(new Map([[base, touchedPaths(changes)]]))
    expect(counted.spawned).toEqual([])
  })
})
