/**
 * The desired state: which files should have a resource, which of our resources this run
 * decides, and, for github_file resources pinned at older commits, which paths changed since.
 * Every match against the `files` globs for the plan happens here, or through the `inFiles` it
 * hands the planner.
 */
import { PINNED_TREE_BUDGET } from '../repository/api-reader.js'
import type { GlobSet } from '../repository/globs.js'
import { touchedPaths, type FileChange, type RepoFiles } from '../repository/files.js'
import type { Scope } from '../repository/scope.js'
import { unsyncableMode, type DesiredFile, type OwnedResource } from '../space/resource.js'
import type { PlanInput } from './plan.js'

type Log = (line: string) => void
type Active = Exclude<Scope, { kind: 'none' }>

/**
 * Why a change set needs no request at all, or undefined when it touches a path in scope (before
 * or after a rename). Unpinned (`pin: false`), an edit of a regular file changes nothing in the
 * Space: GitHub serves the branch's latest version by itself.
 */
export function nothingToSync(
  changes: readonly FileChange[],
  globs: GlobSet,
  pin: boolean
): string | undefined {
  const inScope = (c: FileChange) =>
    globs.matches(c.path) || (c.previousPath !== undefined && globs.matches(c.previousPath))
  const writes = (c: FileChange) =>
    pin || c.status !== 'modified' || unsyncableMode(c.mode) !== undefined
  if (changes.some(c => inScope(c) && writes(c))) return undefined
  return pin || !changes.some(inScope)
    ? `None of the ${changes.length} changed path(s) matches files: nothing to sync.`
    : `None of the ${changes.length} changed path(s) adds, removes or renames a path that matches files, and pin is false (GitHub serves an edited file's latest version by itself): nothing to sync.`
}

type Desired = Pick<PlanInput, 'desired' | 'decide' | 'renames' | 'complete' | 'inFiles'>

/**
 * The files that decide resources of ours, and which paths they decide. `owned` is asked for only
 * by a change set (resources of ours that need converging); a full reconcile lists the files
 * without waiting for the Space.
 */
export async function desiredState(
  scope: Active,
  files: RepoFiles,
  globs: GlobSet,
  owned: () => Promise<readonly OwnedResource[]>,
  say: { log: Log; warn: Log }
): Promise<Desired> {
  if (scope.kind === 'full') return everyFile(scope.commit, files, globs, say.warn)
  const wanted = { ...changedFiles(scope.changes, globs), inFiles: globs.matches }
  // The compare API gives no modes: without them a symbolic link would be synced as a file
  // holding its target's path.
  const modeless = wanted.desired.filter(d => d.mode === undefined).map(d => d.path)
  if (modeless.length > 0) {
    const modes = await files.modes(scope.commit, modeless)
    for (const d of wanted.desired) d.mode ??= modes.get(d.path)
  }
  await convergeDuplicates(wanted, await owned(), scope.commit, files, globs, say.log)
  return wanted
}

/** A full reconcile: every file in scope at the commit decides every resource of ours. */
async function everyFile(commit: string, files: RepoFiles, globs: GlobSet, warn: Log) {
  const listing = await files.listFiles(commit)
  if (!listing.complete) {
    warn(
      'The repository file listing was cut short (truncated tree): resources of files not listed are not pruned.'
    )
  }
  const desired = listing.files.filter(f => globs.matches(f.path))
  if (desired.length === 0) {
    warn(
      `Input 'files' matches none of the ${listing.files.length} files at ${commit.slice(0, 7)}` +
        ` (patterns: ${globs.patterns.join(', ')}). Check the globs: they are matched against repository paths, case-sensitively.`
    )
  }
  const complete = listing.complete
  return { desired, decide: 'all' as const, renames: [], complete, inFiles: globs.matches }
}

/**
 * A change set: only the paths it touched that `files` matches are decided, renames as renames.
 * With `ownership: repository`, a resource of ours at a path `files` does not match is left to
 * full reconciles, which see every such resource at once: a push sees only the paths it changed.
 */
function changedFiles(changes: readonly FileChange[], globs: GlobSet) {
  const desired: DesiredFile[] = []
  const decide = new Set<string>()
  const renames: { from: string; to: string }[] = []
  for (const change of changes) {
    if (globs.matches(change.path)) decide.add(change.path)
    if (change.previousPath !== undefined) {
      if (globs.matches(change.previousPath)) decide.add(change.previousPath)
      renames.push({ from: change.previousPath, to: change.path })
    }
    if (change.status !== 'deleted' && change.blobSha && globs.matches(change.path)) {
      desired.push({ path: change.path, blobSha: change.blobSha, mode: change.mode })
    }
  }
  return { desired, decide, renames, complete: true }
}

/**
 * Several resources of ours for a path `files` matches that a change did not touch (two runs
 * raced on an earlier push) converge too, so that any run that lists the Space repairs them:
 * their paths join the decided ones, with their files as they are at the commit.
 */
async function convergeDuplicates(
  wanted: { desired: DesiredFile[]; decide: Set<string> },
  owned: readonly OwnedResource[],
  commit: string,
  files: RepoFiles,
  globs: GlobSet,
  log: Log
): Promise<void> {
  const perPath = new Map<string, number>()
  for (const r of owned) perPath.set(r.path, (perPath.get(r.path) ?? 0) + 1)
  const crowded = [...perPath]
    .filter(([path, n]) => n > 1 && !wanted.decide.has(path) && globs.matches(path))
    .map(([path]) => path)
  if (crowded.length === 0) return
  log(
    `${crowded.length} path(s) outside this change have several resources of ours; converging them at ${commit.slice(0, 7)}.`
  )
  const listing = await files.listFiles(commit)
  const atCommit = new Map(listing.files.map(f => [f.path, f]))
  for (const path of crowded) {
    const file = atCommit.get(path)
    // A path missing from a listing that was cut short is left undecided: it may still exist.
    if (!file && !listing.complete) continue
    wanted.decide.add(path)
    if (file) wanted.desired.push(file)
  }
}

/**
 * For github_file resources synced at an older commit: which paths changed since then, so a file
 * whose content is the same costs no write. Unknown (undefined) means "treat as changed".
 */
export async function changedSinceCommits(
  owned: readonly OwnedResource[],
  desired: readonly DesiredFile[],
  scope: Active,
  files: RepoFiles,
  log: (line: string) => void = () => {}
): Promise<Map<string, ReadonlySet<string> | undefined>> {
  // Most resources first: a reader that answers within a budget answers for the most of them.
  const pinned = new Map<string, number>()
  const elsewhere = owned.filter(
    r => r.type === 'github_file' && r.commit && r.commit !== scope.commit
  )
  const wanted = elsewhere.length > 0 ? new Set(desired.map(d => d.path)) : new Set<string>()
  // On a push, a resource at a path the push changed is out of date whatever commit it is pinned
  // at; only a commit with resources at other paths (duplicates to converge) needs the question.
  const touched = scope.kind === 'changed' ? touchedPaths(scope.changes) : new Set<string>()
  const elsewhereToo = new Set<string>()
  for (const r of elsewhere) {
    if (!wanted.has(r.path)) continue
    pinned.set(r.commit!, (pinned.get(r.commit!) ?? 0) + 1)
    if (!touched.has(r.path)) elsewhereToo.add(r.commit!)
  }
  const commits = [...pinned.keys()].sort((a, b) => pinned.get(b)! - pinned.get(a)!)
  const result = new Map<string, ReadonlySet<string> | undefined>()
  const ask: string[] = []
  for (const commit of commits) {
    if (scope.kind === 'changed' && (commit === scope.base || !elsewhereToo.has(commit))) {
      result.set(commit, touched)
    } else if (/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) {
      ask.push(commit)
    } else {
      // A resource's sha is whatever its creator wrote; one that is no commit is "unknown".
      result.set(commit, undefined)
    }
  }
  if (ask.length === 0) return result
  // Every commit at once: the git reader answers them in a bounded number of git processes.
  let answers: ReadonlyMap<string, ReadonlySet<string> | undefined>
  try {
    answers = await files.changedPaths(ask, scope.commit)
  } catch {
    answers = new Map()
  }
  for (const commit of ask) result.set(commit, answers.get(commit))
  const unknown = ask.filter(c => answers.get(c) === undefined)
  if (unknown.length > 0) {
    const resources = unknown.reduce((n, c) => n + (pinned.get(c) ?? 0), 0)
    const why =
      files.kind === 'api' ? ` (tree comparisons stop at ${PINNED_TREE_BUDGET} requests a run)` : ''
    log(
      `${unknown.length} of ${ask.length} pinned commit(s) could not be compared with the synced commit${why}: their ${resources} resource(s) are updated, which pins them at the synced commit.`
    )
  }
  return result
}
