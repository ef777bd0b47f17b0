/**
 * Scope: which paths a run looks at, and at which commit, decided from the event.
 */
import type { EventPayload } from './event.js'
import {
  explainDiffOf,
  short,
  sourceName,
  type CommitNames,
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
  payload: EventPayload
  /** GITHUB_SHA. */
  sha: string
  sync: SyncMode
  /** The repository's reader (it falls back inside itself). */
  files: RepoFiles
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

export async function resolveScope(input: ScopeInput): Promise<ResolvedScope> {
  const { eventName, payload, sha, sync, files } = input
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
  const diff = await explainDiffOf(files, base, head, names, log)
  if (diff.changes) {
    const via = diff.via ? ` (${diff.via})` : ''
    return {
      scope: {
        kind: 'changed',
        base,
        commit: head,
        changes: diff.changes,
        reason: `${label}: ${counted(diff.changes.length)} changed ${between}${via}`
      },
      write
    }
  }
  if (!diff.logged) log(`${sourceName(files)} cannot diff ${between}: ${diff.why}`)
  return full(`${label}: ${diff.why}; full reconcile`)
}
