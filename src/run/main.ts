/**
 * The pipeline, in one direction: inputs → scope → current state → plan → apply → report.
 */
import { readFileSync } from 'node:fs'
import { applyPlan, prepareWrites, type Outcome } from '../sync/apply.js'
import { explainApiError } from '../github/errors.js'
import { createClient, type Client, type OwnerType, type SpaceRef } from '../github/client.js'
import { ApiError } from '../github/transport.js'
import { InputError, readSettings, type Settings } from './inputs.js'
import { plan, type DesiredFile, type PlanInput } from '../sync/plan.js'
import * as out from '../report/log.js'
import type { Log } from '../report/log.js'
import type { Clock } from '../github/policy.js'
import type { RepoFiles } from '../repository/files.js'
import {
  writeErrorSummary,
  writeOutputs,
  writeSummary,
  type ReportContext
} from '../report/report.js'
import { chooseFiles } from '../repository/reader.js'
import { resolveScope, type Scope } from '../repository/scope.js'
import { isCreatedResource, readSpaceState, type OwnedResource } from '../space/state.js'

/** api.github.com, where a 404 for a login means the login does not exist. */
const GITHUB_API_URL = 'https://api.github.com'

export interface RunContext {
  eventName: string
  payload: Record<string, unknown>
  sha: string
  repoOwner: string
  repoName: string
  workspace: string
  serverUrl: string
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const repository = env.GITHUB_REPOSITORY ?? ''
  const [repoOwner, repoName] = repository.split('/')
  if (!repoOwner || !repoName) {
    throw new InputError(
      `GITHUB_REPOSITORY must be "owner/name"; got ${JSON.stringify(repository)}. Run the action in a GitHub Actions workflow.`
    )
  }
  const sha = env.GITHUB_SHA ?? ''
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) {
    throw new InputError(`GITHUB_SHA must be a commit SHA; got ${JSON.stringify(sha)}.`)
  }
  let payload: Record<string, unknown> = {}
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>
    } catch (error) {
      throw new InputError(
        `Could not read the event payload at ${env.GITHUB_EVENT_PATH}: ${(error as Error).message}`
      )
    }
  }
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    sha,
    repoOwner,
    repoName,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  }
}

async function resolveOwnerType(
  client: Client,
  settings: Settings,
  log: (line: string) => void
): Promise<OwnerType> {
  if (settings.ownerType !== 'auto') return settings.ownerType
  let account
  try {
    account = await client.getAccount(settings.owner)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      // A wrong api-url answers 404 for every login, so blaming 'owner' alone would mislead.
      const apiUrlHint =
        settings.apiUrl === GITHUB_API_URL
          ? ''
          : ` Input 'api-url' is ${JSON.stringify(settings.apiUrl)}, not GitHub's default: if it is wrong, every login is "not found" (GitHub Enterprise Server needs https://HOST/api/v3, GHE.com https://api.SUBDOMAIN.ghe.com).`
      throw new InputError(
        `Input 'owner': GitHub has no organization or user named ${JSON.stringify(settings.owner)} (${error.endpoint} answered 404). Check the login, or set 'owner-type'.${apiUrlHint}`
      )
    }
    throw error
  }
  const type: OwnerType = account.type === 'Organization' ? 'org' : 'user'
  log(`owner-type auto: '${settings.owner}' is ${type === 'org' ? 'an organization' : 'a user'}.`)
  return type
}

async function repositoryId(client: Client, ctx: RunContext): Promise<number> {
  const fromPayload = (ctx.payload.repository as { id?: unknown } | undefined)?.id
  if (typeof fromPayload === 'number') return fromPayload
  return Number((await client.getRepo(ctx.repoOwner, ctx.repoName)).id)
}

/** The files that should be in the Space, and which of our resources this run decides. */
async function desiredState(
  scope: Exclude<Scope, { kind: 'none' }>,
  files: RepoFiles,
  settings: Settings,
  owned: readonly OwnedResource[],
  log: Log
): Promise<Pick<PlanInput, 'desired' | 'decide' | 'renames' | 'complete'>> {
  if (scope.kind === 'full') {
    const listing = await files.listFiles(scope.commit)
    if (!listing.complete) {
      out.warning(
        'The repository file listing was cut short (truncated tree): resources of files not listed are not pruned.'
      )
    }
    const desired = listing.files.filter(f => settings.globs.matches(f.path))
    if (desired.length === 0) {
      out.warning(
        `Input 'files' matches none of the ${listing.files.length} files at ${scope.commit.slice(0, 7)}` +
          ` (patterns: ${settings.globs.patterns.join(', ')}). Check the globs: they are matched against repository paths, case-sensitively.`
      )
    }
    return {
      desired,
      decide: 'all',
      renames: [],
      complete: listing.complete
    }
  }
  const desired: DesiredFile[] = []
  const decide = new Set<string>()
  const renames: { from: string; to: string }[] = []
  for (const change of scope.changes) {
    decide.add(change.path)
    if (change.previousPath !== undefined) {
      decide.add(change.previousPath)
      renames.push({ from: change.previousPath, to: change.path })
    }
    if (change.status !== 'deleted' && change.blobSha && settings.globs.matches(change.path)) {
      desired.push({ path: change.path, blobSha: change.blobSha, mode: change.mode })
    }
  }
  // The compare API gives no modes: without them a symbolic link would be synced as a file
  // holding its target's path.
  const modeless = desired.filter(d => d.mode === undefined).map(d => d.path)
  if (modeless.length > 0) {
    const modes = await files.modes(scope.commit, modeless)
    for (const d of desired) d.mode ??= modes.get(d.path)
  }

  // Several resources of ours for a path this change did not touch (two runs raced on an earlier
  // push) converge here too, so that any run that lists the Space repairs them.
  const perPath = new Map<string, number>()
  for (const r of owned) perPath.set(r.path, (perPath.get(r.path) ?? 0) + 1)
  const crowded = [...perPath].filter(([path, n]) => n > 1 && !decide.has(path)).map(([p]) => p)
  if (crowded.length > 0) {
    log(
      `${crowded.length} path(s) outside this change have several resources of ours; converging them at ${scope.commit.slice(0, 7)}.`
    )
    const listing = await files.listFiles(scope.commit)
    const atCommit = new Map(listing.files.map(f => [f.path, f]))
    for (const path of crowded) {
      const file = atCommit.get(path)
      // A path missing from a listing that was cut short is left undecided: it may still exist.
      if (!file && !listing.complete) continue
      decide.add(path)
      if (file) desired.push(file)
    }
  }
  return { desired, decide, renames, complete: true }
}

/**
 * For github_file resources synced at an older commit: which paths changed since then, so a file
 * whose content is the same costs no write. Unknown (undefined) means "treat as changed".
 */
async function changedSinceCommits(
  owned: readonly OwnedResource[],
  desired: readonly DesiredFile[],
  scope: Exclude<Scope, { kind: 'none' }>,
  files: RepoFiles,
  fallback: RepoFiles | undefined
): Promise<Map<string, Set<string> | undefined>> {
  const wanted = new Set(desired.map(d => d.path))
  const commits = new Set(
    owned
      .filter(
        r => r.type === 'github_file' && r.commit && r.commit !== scope.commit && wanted.has(r.path)
      )
      .map(r => r.commit!)
  )
  const result = new Map<string, Set<string> | undefined>()
  // A resource's sha is whatever its creator wrote; one that is no commit we can diff is "unknown".
  const diff = async (reader: RepoFiles | undefined, commit: string) => {
    if (!reader || !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) return undefined
    try {
      return await reader.diff(commit, scope.commit)
    } catch {
      return undefined
    }
  }
  for (const commit of commits) {
    const changes =
      scope.kind === 'changed' && commit === scope.base
        ? scope.changes
        : ((await diff(files, commit)) ?? (await diff(fallback, commit)))
    result.set(
      commit,
      changes &&
        new Set(
          changes.flatMap(c => (c.previousPath !== undefined ? [c.path, c.previousPath] : [c.path]))
        )
    )
  }
  return result
}

function logPlan(actions: ReturnType<typeof plan>, log: (line: string) => void): void {
  for (const a of actions) {
    const reason = 'reason' in a && a.reason ? ` (${a.reason})` : ''
    log(`${a.kind.padEnd(9)} ${a.path}${reason}`)
  }
}

export interface SyncOptions {
  clock?: Clock
  log?: (line: string) => void
  /** The request policy's jitter source in [0, 1) (Math.random by default). */
  random?: () => number
}

export interface SyncResult {
  outcomes: Outcome[]
  report: ReportContext
}

/** A run refused before any write (max-deletions); the step fails with this message. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError'
}

function refuseDeletions(actions: ReturnType<typeof plan>, max: number): void {
  const deletions = actions.filter(a => a.kind === 'delete')
  if (deletions.length <= max) return
  const shown = deletions.slice(0, 20).map(a => `${a.path} (${a.reason})`)
  const more =
    deletions.length > shown.length ? `, and ${deletions.length - shown.length} more` : ''
  throw new RefusedError(
    `Refusing to delete ${deletions.length} resources, more than max-deletions (${max}); nothing was written. ` +
      `Planned deletions: ${shown.join(', ')}${more}. If this is intended, raise the 'max-deletions' input for one run.`
  )
}

/** The whole pipeline for given settings and run context; reporting is left to the caller. */
export async function sync(
  settings: Settings,
  ctx: RunContext,
  options: SyncOptions = {}
): Promise<SyncResult> {
  const log = out.safeLog(options.log)
  const client = createClient({
    baseUrl: settings.apiUrl,
    token: settings.token,
    isCreated: isCreatedResource,
    policy: {
      writeIntervalMs: settings.writeIntervalMs,
      clock: options.clock,
      log,
      random: options.random
    }
  })

  let ref: SpaceRef | undefined
  try {
    const ownerType = await resolveOwnerType(client, settings, log)
    ref = { ownerType, owner: settings.owner, number: settings.spaceNumber }
    return await syncSpace(settings, ctx, client, ref, log)
  } catch (error) {
    if (error instanceof RefusedError || error instanceof InputError) throw error
    throw new Error(explainApiError(error, ref), { cause: error })
  }
}

async function syncSpace(
  settings: Settings,
  ctx: RunContext,
  client: Client,
  ref: SpaceRef,
  log: (line: string) => void
): Promise<SyncResult> {
  const { files, fallback } = await chooseFiles({
    workspace: ctx.workspace,
    commit: ctx.sha,
    client,
    owner: ctx.repoOwner,
    repo: ctx.repoName,
    log
  })
  const { scope, write } = await resolveScope({
    eventName: ctx.eventName,
    payload: ctx.payload,
    sha: ctx.sha,
    sync: settings.sync,
    files,
    fallback,
    log
  })
  log(`Scope: ${scope.reason}`)

  const previewReason = settings.dryRun
    ? 'dry-run is true.'
    : !write
      ? `${ctx.eventName} events only preview the sync.`
      : undefined
  const report: ReportContext = {
    spaceLabel: `${settings.owner}/${settings.spaceNumber}`,
    spaceUrl: `${ctx.serverUrl}/copilot/spaces/${encodeURIComponent(settings.owner)}/${settings.spaceNumber}`,
    scopeReason: scope.reason,
    commit: scope.kind === 'none' ? ctx.sha : scope.commit,
    previewReason,
    othersCount: 0
  }
  if (scope.kind === 'none') return { outcomes: [], report }
  // A push that touched no path the globs match cannot change any resource of ours: no request.
  if (
    scope.kind === 'changed' &&
    !scope.changes.some(
      c =>
        settings.globs.matches(c.path) ||
        (c.previousPath !== undefined && settings.globs.matches(c.previousPath))
    )
  ) {
    log(`None of the ${scope.changes.length} changed path(s) matches files: nothing to sync.`)
    return { outcomes: [], report }
  }

  const repoId = await repositoryId(client, ctx)
  const state = await readSpaceState(client, ref, repoId, settings.globs)
  report.othersCount = state.othersCount
  log(
    `Space ${report.spaceLabel}: ${state.ours.length} resource(s) managed by this workflow, ${state.othersCount} other(s) left alone.`
  )

  const wanted = await desiredState(scope, files, settings, state.ours, log)
  const actions = plan({
    ...wanted,
    resourceType: settings.resourceType,
    commit: scope.commit,
    namePrefix: settings.namePrefix,
    owned: state.ours,
    prune: settings.prune,
    changedSince: await changedSinceCommits(state.ours, wanted.desired, scope, files, fallback)
  })
  await out.group(`Plan: ${actions.length} path(s)`, async () => logPlan(actions, log))

  const explain = (error: unknown) => explainApiError(error, ref)
  const prepared = await prepareWrites(actions, {
    repositoryId: repoId,
    commit: scope.commit,
    resourceType: settings.resourceType,
    namePrefix: settings.namePrefix,
    prune: settings.prune,
    files,
    explain
  })
  if (!previewReason) refuseDeletions(prepared.actions, settings.maxDeletions)

  const outcomes = await out.group(previewReason ? 'Writes (none: preview)' : 'Writes', () =>
    applyPlan(prepared, { client, space: ref, dryRun: previewReason !== undefined, log, explain })
  )
  return { outcomes, report }
}

export async function run(): Promise<void> {
  try {
    const settings = readSettings()
    for (const warning of settings.warnings) out.warning(warning)
    const { outcomes, report } = await sync(settings, readRunContext())
    const counts = writeOutputs(outcomes)
    if (counts.warning) out.warning(counts.warning)
    await writeSummary(outcomes, report)
    out.info(
      `${report.previewReason ? 'Preview' : 'Done'}: ${counts.created} created, ${counts.updated} updated, ${counts.deleted} deleted, ` +
        `${counts.unchanged} unchanged, ${counts.skipped} skipped, ${counts.failed} failed.`
    )
    if (counts.failed > 0) {
      for (const o of outcomes.filter(o => o.action === 'failed'))
        out.error(`${o.path}: ${o.reason}`)
      out.fail(
        `${counts.failed} path(s) failed to sync; the others were synced. See the log and the job summary.`
      )
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    out.fail(message)
    await writeErrorSummary(message)
  }
}
