/**
 * Temporary git repositories for tests: real git, real commits, in the OS temp directory.
 *
 *   const work = createRepo()                       // a work tree on branch `main`
 *   const a = work.commit('add', { 'docs/a.md': 'hello', 'bin/x': Buffer.from([0, 1]) })
 *   work.move('docs/a.md', 'guide/a.md')            // a rename git will detect
 *   const b = work.commit('move and delete', { 'bin/x': null })   // null deletes
 *
 *   const { origin, work } = createOrigin()         // a bare "GitHub" and a work tree pushing to it
 *   const root = work.commit('one', { 'a.md': '1' })
 *   const before = work.commit('two', { 'b.md': '2' }); work.push()
 *   work.resetHard(root); const after = work.commit('three', { 'c.md': '3' })
 *   work.push('origin', undefined, { force: true }) // a force push; `before` stays fetchable
 *   work.push('origin', ':refs/heads/topic')        // deletes a branch on the origin
 *   const ci = cloneRepo(origin.url, { depth: 1 })  // what actions/checkout leaves behind
 *
 *   work.branch('feature'); work.checkout('feature'); work.commit('f', { 'f.md': 'f' })
 *   work.checkout('main'); const merge = work.merge('feature')   // always a merge commit
 *
 *   afterAll(removeRepos)                           // delete every repository made so far
 *
 * Everything is synchronous (setup reads better that way and stays fast). Git runs with no
 * user or system configuration, a fixed identity and fixed dates, so the same script makes the
 * same commits on every machine.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

export { NULL_SHA } from './constants.js'

/** New file contents by path; `null` deletes the path. Paths use `/` and may hold any character git allows. */
export type FileEdits = Record<string, string | Buffer | null>

export interface CommitOptions {
  /** Commit even when nothing changed. */
  allowEmpty?: boolean
}

export interface PushOptions {
  /** `--force`: the new commit need not descend from the remote one. */
  force?: boolean
}

export interface TestRepo {
  /**
   * The repository directory (the work tree, or the git directory of a bare repository; the
   * work-tree methods `write`, `move`, `commit`, `checkout`, `merge` need a work tree).
   */
  readonly dir: string
  /** `file://` URL of the repository, for clones and remotes. */
  readonly url: string
  readonly bare: boolean
  /** Run git here and return its stdout, trimmed; throws with git's stderr on failure. */
  git(...args: string[]): string
  /** Run git here and return its raw stdout. */
  gitRaw(...args: string[]): Buffer
  /** Write or delete (null) files in the work tree, creating folders as needed; no commit. */
  write(edits: FileEdits): void
  /** Move a file in the work tree (creating the target folder); commit to record the rename. */
  move(from: string, to: string): void
  /** Apply `edits`, stage every change in the work tree (`git add -A`) and commit: the new sha. */
  commit(message: string, edits?: FileEdits, options?: CommitOptions): string
  /** The full sha a revision names (default `HEAD`). */
  rev(rev?: string): string
  /** The blob sha of `path` at `rev`. */
  blobSha(rev: string, path: string): string
  /** Create a branch at `start` (default HEAD) without switching to it. */
  branch(name: string, start?: string): void
  /** Switch the work tree to a branch or commit. */
  checkout(ref: string): void
  /** Merge `ref` into the current branch with a merge commit (never fast-forward): its sha. */
  merge(ref: string, message?: string): string
  /** Move the current branch to `rev`, discarding what comes after (the setup for a force push). */
  resetHard(rev: string): void
  /**
   * Push `refspec` to `remote` (default origin). The default refspec pushes the current branch
   * to the same name, so it needs a branch checked out (not a detached HEAD).
   */
  push(remote?: string, refspec?: string, options?: PushOptions): void
  /** Delete the repository from disk. */
  remove(): void
}

const made = new Set<string>()

// Deterministic and isolated from the developer's own git configuration.
const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: process.platform === 'win32' ? 'NUL' : '/dev/null',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_TERMINAL_PROMPT: '0'
}

let clock = Date.UTC(2026, 0, 1) / 1000

function runGit(cwd: string, args: string[]): Buffer {
  clock += 60
  const date = `@${clock} +0000`
  try {
    return execFileSync('git', ['-c', 'core.quotepath=false', ...args], {
      cwd,
      env: { ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe']
    })
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string }
    throw new Error(`git ${args.join(' ')} in ${cwd} failed: ${e.stderr?.toString() || e.message}`)
  }
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `css-${prefix}-`))
  made.add(dir)
  return dir
}

function open(dir: string, bare: boolean): TestRepo {
  const git = (...args: string[]) => runGit(dir, args).toString('utf8').trim()
  const write = (edits: FileEdits) => {
    for (const [path, content] of Object.entries(edits)) {
      const file = join(dir, path)
      if (content === null) {
        rmSync(file, { force: true })
      } else {
        mkdirSync(dirname(file), { recursive: true })
        writeFileSync(file, content)
      }
    }
  }
  return {
    dir,
    url: pathToFileURL(dir).href,
    bare,
    git,
    gitRaw: (...args) => runGit(dir, args),
    write,
    move(from, to) {
      mkdirSync(dirname(join(dir, to)), { recursive: true })
      renameSync(join(dir, from), join(dir, to))
    },
    commit(message, edits = {}, options = {}) {
      write(edits)
      git('add', '-A')
      git(
        'commit',
        '-q',
        '--no-verify',
        '-m',
        message,
        ...(options.allowEmpty ? ['--allow-empty'] : [])
      )
      return git('rev-parse', 'HEAD')
    },
    rev: (rev = 'HEAD') => git('rev-parse', '--verify', `${rev}^{object}`),
    blobSha: (rev, path) => git('rev-parse', '--verify', `${rev}:${path}`),
    branch(name, start = 'HEAD') {
      git('branch', name, start)
    },
    checkout(ref) {
      git('checkout', '-q', ref)
    },
    merge(ref, message = `Merge ${ref}`) {
      git('merge', '-q', '--no-ff', '--no-edit', '-m', message, ref)
      return git('rev-parse', 'HEAD')
    },
    resetHard(rev) {
      git('reset', '-q', '--hard', rev)
    },
    push(remote = 'origin', refspec, options = {}) {
      const spec = refspec ?? `HEAD:refs/heads/${git('symbolic-ref', '--short', 'HEAD')}`
      git('push', '-q', ...(options.force ? ['--force'] : []), remote, spec)
    },
    remove() {
      rmSync(dir, { recursive: true, force: true })
      made.delete(dir)
    }
  }
}

/** A new work-tree repository on `branch` (default `main`), with no commits. */
export function createRepo(options: { branch?: string } = {}): TestRepo {
  const dir = tempDir('repo')
  runGit(dir, ['init', '-q', '-b', options.branch ?? 'main'])
  return open(dir, false)
}

/**
 * A new bare repository that serves like GitHub does: any commit it holds can be fetched by
 * its sha, even one a force push left unreachable.
 */
export function createBareRepo(options: { branch?: string } = {}): TestRepo {
  const dir = tempDir('origin')
  runGit(dir, ['init', '-q', '--bare', '-b', options.branch ?? 'main'])
  runGit(dir, ['config', 'uploadpack.allowAnySHA1InWant', 'true'])
  return open(dir, true)
}

/** Clone `url`; `depth` makes a shallow clone (actions/checkout's default is depth 1). */
export function cloneRepo(
  url: string,
  options: { depth?: number; branch?: string; noCheckout?: boolean } = {}
): TestRepo {
  const dir = tempDir('clone')
  runGit(dir, [
    'clone',
    '-q',
    ...(options.depth ? [`--depth=${options.depth}`] : []),
    ...(options.branch ? ['--branch', options.branch] : []),
    ...(options.noCheckout ? ['--no-checkout'] : []),
    url,
    '.'
  ])
  return open(dir, false)
}

/** A bare origin and a full work-tree clone of it with `origin` as its remote. */
export function createOrigin(options: { branch?: string } = {}): {
  origin: TestRepo
  work: TestRepo
} {
  const origin = createBareRepo(options)
  const work = createRepo(options)
  work.git('remote', 'add', 'origin', origin.url)
  return { origin, work }
}

/** Delete every repository this module made and that still exists. */
export function removeRepos(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
  made.clear()
}
