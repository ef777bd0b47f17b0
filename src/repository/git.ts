/**
 * Git behind a small interface, in the manner of actions/checkout's git command manager: every
 * command goes through `run` (one command, its whole output) or `start` (a long-lived process
 * spoken to through its standard input and output), the one place that spawns git.
 */
import { execFile, spawn, type ExecFileException } from 'node:child_process'
import { statSync } from 'node:fs'
import type { Readable, Writable } from 'node:stream'

export interface GitResult {
  stdout: Buffer
  stderr: Buffer
  /** The exit code (0 on success). */
  code: number
}

export interface RunOptions {
  /** Return a non-zero exit as a result instead of throwing. */
  allowFailure?: boolean
  /** Milliseconds before git is killed (and the command fails). */
  timeout?: number
  /** Written to git's standard input, which is then closed. */
  input?: Buffer | string
}

/** How a long-lived git process ended. */
export interface GitExit {
  /** The exit code, or null when a signal ended it or it never started. */
  code: number | null
  signal: NodeJS.Signals | null
  /** Why it could not be started (git missing, workdir missing). */
  error?: Error
  /** The end of what git wrote to its standard error. */
  stderr: string
}

/**
 * A git process that lives as long as its user needs it (`git cat-file --batch`). It never keeps
 * Node running while idle: `hold(true)` while an answer is awaited, `hold(false)` once none is.
 * Closing its standard input ends it; so does the end of the Node process.
 */
export interface GitProcess {
  readonly args: readonly string[]
  readonly stdin: Writable
  readonly stdout: Readable
  readonly exited: Promise<GitExit>
  hold(held: boolean): void
  kill(): void
}

export interface Git {
  readonly workdir: string
  run(args: string[], opts?: RunOptions): Promise<GitResult>
  /** Start a long-lived git process; see GitProcess. */
  start(args: string[]): GitProcess
  /** True when `workdir` is inside a git work tree that git agrees to work in. */
  isRepo(): Promise<boolean>
  /** True when the commit object is in the local object store (no network). */
  hasCommit(sha: string): Promise<boolean>
  /**
   * Fetch one commit by its sha (depth 1: only its tree, not its history) and answer whether it
   * is present afterwards. A failed fetch answers false; it never throws.
   */
  fetchCommit(sha: string, remote?: string): Promise<boolean>
  /**
   * Fetch many commits by their shas (depth 1) in as few `git fetch` commands as the command line
   * allows: a commit the remote refuses is dropped and the rest fetched again. Never throws; ask
   * which ones arrived afterwards. Anything that is not a full object id is left out.
   */
  fetchCommits(shas: readonly string[], remote?: string): Promise<void>
}

/** A git command that failed: the command line, its exit code and what git said. */
export class GitError extends Error {
  override readonly name = 'GitError'
  constructor(
    readonly args: string[],
    readonly code: number | string | undefined,
    readonly stderr: string,
    options?: { cause?: unknown }
  ) {
    super(
      `git ${args.join(' ')} ${typeof code === 'number' ? `exited with ${code}` : `failed (${code ?? 'no exit code'})`}${stderr ? `: ${stderr}` : ''}`,
      options
    )
  }
}

// Big enough for `ls-tree -r` of very large repositories and for the largest blob GitHub serves
// (100 MB); execFile only allocates what git actually writes.
const MAX_BUFFER = 1024 * 1024 * 1024

const FETCH_TIMEOUT_MS = 5 * 60 * 1000

/** A commit name that cannot be mistaken for an option. */
export function assertRev(rev: string): string {
  if (!rev || rev.startsWith('-') || /[\s\0]/.test(rev)) {
    throw new Error(`not a usable commit name: ${JSON.stringify(rev)}`)
  }
  return rev
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i

/** Commits named on one `git fetch` command line (at most ~13 KB of shas, under every OS limit). */
const FETCH_SLICE = 200

/** How much of a long-lived process's standard error is kept for its error message. */
const STDERR_TAIL = 4096

export interface GitOptions {
  /** Where to say why a fetch failed (it answers false rather than throwing). */
  log?: (msg: string) => void
  /** Told of every git process before it is spawned (for tracing, and for tests that count). */
  onSpawn?: (args: readonly string[]) => void
}

// Never wait for a credential prompt on a runner.
const gitEnv = () => ({ ...process.env, GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never' })

export function createGit(workdir: string, options: GitOptions = {}): Git {
  async function run(args: string[], opts: RunOptions = {}): Promise<GitResult> {
    // core.quotepath=false keeps non-ASCII paths verbatim in the few outputs that are not -z.
    const full = ['-c', 'core.quotepath=false', ...args]
    options.onSpawn?.(args)
    const result = await new Promise<GitResult & { error?: ExecFileException }>(resolve => {
      const child = execFile(
        'git',
        full,
        {
          cwd: workdir,
          encoding: 'buffer',
          maxBuffer: MAX_BUFFER,
          timeout: opts.timeout,
          windowsHide: true,
          env: gitEnv()
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
          resolve({ stdout, stderr, code, error: error ?? undefined })
        }
      )
      if (opts.input !== undefined && child.stdin) {
        // A git that exits before reading everything closes the pipe: its exit code tells.
        child.stdin.on('error', () => {})
        child.stdin.end(opts.input)
      }
    })
    const { error, ...out } = result
    if (!error) return out
    // A spawn failure (git missing, workdir missing), a kill (timeout) or an overflowing
    // buffer is never an answer, even when failure is allowed.
    const spawnFailed = typeof error.code !== 'number'
    if (spawnFailed || !opts.allowFailure) {
      const reason = spawnFailed ? (error.code ?? error.signal ?? error.message) : out.code
      throw new GitError(args, reason, out.stderr.toString('utf8').trim(), { cause: error })
    }
    return out
  }

  // A commit found stays found for the run: it is asked for again by each step that reads it.
  const present = new Set<string>()
  async function hasCommit(sha: string): Promise<boolean> {
    if (present.has(sha)) return true
    const res = await run(['cat-file', '-e', `${assertRev(sha)}^{commit}`], { allowFailure: true })
    if (res.code === 0) present.add(sha)
    return res.code === 0
  }

  function start(args: string[]): GitProcess {
    options.onSpawn?.(args)
    const child = spawn('git', ['-c', 'core.quotepath=false', ...args], {
      cwd: workdir,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
      env: gitEnv()
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    // A write after git exited fails with EPIPE: `exited` says what happened.
    child.stdin.on('error', () => {})
    const exited = new Promise<GitExit>(resolve => {
      let error: Error | undefined
      child.once('error', e => {
        error = e
        // A process that never started emits no 'close'.
        if (child.pid === undefined) resolve({ code: null, signal: null, error, stderr })
      })
      child.once('close', (code, signal) => resolve({ code, signal, error, stderr: stderr.trim() }))
    })
    // Sockets of the child's pipes: each one keeps Node's event loop alive while referenced.
    const handles = [child.stdin, child.stdout, child.stderr] as unknown as {
      ref?: () => void
      unref?: () => void
    }[]
    const hold = (held: boolean) => {
      if (held) child.ref()
      else child.unref()
      for (const h of handles) (held ? h.ref : h.unref)?.call(h)
    }
    hold(false)
    return {
      args,
      stdin: child.stdin,
      stdout: child.stdout,
      exited,
      hold,
      kill: () => {
        child.kill()
      }
    }
  }

  async function fetchSlice(shas: string[], remote: string): Promise<void> {
    let wanted = shas
    while (wanted.length > 0) {
      const args = ['fetch', '--no-tags', '--no-recurse-submodules', '--depth=1', remote, ...wanted]
      let said: string
      try {
        const res = await run(args, { allowFailure: true, timeout: FETCH_TIMEOUT_MS })
        if (res.code === 0) return
        said = res.stderr.toString('utf8').trim()
      } catch (error) {
        // A timeout or a kill: none of these commits is available.
        options.log?.(String(error instanceof Error ? error.message : error))
        return
      }
      // The remote refuses the whole fetch for one unknown commit ("not our ref <sha>"): leave
      // out every commit it names and fetch the others again. One it does not name means the
      // remote refuses them all (no access, no network).
      const refused = wanted.filter(sha => said.toLowerCase().includes(sha.toLowerCase()))
      const shown =
        wanted.length > 3
          ? `${wanted.slice(0, 3).join(' ')} … (${wanted.length})`
          : wanted.join(' ')
      options.log?.(
        `git fetch --no-tags --no-recurse-submodules --depth=1 ${remote} ${shown} failed: ${said}`
      )
      if (refused.length === 0) return
      wanted = wanted.filter(sha => !refused.includes(sha))
    }
  }

  return {
    workdir,
    run,
    start,
    hasCommit,

    async isRepo() {
      try {
        if (!statSync(workdir).isDirectory()) return false
      } catch {
        return false
      }
      const res = await run(['rev-parse', '--is-inside-work-tree'], { allowFailure: true })
      return res.code === 0 && res.stdout.toString('utf8').trim() === 'true'
    },

    async fetchCommit(sha, remote = 'origin') {
      // Only a full object id can be fetched by sha; anything else is not worth a network trip.
      if (!OBJECT_ID.test(sha)) return false
      const args = ['fetch', '--no-tags', '--no-recurse-submodules', '--depth=1', remote, sha]
      try {
        assertRev(remote)
        const res = await run(args, { allowFailure: true, timeout: FETCH_TIMEOUT_MS })
        if (res.code !== 0) {
          options.log?.(`git ${args.join(' ')} failed: ${res.stderr.toString('utf8').trim()}`)
        }
      } catch (error) {
        // A timeout or a kill: the commit is simply not available.
        options.log?.(String(error instanceof Error ? error.message : error))
      }
      return hasCommit(sha)
    },

    async fetchCommits(shas, remote = 'origin') {
      if (remote.startsWith('-') || /[\s\0]/.test(remote) || !remote) return
      const wanted = [...new Set(shas.filter(sha => OBJECT_ID.test(sha)))]
      for (let i = 0; i < wanted.length; i += FETCH_SLICE) {
        await fetchSlice(wanted.slice(i, i + FETCH_SLICE), remote)
      }
    }
  }
}
