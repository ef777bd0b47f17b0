/**
 * Scope: which paths a run looks at, and at which commit, decided from the event.
 */
import {
  short,
  type CommitNames,
  type DiffOutcome,
  type ExplainingRepoFiles,
  type FileChange,
  type RepoFiles
} from './files.js'

export type SyncMode = 'auto' | 'changed' | 'full'

export type Scope =
  /** Nothing to do (a deleted branch). */
  | { kind: 'none'; reason: string }
  /** Reconcile every file at `commit`. */
  | { kind: 'full'; commit: string; reason: string }
  /** Only the paths in `changes`, the net change from `base` to `commit`. */
  | { kind: 'changed'; base: string; commit: string; changes: FileChange[]; reason: string }

export interface ScopeInput {
  eventName: string
  /** The event payload (the JSON at GITHUB_EVENT_PATH). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  payload: Record<string, any>
  /** GITHUB_SHA. */
  sha: string
  sync: SyncMode
  /** The primary reader. */
  files: RepoFiles
  /** Asked when the primary reader cannot diff (the API reader, when the primary is git). */
  fallback?: RepoFiles
  log?: (msg: string) => void
}

export interface ResolvedScope {
  scope: Scope
  /** False for pull request events: they only preview what a merge would change. */
  write: boolean
}

/** Events whose natural scope is the whole tree at GITHUB_SHA. */
const FULL_EVENTS = new Set(['workflow_dispatch', 'schedule', 'release', 'repository_dispatch'])
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])

/** The commits an event names: the one to sync and, when the event has one, its base. */
type EventCommits =
  | { none: string }
  | {
      label: string
      head: string
      base: string
      names: CommitNames
    }
  | {
      label: string
      head: string
      base?: undefined
      /** Why there is no base commit, e.g. "push to a new branch". */
      noBase: string
    }

function isNullSha(sha: unknown): boolean {
  return typeof sha !== 'string' || /^0*$/.test(sha)
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined
}

function eventCommits(
  eventName: string,
  payload: ScopeInput['payload'],
  sha: string
): EventCommits {
  if (eventName === 'push') {
    const ref = str(payload.ref) ?? 'a ref'
    if (payload.deleted === true) return { none: `push deleted ${ref}: nothing to sync` }
    const head = str(payload.after) ?? sha
    if (isNullSha(payload.before)) {
      const what = ref.startsWith('refs/tags/') ? 'push of a new tag' : 'push to a new branch'
      return { label: 'push', head, noBase: what }
    }
    return {
      label: 'push',
      head,
      base: payload.before as string,
      names: { base: 'before commit', head: 'after commit' }
    }
  }
  if (PULL_REQUEST_EVENTS.has(eventName)) {
    const pr = payload.pull_request ?? {}
    const label = typeof pr.number === 'number' ? `${eventName} #${pr.number}` : eventName
    // pull_request runs on the merge commit (GITHUB_SHA); pull_request_target runs on the
    // base branch, so the pull request's own head is the commit to look at.
    const head = eventName === 'pull_request' ? sha : (str(pr.head?.sha) ?? sha)
    const base = str(pr.base?.sha)
    if (!base) return { label, head, noBase: `${eventName} without a base commit in its payload` }
    return {
      label,
      head,
      base,
      names: {
        base: 'base commit',
        head: eventName === 'pull_request' ? 'merge commit' : 'head commit'
      }
    }
  }
  return { label: eventName, head: sha, noBase: `${eventName} events have no base commit` }
}

function counted(n: number): string {
  return n === 0 ? 'no files' : n === 1 ? '1 file' : `${n} files`
}

function sourceName(files: RepoFiles): string {
  return files.kind === 'api' ? 'the compare API' : 'git'
}

async function explain(
  files: RepoFiles,
  base: string,
  head: string,
  names: CommitNames
): Promise<DiffOutcome> {
  if ('explainDiff' in files && typeof files.explainDiff === 'function') {
    return (files as ExplainingRepoFiles).explainDiff(base, head, names)
  }
  const changes = await files.diff(base, head)
  return changes
    ? { changes }
    : { why: `${sourceName(files)} could not diff ${short(base)} and ${short(head)}` }
}

export async function resolveScope(input: ScopeInput): Promise<ResolvedScope> {
  const { eventName, payload, sha, sync, files, fallback } = input
  const log = input.log ?? (() => {})
  const write = !PULL_REQUEST_EVENTS.has(eventName)
  const event = eventCommits(eventName, payload ?? {}, sha)

  if ('none' in event) return { scope: { kind: 'none', reason: event.none }, write }
  const { label, head } = event
  const full = (reason: string): ResolvedScope => ({
    scope: { kind: 'full', commit: head, reason },
    write
  })

  if (sync === 'full') return full(`${label}: sync: full, full reconcile`)

  if (event.base === undefined) {
    if (sync === 'changed') {
      return full(`${label}: sync: changed had no base commit (${event.noBase}); full reconcile`)
    }
    if (eventName === 'push') return full(`${event.noBase}: full reconcile`)
    if (!FULL_EVENTS.has(eventName) && !PULL_REQUEST_EVENTS.has(eventName)) {
      log(`${eventName} is not an event this action knows; reconciling every file at GITHUB_SHA`)
    }
    return full(`${label}: full reconcile`)
  }

  const { base, names } = event
  const between = `between ${short(base)} and ${short(head)}`
  let first: DiffOutcome
  try {
    first = await explain(files, base, head, names)
  } catch (error) {
    // A checkout that fails in an unexpected way should not sink a run the API can still serve.
    if (!fallback) throw error
    first = {
      why: `${sourceName(files)} failed: ${error instanceof Error ? error.message : error}`
    }
  }
  if (first.changes) {
    return {
      scope: {
        kind: 'changed',
        base,
        commit: head,
        changes: first.changes,
        reason: `${label}: ${counted(first.changes.length)} changed ${between}`
      },
      write
    }
  }
  log(`${sourceName(files)} cannot diff ${between}: ${first.why}`)
  if (!fallback) return full(`${label}: ${first.why}; full reconcile`)

  const second = await explain(fallback, base, head, names)
  if (second.changes) {
    return {
      scope: {
        kind: 'changed',
        base,
        commit: head,
        changes: second.changes,
        reason: `${label}: ${counted(second.changes.length)} changed ${between} (from ${sourceName(fallback)}; ${first.why})`
      },
      write
    }
  }
  log(`${sourceName(fallback)} cannot diff ${between} either: ${second.why}`)
  return full(`${label}: ${first.why}; ${second.why}; full reconcile`)
}
