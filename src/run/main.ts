/**
 * The pipeline, in one direction: inputs → scope → current state → plan → apply → report. Each
 * step is one call; what a step does lives in its own module.
 */
import { createClient, type Client, type SpaceRef } from '../github/client.js'
import { explainApiError } from '../github/errors.js'
import type { Clock } from '../github/policy.js'
import { readBlobs } from '../repository/blobs.js'
import type { RepoFiles } from '../repository/files.js'
import { chooseFiles } from '../repository/reader.js'
import { resolveScope, type Scope } from '../repository/scope.js'
import * as out from '../report/log.js'
import {
  logPlan,
  notHeld,
  reportContext,
  reportRun,
  reportTarget,
  writeErrorSummary,
  type ReportContext
} from '../report/report.js'
import { isCreatedResource, isUpdatedResource } from '../space/resource.js'
import { planSettings } from '../space/settings.js'
import { emptySpace, readSpaceState } from '../space/state.js'
import { applyPlan, applySettings, planned, type Outcome } from '../sync/apply.js'
import { changedSinceCommits, desiredState, nothingToSync } from '../sync/desired.js'
import { blobsToRead, checkDeletions, plan, RefusedError, settle } from '../sync/plan.js'
import { checkUnpinnedRef, readRunContext, repositoryId, type RunContext } from './context.js'
import { InputError, readSettings, type Settings } from './inputs.js'
import { resolveTarget, wantedSettings } from './space.js'

export interface SyncOptions {
  clock?: Clock
  log?: (line: string) => void
  /** Jitter source for the request policy (Math.random by default). */
  random?: () => number
}

export interface SyncResult {
  outcomes: Outcome[]
  report: ReportContext
}

/** The whole pipeline for given settings and run context; reporting is left to the caller. */
export async function sync(
  settings: Settings,
  ctx: RunContext,
  options: SyncOptions = {}
): Promise<SyncResult> {
  const log = out.safeLog(options.log)
  const policy = { ...options, writeIntervalMs: settings.writeIntervalMs, log }
  const { apiUrl: baseUrl, token } = settings
  const is = { isCreated: isCreatedResource, isUpdated: isUpdatedResource }
  const client = createClient({ baseUrl, token, policy, ...is })
  let ref: SpaceRef | undefined
  try {
    const { repoOwner: owner, repoName: repo, workspace, sha: commit } = ctx
    const { files } = await chooseFiles({ client, owner, repo, workspace, commit, log })
    const { scope, write } = await resolveScope({ ...ctx, sync: settings.sync, files, log })
    log(`Scope: ${scope.reason}`)
    const report = reportContext(settings, ctx, scope, write)
    if (scope.kind === 'none') return { outcomes: [], report }
    const wanted = await wantedSettings(settings, files, scope.commit)
    const preview = report.previewReason !== undefined
    const target = await resolveTarget(client, settings, wanted, { ...ctx, preview, log })
    ref = target.ref
    reportTarget(report, target, target.created ? [] : planSettings(target.current, wanted))
    const explain = (error: unknown) => explainApiError(error, ref)
    if (ref && !preview) {
      const run = { client, space: ref, log, explain }
      for (const c of await applySettings(report.settings, run)) report.notices.push(notHeld(c))
    }
    const outcomes = await syncResources(settings, ctx, { client, files, scope, ref, report, log })
    return { outcomes, report }
  } catch (error) {
    if (error instanceof RefusedError || error instanceof InputError) throw error
    throw new Error(explainApiError(error, ref), { cause: error })
  }
}

interface Step {
  client: Client
  files: RepoFiles
  scope: Exclude<Scope, { kind: 'none' }>
  /** Undefined in a preview of a Space still to be created: it has no resources. */
  ref: SpaceRef | undefined
  report: ReportContext
  log: (line: string) => void
}

async function syncResources(settings: Settings, ctx: RunContext, s: Step): Promise<Outcome[]> {
  const { client, files, scope, ref, report, log } = s
  const { resourceType, namePrefix, prune, pin, globs } = settings
  const unpinned = !pin && resourceType === 'github_file'
  if (unpinned) await checkUnpinnedRef(client, ctx, report.previewReason !== undefined, out.warning)
  // A push that touched no path the globs match cannot change any resource of ours: no request.
  const idle = scope.kind === 'changed' && nothingToSync(scope.changes, globs, !unpinned)
  if (idle) {
    log(idle)
    return []
  }

  const repoId = await repositoryId(client, ctx)
  // The repository is read while the Space is listed: a full reconcile's files do not depend on it.
  const listed = ref ? readSpaceState(client, ref, repoId, globs.matches) : emptySpace()
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
  await logPlan(actions, report.settings, log)
  if (!ref) return actions.map(planned)
  const dryRun = report.previewReason !== undefined
  if (!dryRun) checkDeletions(actions, settings.maxDeletions)
  const batched = { batchSize: settings.batchSize, listing: state.listing }
  const warn = (message: string) => report.notices.push(message)
  return out.group(dryRun ? 'Writes (none: preview)' : 'Writes', () =>
    applyPlan(actions, { client, space: ref, dryRun, log, explain, ...batched, warn })
  )
}

export async function run(): Promise<void> {
  try {
    const settings = readSettings()
    for (const warning of settings.warnings) out.warning(warning)
    const { outcomes, report } = await sync(settings, readRunContext())
    await reportRun(outcomes, report)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    out.fail(message)
    await writeErrorSummary(message)
  }
}
