/**
 * A long generated git history, deterministic from a seed, and what git itself says about it:
 * for tests that replay many pushes through the action and check each one against git.
 *
 *   const h = generateHistory({ seed: 7, commits: 120, initialFiles: 1700 })
 *   h.commits                              // the main line, oldest first; h.origin (bare) has them
 *   const pushes = await pushSchedule(h.commits, { seed: 8, maxStep: 5, ... })
 *   const files = await lsTree(h.origin, sha)        // path -> blob, every file at a commit
 *   const changes = await nameStatus(h.origin, a, b)  // git diff --name-status -M, parsed
 *   await blobsAt(h.origin, [[sha, path], ...])       // `sha:path` -> blob, one git process
 *   const ws = await shallowClone(h.origin.url)       // what actions/checkout leaves; ws.remove()
 *
 * The questions to git run without blocking, so that emulators in the same process keep
 * answering the action while a test checks a push.
 *
 * Commits add, edit, rename (same content, new name: git detects the rename), move files between
 * folders, move whole folders, rename files into and out of Markdown, and delete, over a couple of
 * thousand files. Every file's content is unique (its first line names a number no other file
 * has), so git never pairs unrelated files as a rename. The whole history is written by one
 * `git fast-import` into a bare repository made by createBareRepo (which serves any commit by
 * its sha, as GitHub does): a couple of seconds, where a work tree and `git commit` per commit
 * take a minute on a busy 2-core machine. Identity and dates are fixed, so the same seed makes
 * the same commits.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { createBareRepo, NULL_SHA, type TestRepo } from './git-repo.js'
import { mulberry32 } from './random.js'

export interface Rng {
  next: () => number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
}

export function rngFor(seed: number): Rng {
  const next = mulberry32(seed)
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: items => items[Math.floor(next() * items.length)]!,
    chance: p => next() < p
  }
}

/** What the default `files` input (`**\/*.md`) matches: git paths ending in `.md`, case-sensitively. */
export const inScope = (path: string): boolean => path.endsWith('.md')

const WORDS = [
  'alpha',
  'budget',
  'cache',
  'deploy',
  'engine',
  'format',
  'gateway',
  'harbor',
  'index',
  'journal',
  'kernel',
  'ledger',
  'matrix',
  'network',
  'orbit',
  'pipeline',
  'quota',
  'router',
  'schema',
  'token',
  'update',
  'vector',
  'widget',
  'yield',
  'zone'
]

/** Where files start; folder moves add more. A space, a dot folder and a non-ASCII name included. */
const FOLDERS = [
  '',
  'docs',
  'docs/api',
  'docs/guide',
  'docs/guide/advanced',
  'handbook',
  'handbook/onboarding',
  'handbook/team notes',
  'notes',
  'notes/2025',
  'notes/2026',
  'rfcs',
  'rfcs/accepted',
  'rfcs/draft',
  'wiki',
  'wiki/how-to',
  'wiki/café',
  '.github',
  'archive',
  'archive/old',
  'guides',
  'guides/ops',
  'guides/dev',
  'design',
  'design/reviews'
]

/** Extensions of the files out of scope. */
const OTHER = ['.txt', '.json', '.MD', '.markdown']

export interface HistoryOptions {
  seed: number
  /** Commits on the main line, the initial import included. */
  commits: number
  /** Files in the initial import (about 5% of them not Markdown). */
  initialFiles: number
}

export interface History {
  /**
   * The bare "GitHub" repository: holds every commit (its `main` at the last, until a test moves
   * it) and answers the test's own questions to git.
   */
  origin: TestRepo
  /** The main line, oldest first. */
  commits: string[]
  /** Operations applied, by kind, over the whole history (for reports). */
  operations: Record<string, number>
}

const join = (folder: string, name: string) => (folder ? `${folder}/${name}` : name)
const folderOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')))
const baseOf = (path: string) => path.slice(path.lastIndexOf('/') + 1)

export function generateHistory(options: HistoryOptions): History {
  const rng = rngFor(options.seed)
  const origin = createBareRepo()
  const files = new Map<string, string[]>()
  let committed = new Map<string, string>()
  const folders = [...FOLDERS]
  const operations: Record<string, number> = {}
  const count = (kind: string) => (operations[kind] = (operations[kind] ?? 0) + 1)
  let nextId = 0

  const line = () =>
    `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.int(0, 99999)} ${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.int(0, 99999)}`
  const newName = (ext: string, id: number) => {
    const word = rng.pick(WORDS)
    const spaced = rng.chance(0.03) ? ' draft' : ''
    return `${word}-${id}${spaced}${ext}`
  }
  const freeAt = (path: string) => !files.has(path) && !folders.includes(path)

  function add(md: boolean, folder = rng.pick(folders)): void {
    const id = nextId++
    const path = join(folder, newName(md ? '.md' : rng.pick(OTHER), id))
    if (!freeAt(path)) return
    const lines = [`# ${rng.pick(WORDS)} ${id}`, '']
    for (let i = rng.int(7, 16); i > 0; i--) lines.push(line())
    files.set(path, lines)
    count(md ? 'add' : 'add (not Markdown)')
  }
  function edit(path: string): void {
    const lines = files.get(path)!
    if (rng.chance(0.3)) lines.push(line())
    else lines[rng.int(2, lines.length - 1)] = line()
  }
  function rename(from: string, to: string): boolean {
    if (!freeAt(to) || !files.has(from)) return false
    files.set(to, files.get(from)!)
    files.delete(from)
    return true
  }
  const paths = (filter: (p: string) => boolean = () => true) => [...files.keys()].filter(filter)
  const someMarkdown = () => rng.pick(paths(inScope))

  function folderMove(): void {
    // A folder with a few files directly in it, moved under a new name (its subfolders stay).
    const candidates = folders.filter(f => {
      const n = paths(p => folderOf(p) === f).length
      return f !== '' && n >= 3 && n <= 30
    })
    if (candidates.length === 0) return
    const from = rng.pick(candidates)
    const to = join(
      rng.chance(0.5) ? folderOf(from) : rng.pick(folders),
      `${rng.pick(WORDS)}-${nextId++}`
    )
    if (folders.includes(to)) return
    folders.push(to)
    for (const p of paths(p => folderOf(p) === from)) rename(p, join(to, baseOf(p)))
    count('folder move')
  }

  function change(): void {
    for (let i = rng.int(0, 6); i > 0; i--) add(true)
    if (rng.chance(0.3)) add(false)
    for (let i = rng.int(0, 6); i > 0; i--) {
      edit(rng.pick(paths()))
      count('edit')
    }
    for (let i = rng.int(0, 2); i > 0; i--) {
      const from = someMarkdown()
      if (rename(from, join(folderOf(from), newName('.md', nextId++)))) count('rename')
    }
    for (let i = rng.int(0, 2); i > 0; i--) {
      const from = someMarkdown()
      if (rename(from, join(rng.pick(folders), baseOf(from)))) count('move')
    }
    if (rng.chance(0.15)) {
      const from = someMarkdown()
      const to = join(rng.pick(folders), newName('.md', nextId++))
      if (rename(from, to)) {
        edit(to)
        count('rename and edit')
      }
    }
    if (rng.chance(0.06)) folderMove()
    if (rng.chance(0.05)) {
      const from = someMarkdown()
      if (rename(from, `${from.slice(0, -3)}.txt`)) count('rename out of Markdown')
    }
    if (rng.chance(0.05)) {
      const txt = paths(p => p.endsWith('.txt'))
      if (txt.length > 0) {
        const from = rng.pick(txt)
        if (rename(from, `${from.slice(0, -4)}.md`)) count('rename into Markdown')
      }
    }
    for (let i = rng.int(0, 2); i > 0; i--) {
      files.delete(rng.pick(paths()))
      count('delete')
    }
  }

  /** The model's changes since the last commit, as one fast-import commit (fixed dates). */
  const stream: string[] = []
  let made = 0
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`
  function commit(message: string): void {
    const now = new Map([...files].map(([p, lines]) => [p, `${lines.join('\n')}\n`]))
    const when = `${Date.UTC(2026, 0, 1) / 1000 + 60 * made++} +0000`
    stream.push(
      `commit refs/heads/main\n` +
        `author Test Author <author@example.com> ${when}\n` +
        `committer Test Committer <committer@example.com> ${when}\n` +
        data(message)
    )
    for (const p of committed.keys()) if (!now.has(p)) stream.push(`D ${p}\n`)
    for (const [p, text] of now) {
      if (committed.get(p) !== text) stream.push(`M 100644 inline ${p}\n${data(text)}`)
    }
    stream.push('\n')
    committed = now
  }

  for (let i = 0; i < options.initialFiles; i++) add(!rng.chance(0.05))
  commit('initial import')
  for (let c = 1; c < options.commits; c++) {
    change()
    commit(`change ${c}`)
  }
  for (const p of files.keys()) {
    if (/^"|[\n\r]/.test(p)) throw new Error(`a path fast-import would need quoted: ${p}`)
  }
  // One git process for the whole history, straight into the bare repository GitHub serves.
  gitOut(origin, ['fast-import', '--quiet'], stream.join(''))
  const commits = gitOut(origin, ['rev-list', '--reverse', 'refs/heads/main'])
    .toString('utf8')
    .trim()
    .split('\n')
  if (commits.length !== options.commits) throw new Error(`made ${commits.length} commits`)
  return { origin, commits, operations }
}

/** One push event: `before` (NULL_SHA for a new branch) to `after`. */
export interface Push {
  before: string
  after: string
  /** A force push (here: back to an ancestor of `before`), as the payload's `forced` says. */
  forced: boolean
}

export interface ScheduleOptions {
  seed: number
  /** Commits per ordinary push, 1 to this. */
  maxStep: number
  /** About this many pushes between two force pushes back. */
  forceEvery: number
  /** A force push goes back 1 to this many commits. */
  maxBack: number
  /** Whether a push from `before` to `after` is acceptable (e.g. within max-deletions). */
  accept: (before: string, after: string) => Promise<boolean>
}

/**
 * Pushes that walk `commits` from none to the last, 1 to `maxStep` at a time (3.8 on average for
 * 5); about every
 * `forceEvery` pushes, a force push back 1 to `maxBack` commits, and then forward again past
 * where it was (a push spanning the commits it went back over).
 */
export async function pushSchedule(
  commits: readonly string[],
  o: ScheduleOptions
): Promise<Push[]> {
  const rng = rngFor(o.seed)
  const pushes: Push[] = []
  let at = rng.int(0, o.maxStep - 1)
  pushes.push({ before: NULL_SHA, after: commits[at]!, forced: false })
  let nextForce = rng.int(o.forceEvery - 3, o.forceEvery + 3)
  const last = commits.length - 1
  while (at < last) {
    if (pushes.length >= nextForce && at >= o.maxBack) {
      nextForce = pushes.length + rng.int(o.forceEvery - 3, o.forceEvery + 3)
      let back = rng.int(1, o.maxBack)
      while (back > 1 && !(await o.accept(commits[at]!, commits[at - back]!))) back--
      const to = at - back
      pushes.push({ before: commits[at]!, after: commits[to]!, forced: true })
      // Forward again, to where it was or a little further.
      let ahead = Math.min(last, at + rng.int(0, 2))
      while (ahead > to + 1 && !(await o.accept(commits[to]!, commits[ahead]!))) ahead--
      pushes.push({ before: commits[to]!, after: commits[ahead]!, forced: false })
      at = ahead
      continue
    }
    // 1 to maxStep commits, the larger counts likelier (the larger of two draws).
    let next = Math.min(last, at + Math.max(rng.int(1, o.maxStep), rng.int(1, o.maxStep)))
    while (next > at + 1 && !(await o.accept(commits[at]!, commits[next]!))) next--
    pushes.push({ before: commits[at]!, after: commits[next]!, forced: false })
    at = next
  }
  return pushes
}

const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: process.platform === 'win32' ? 'NUL' : '/dev/null',
  GIT_TERMINAL_PROMPT: '0'
}

/** Git's raw stdout in `dir`, `input` on its stdin (synchronous: for generating). */
function gitOut(repo: TestRepo, args: string[], input?: string): Buffer {
  return execFileSync('git', ['-c', 'core.quotepath=false', ...args], {
    cwd: repo.dir,
    env: GIT_ENV,
    input,
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe']
  })
}

/**
 * Git's raw stdout in `dir`, without blocking: a replay checks its pushes while the emulators of
 * this process answer another run's requests.
 */
function git(dir: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['-c', 'core.quotepath=false', ...args],
      { cwd: dir, env: GIT_ENV, encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`git ${args.join(' ')} failed: ${stderr.toString() || error.message}`))
          : resolve(stdout)
    )
    // A command that reads no input may be gone before its stdin closes: not an error here.
    child.stdin?.on('error', () => {})
    child.stdin?.end(input ?? '')
  })
}

const records = (out: Buffer) => out.toString('utf8').split('\0').slice(0, -1)

/** Every file at `commit`: path -> blob sha (`git ls-tree -r -z`). */
export async function lsTree(repo: TestRepo, commit: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  for (const record of records(
    await git(repo.dir, ['ls-tree', '-r', '-z', '--full-tree', commit])
  )) {
    const tab = record.indexOf('\t')
    const [, type, sha] = record.slice(0, tab).split(' ')
    if (type === 'blob') files.set(record.slice(tab + 1), sha!)
  }
  return files
}

export interface NameStatus {
  /** A, M, D, T or R (the score dropped). */
  status: string
  path: string
  /** The old path of a rename. */
  from?: string
}

/** `git diff --name-status -M` from `base` to `head`, parsed. */
export async function nameStatus(
  repo: TestRepo,
  base: string,
  head: string,
  renames = '-M'
): Promise<NameStatus[]> {
  const out = await git(repo.dir, ['diff', '--name-status', '-z', renames, base, head, '--'])
  const fields = records(out)
  const changes: NameStatus[] = []
  for (let i = 0; i < fields.length;) {
    const status = fields[i++]!.charAt(0)
    if (status === 'R' || status === 'C') {
      const from = fields[i++]!
      changes.push({ status, from, path: fields[i++]! })
    } else {
      changes.push({ status, path: fields[i++]! })
    }
  }
  return changes
}

/** The blob at each `commit:path` (undefined where there is none), from one `git cat-file`. */
export async function blobsAt(
  repo: TestRepo,
  names: readonly (readonly [string, string])[]
): Promise<(string | undefined)[]> {
  if (names.length === 0) return []
  for (const [, path] of names) {
    if (/[\n\r]/.test(path)) throw new Error(`a path cat-file cannot take: ${JSON.stringify(path)}`)
  }
  const input = names.map(([commit, path]) => `${commit}:${path}\n`).join('')
  const lines = (await git(repo.dir, ['cat-file', '--batch-check'], input))
    .toString('utf8')
    .split('\n')
  return names.map((_, i) => /^([0-9a-f]+) blob \d+$/.exec(lines[i] ?? '')?.[1])
}

/**
 * What actions/checkout leaves (and `cloneRepo(url, { depth: 1 })` makes): a depth-1 clone of the
 * default branch, here without blocking. `remove` deletes it.
 */
export async function shallowClone(url: string): Promise<{ dir: string; remove: () => void }> {
  const dir = mkdtempSync(joinPath(tmpdir(), 'css-clone-'))
  try {
    await git(dir, ['clone', '-q', '--depth=1', url, '.'])
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
