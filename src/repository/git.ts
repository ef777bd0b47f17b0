/**
 * Git behind a small interface, in the manner of actions/checkout's git command manager: every
 * command goes through `run`, which is the one place that spawns git.
 */
import { execFile, type ExecFileException } from 'node:child_process'
import { statSync } from 'node:fs'

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
}

export interface Git {
  readonly workdir: string
  run(args: string[], opts?: RunOptions): Promise<GitResult>
  /** True when `workdir` is inside a git work tree that git agrees to work in. */
  isRepo(): Promise<boolean>
  /** True when the commit object is in the local object store (no network). */
  hasCommit(sha: string): Promise<boolean>
  /**
   * Fetch one commit by its sha (depth 1: only its tree, not its history) and answer whether it
   * is present afterwards. A failed fetch answers false; it never throws.
   */
  fetchCommit(sha: string, remote?: string): Promise<boolean>
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

export interface GitOptions {
  /** Where to say why a fetch failed (it answers false rather than throwing). */
  log?: (msg: string) => void
}

export function createGit(workdir: string, options: GitOptions = {}): Git {
  async function run(args: string[], opts: RunOptions = {}): Promise<GitResult> {
    // core.quotepath=false keeps non-ASCII paths verbatim in the few outputs that are not -z.
    const full = ['-c', 'core.quotepath=false', ...args]
    const result = await new Promise<GitResult & { error?: ExecFileException }>(resolve => {
      execFile(
        'git',
        full,
        {
          cwd: workdir,
          encoding: 'buffer',
          maxBuffer: MAX_BUFFER,
          timeout: opts.timeout,
          windowsHide: true,
          // Never wait for a credential prompt on a runner.
          env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never' }
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
          resolve({ stdout, stderr, code, error: error ?? undefined })
        }
      )
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

  async function hasCommit(sha: string): Promise<boolean> {
    const res = await run(['cat-file', '-e', `${assertRev(sha)}^{commit}`], { allowFailure: true })
    return res.code === 0
  }

  return {
    workdir,
    run,
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
    }
  }
}
