/**
 * One Space through the pipeline, in two halves so that a run with several Spaces plans every one
 * before it writes to any: `planSpace` (the Space found, its state read, every decision made, the
 * plan logged) and `applySpace` (the Space created if it must be, its settings, its resources).
 */
import { listingOf, type Client, type ResourceListing, type SpaceRef } from '../github/client.js'
import { explainApiError, explainCause } from '../github/errors.js'
import { readBlobs } from '../repository/blobs.js'
import type { RepoFiles } from '../repository/files.js'
import type { Scope } from '../repository/scope.js'
import * as out from '../report/log.js'
import {
  logPlan,
  notHeld,
  reportContext,
  reportTarget,
  type ReportContext
} from '../report/report.js'
import { ownedPaths } from '../space/resource.js'
import { planSettings, type WantedSettings } from '../space/settings.js'
import { emptySpace, readSpaceState } from '../space/state.js'
import { applyPlan, applySettings, planned, type Outcome } from '../sync/apply.js'
import { changedSinceCommits, desiredState, nothingToSync } from '../sync/desired.js'
import {
  blobsToRead,
  checkDeletions,
  plan,
  RefusedError,
  settle,
  type PlannedAction
} from '../sync/plan.js'
import { planNotes, wantedNotes, type ReleaseFacts, type WantedNote } from '../sync/releases.js'
import { checkUnpinnedRef, repositoryId, type RunContext } from './context.js'
import { InputError, type Settings } from './inputs.js'
import { createTarget, managesSettings, resolveTarget, type Target } from './space.js'

/** What every Space of a run shares: the client, the repository reader and the scope. */
export interface RunShared {
  client: Client
  files: RepoFiles
  scope: Scope
  /** The event may write (false on pull requests): with dry-run, decides previews. */
  write: boolean
  serverUrl: string
  log: (line: string) => void
}

/** One Space, planned: nothing written yet. */
export interface SpacePlan {
  settings: Settings
  report: ReportContext
  target?: Target
  wanted: WantedSettings
  actions: PlannedAction[]
  /** The Space's resources as read, for batching to check each answer against. */
  listing: ResourceListing
}

const NOTHING_LISTED = listingOf([])

/** API failures explained with the Space they concern; input errors and refusals as they are. */
function explained(error: unknown, ref: SpaceRef | undefined): Error {
  if (error instanceof RefusedError || error instanceof InputError) return error
  return new Error(explainApiError(error, ref), { cause: error })
}

/**
 * Finds the Space, reads its state and decides every write, logging the plan; writes nothing. A
 * Space that `create-space` will create is planned as empty. `wanted` was read before any request.
 */
export async function planSpace(
  settings: Settings,
  ctx: RunContext,
  run: RunShared,
  wanted: WantedSettings
): Promise<SpacePlan> {
  const { scope, log } = run
  const report = reportContext(settings, ctx, scope, run.write)
  const none: SpacePlan = { settings, report, wanted, actions: [], listing: NOTHING_LISTED }
  if (scope.kind === 'none') return none
  const preview = report.previewReason !== undefined
  let target: Target | undefined
  try {
    const idle = await idleReason(settings, ctx, run, preview)
    // A push that touched no path in scope needs the Space only for settings it manages.
    if (idle && !managesSettings(wanted)) {
      log(idle)
      return none
    }
    target = await resolveTarget(run.client, settings, wanted, run)
    // A Space to create gets every setting given with its creation.
    reportTarget(report, target, planSettings(target.current, wanted))
    if (idle) log(idle)
    const { actions, listing } = idle
      ? { actions: [], listing: NOTHING_LISTED }
      : await planResources(settings, ctx, run, target.ref, report)
    await logPlan(actions, report.settings, log)
    if (!preview) checkDeletions(actions, settings.maxDeletions)
    return { ...none, target, actions, listing }
  } catch (error) {
    throw explained(error, target?.ref)
  }
}

/** `pin: false` on github_file resources: GitHub serves each file's latest version by itself. */
function followsBranch(settings: Settings): boolean {
  return !settings.pin && settings.resourceType === 'github_file'
}

/**
 * Why the run has no resource to decide (a push that touched no path the globs match cannot
 * change any resource of ours), or undefined. `pin: false` is checked first: it runs only on the
 * default branch, idle or not.
 */
async function idleReason(
  settings: Settings,
  ctx: RunContext,
  run: RunShared,
  preview: boolean
): Promise<string | undefined> {
  const unpinned = followsBranch(settings)
  if (unpinned) await checkUnpinnedRef(run.client, ctx, preview, out.warning)
  const { scope } = run
  if (scope.kind !== 'changed') return undefined
  return nothingToSync(scope.changes, settings.globs, !unpinned) || undefined
}

async function planResources(
  settings: Settings,
  ctx: RunContext,
  run: RunShared,
  ref: SpaceRef | undefined,
  report: ReportContext
): Promise<{ actions: PlannedAction[]; listing: ResourceListing }> {
  const { client, files, scope, log } = run
  if (scope.kind === 'none') return { actions: [], listing: NOTHING_LISTED }
  const { resourceType, namePrefix, prune, pin, globs } = settings
  const unpinned = followsBranch(settings)
  const repoId = await repositoryId(client, ctx)
  // The repository is read while the Space is listed: a full reconcile's files do not depend on it.
  const owns = ownedPaths(settings.ownership, globs.matches)
  const listed = ref ? readSpaceState(client, ref, repoId, owns) : emptySpace()
  const owned = async () => (await listed).ours
  const [state, wanted] = await Promise.all([
    listed,
    desiredState(scope, files, globs, owned, { log, warn: out.warning })
  ])
  report.othersCount = state.othersCount
  log(
    `Space ${report.spaceLabel}: ${state.ours.length} resource(s) managed by this workflow, ${state.othersCount} other(s) left alone.`
  )

  const changedSince = unpinned
    ? new Map()
    : await changedSinceCommits(state.ours, wanted.desired, scope, files, log)
  const common = { resourceType, namePrefix, prune, pin, commit: scope.commit, changedSince }
  const draft = plan({ ...common, ...wanted, owned: state.ours })
  const explain = (error: unknown) => explainApiError(error, ref)
  const contents = await readBlobs(files, scope.commit, blobsToRead(draft), { explain, log })
  const actions = settle(draft, { ...common, repositoryId: repoId, contents })
  // Release notes are reconciled with the files (full reconciles, releases), never on a push.
  if (scope.kind === 'full' && (settings.releaseNotes > 0 || state.notes.length > 0)) {
    const wantedReleases = await releaseNotes(client, ctx, settings.releaseNotes)
    actions.push(...planNotes(wantedReleases, state.notes, repoId))
  }
  return { actions, listing: state.listing }
}

/** The notes of the last `n` published releases: the listing read only as far as needed. */
async function releaseNotes(client: Client, ctx: RunContext, n: number): Promise<WantedNote[]> {
  if (n === 0) return []
  const event = ctx.eventName === 'release' ? releaseEvent(ctx.payload) : undefined
  const published = (r: ReleaseFacts) => !r.draft && !r.prerelease && r.published_at !== null
  // One more than needed: the event may remove one of those listed.
  const enough = (listed: readonly ReleaseFacts[]) => listed.filter(published).length > n
  const listed = await client.listReleases(ctx.repoOwner, ctx.repoName, enough)
  return wantedNotes(listed, n, event)
}

/** A `release` event's action and release, when the payload has them in the expected shape. */
function releaseEvent(payload: RunContext['payload']) {
  const r = payload.release as Partial<ReleaseFacts> | undefined
  const valid =
    typeof r === 'object' &&
    r !== null &&
    Number.isSafeInteger(r.id) &&
    typeof r.tag_name === 'string' &&
    typeof r.draft === 'boolean' &&
    typeof r.prerelease === 'boolean'
  return valid
    ? { action: payload.action, release: { published_at: null, ...r } as ReleaseFacts }
    : undefined
}

/** Writes what `planSpace` decided (nothing in a preview): the Space, its settings, its resources. */
export async function applySpace(p: SpacePlan, run: RunShared): Promise<Outcome[]> {
  const { client, log } = run
  const { report, settings } = p
  const dryRun = report.previewReason !== undefined
  if (!p.target || dryRun || (!p.target.ref && !p.target.toCreate)) return p.actions.map(planned)
  let ref = p.target.ref
  try {
    const explain = (error: unknown) => explainApiError(error, ref)
    if (!ref) {
      const created = await createTarget(client, settings, p.wanted, p.target, run)
      ref = created.ref
      reportTarget(report, created, report.settings)
    } else {
      const o = { client, space: ref, log, explain }
      for (const c of await applySettings(report.settings, o)) report.notices.push(notHeld(c))
    }
    const space = ref
    const batched = { batchSize: settings.batchSize, listing: p.listing }
    const warn = (message: string) => report.notices.push(message)
    const cause = (error: unknown) => explainCause(error, space)
    return await out.group('Writes', () =>
      applyPlan(p.actions, { client, space, dryRun, log, explain, cause, ...batched, warn })
    )
  } catch (error) {
    throw explained(error, ref)
  }
}
