/**
 * The pipeline, in one direction: inputs → scope → current state → plan → apply → report. Each
 * step is one call; what a step does lives in its own module.
 */
import { createClient } from '../github/client.js'
import { explainApiError } from '../github/errors.js'
import type { Clock } from '../github/policy.js'
import { chooseFiles } from '../repository/reader.js'
import { resolveScope } from '../repository/scope.js'
import * as out from '../report/log.js'
import {
  reportContext,
  reportRun,
  writeErrorSummary,
  type ReportContext,
  type SpaceRun
} from '../report/report.js'
import { isCreatedResource, isUpdatedResource } from '../space/resource.js'
import type { Outcome } from '../sync/apply.js'
import { readRunContext, type RunContext } from './context.js'
import type { WantedSettings } from '../space/settings.js'
import { forEntry, readConfig } from './config.js'
import {
  actionInput,
  actionMask,
  InputError,
  previewWithoutToken,
  readSettings,
  type Settings
} from './inputs.js'
import { commentOnPullRequest } from './pull-request.js'
import { wantedSettings } from './space.js'
import { applySpace, planSpace, type RunShared, type SpacePlan } from './space-sync.js'

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

/** The repository reader and the scope, shared by every Space of the run. */
async function startRun(settings: Settings, ctx: RunContext, options: SyncOptions) {
  const log = out.safeLog(options.log)
  const policy = { ...options, writeIntervalMs: settings.writeIntervalMs, log }
  const { apiUrl: baseUrl, token } = settings
  const is = { isCreated: isCreatedResource, isUpdated: isUpdatedResource }
  const client = createClient({ baseUrl, token, policy, ...is })
  try {
    const { repoOwner: owner, repoName: repo, workspace, sha: commit } = ctx
    const { files } = await chooseFiles({ client, owner, repo, workspace, commit, log })
    const { scope, write } = await resolveScope({ ...ctx, sync: settings.sync, files, log })
    log(`Scope: ${scope.reason}`)
    // A full reconcile lists every file of the checkout: started now, git runs while the Space
    // is looked up (the listing is kept for when the plan asks; a failure is the plan's to say).
    if (scope.kind === 'full' && files.kind === 'git') files.listFiles(scope.commit).catch(() => {})
    return { client, files, scope, write, serverUrl: ctx.serverUrl, log } satisfies RunShared
  } catch (error) {
    if (error instanceof InputError) throw error
    throw new Error(explainApiError(error), { cause: error })
  }
}

/** The whole pipeline for given settings and run context; reporting is left to the caller. */
export async function sync(
  settings: Settings,
  ctx: RunContext,
  options: SyncOptions = {}
): Promise<SyncResult> {
  const run = await startRun(settings, ctx, options)
  const { scope, files } = run
  const wanted = scope.kind === 'none' ? {} : await wantedSettings(settings, files, scope.commit)
  const planned = await planSpace(settings, ctx, run, wanted)
  const outcomes = await applySpace(planned, run)
  return { outcomes, report: planned.report }
}

/** A Space that failed as a whole, reported as such while the others go on. */
function failedSpace(settings: Settings, ctx: RunContext, run: RunShared, report?: ReportContext) {
  return (error: unknown): SpaceRun => ({
    report: report ?? reportContext(settings, ctx, run.scope, run.write),
    outcomes: [],
    error: error instanceof Error ? error.message : String(error)
  })
}

/**
 * Every Space of a `config` file: the file and each entry's settings and instructions checked
 * before any request to a Space; then every Space planned, then written. A Space that fails is
 * reported as failed and the others go on. `input` is the step's, for the entries' defaults.
 */
export async function syncConfigured(
  settings: Settings & { config: string },
  ctx: RunContext,
  options: SyncOptions = {},
  input = { read: actionInput, mask: actionMask, warn: out.warning }
): Promise<SpaceRun[]> {
  const run = await startRun(settings, ctx, options)
  const { scope, files } = run
  if (scope.kind === 'none')
    return [{ report: reportContext(settings, ctx, scope, false), outcomes: [] }]
  const spaces = await readConfig(settings.config, files, scope.commit, { runner: ctx, ...input })
  const wanted: WantedSettings[] = []
  for (const s of spaces) wanted.push(await forEntry(s, wantedSettings(s, files, scope.commit)))
  const plans: (SpacePlan | SpaceRun)[] = []
  for (const [i, s] of spaces.entries()) {
    plans.push(
      await forEntry(s, planSpace(s, ctx, run, wanted[i]!)).catch(failedSpace(s, ctx, run))
    )
  }
  const runs: SpaceRun[] = []
  for (const [i, p] of plans.entries()) {
    if (!('actions' in p)) runs.push(p)
    else {
      const failed = failedSpace(spaces[i]!, ctx, run, p.report)
      runs.push(await applySpace(p, run).then(outcomes => ({ report: p.report, outcomes }), failed))
    }
  }
  return runs
}

/**
 * A pull request preview without a token (a fork's): a notice, and the report of a preview that
 * counted nothing, so that the step's outputs and summary are those of an empty preview.
 */
async function withoutToken(notice: string, settings: Settings, ctx: RunContext): Promise<void> {
  out.notice(notice)
  const reason =
    "none: input 'token' is empty, as on a pull request from a fork, which gets no secrets"
  await reportRun([{ report: reportContext(settings, ctx, { reason }, false), outcomes: [] }])
}

export async function run(): Promise<void> {
  let started: { settings: Settings; ctx: RunContext } | undefined
  try {
    const ctx = await readRunContext()
    const settings = readSettings(undefined, undefined, ctx)
    for (const warning of settings.warnings) out.warning(warning)
    const noToken = previewWithoutToken(settings, ctx.eventName)
    if (noToken !== undefined) return await withoutToken(noToken, settings, ctx)
    started = { settings, ctx }
    const { config } = settings
    const runs =
      config !== undefined
        ? await syncConfigured({ ...settings, config }, ctx)
        : [await sync(settings, ctx)]
    await reportRun(runs)
    await commentOnPullRequest(runs, settings, ctx)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    out.fail(message)
    await writeErrorSummary(message)
    // A preview that failed says so on the pull request too (bad inputs only in the log).
    if (started && !(error instanceof InputError)) {
      const { settings, ctx } = started
      const report = reportContext(settings, ctx, { reason: '' }, false)
      await commentOnPullRequest([{ report, outcomes: [], error: message }], settings, ctx)
    }
  }
}
