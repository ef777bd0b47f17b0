/**
 * The run's context as the Actions runner gives it, read once (GITHUB_* variables and the event
 * payload), then checked: the payload and the variables are data from outside.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { Client } from '../github/client.js'
import type { EventPayload } from '../repository/event.js'
import { InputError } from './inputs.js'

export interface RunContext {
  eventName: string
  payload: EventPayload
  sha: string
  repoOwner: string
  repoName: string
  workspace: string
  serverUrl: string
  /** The REST API's base URL (GITHUB_API_URL): the default of input 'api-url'. */
  apiUrl: string
  /** GITHUB_REF: the branch or tag the run is for. */
  ref?: string
  /** GITHUB_WORKFLOW: the workflow's name. */
  workflow: string
  /** The run's page, from the server URL, the repository and the run's id. */
  runUrl: string
}

/**
 * The event payload: the JSON file GITHUB_EVENT_PATH names, or {} when there is none (a run
 * outside Actions). What @actions/github's `context` reads, without loading that package (its
 * Octokit is some 170 KB of bundle this action never uses).
 */
function readPayload(): unknown {
  const eventPath = process.env.GITHUB_EVENT_PATH
  if (!eventPath) return {}
  if (!existsSync(eventPath)) {
    throw new InputError(
      `Could not read the event payload: GITHUB_EVENT_PATH names ${JSON.stringify(eventPath)}, which does not exist.`
    )
  }
  try {
    return JSON.parse(readFileSync(eventPath, 'utf8')) as unknown
  } catch (error) {
    throw new InputError(
      `Could not read the event payload at ${eventPath}: ${(error as Error).message}`
    )
  }
}

/** An owner's login or a repository's name: what may stand in a URL path unescaped. */
const REPOSITORY_PART = /^[A-Za-z0-9._-]+$/

/** GITHUB_REPOSITORY's two parts, else the payload's repository, else empty parts. */
function repositoryOf(payload: EventPayload): { owner: string; repo: string } {
  const fromEnv = process.env.GITHUB_REPOSITORY
  if (fromEnv) {
    const [owner = '', repo = ''] = fromEnv.split('/')
    return { owner, repo }
  }
  const r = payload.repository as { name?: unknown; owner?: { login?: unknown } } | undefined
  return { owner: String(r?.owner?.login ?? ''), repo: String(r?.name ?? '') }
}

export async function readRunContext(): Promise<RunContext> {
  const read = readPayload()
  const payload: EventPayload =
    typeof read === 'object' && read !== null && !Array.isArray(read) ? (read as EventPayload) : {}
  const { owner: repoOwner, repo: repoName } = repositoryOf(payload)
  const repository = `${repoOwner}/${repoName}`
  if (!REPOSITORY_PART.test(repoOwner) || !REPOSITORY_PART.test(repoName)) {
    throw new InputError(
      `GITHUB_REPOSITORY must be "owner/name"; got ${JSON.stringify(process.env.GITHUB_REPOSITORY ?? '')}. Run the action in a GitHub Actions workflow.`
    )
  }
  const env = process.env
  const sha = env.GITHUB_SHA ?? ''
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) {
    throw new InputError(`GITHUB_SHA must be a commit SHA; got ${JSON.stringify(sha)}.`)
  }
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  const runId = parseInt(env.GITHUB_RUN_ID ?? '', 10)
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    sha,
    repoOwner,
    repoName,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    serverUrl,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    ref: env.GITHUB_REF,
    workflow: env.GITHUB_WORKFLOW ?? '',
    runUrl: `${serverUrl}/${repository}/actions/runs/${Number.isNaN(runId) ? '' : runId}`
  }
}

/** The repository's id: from the event payload, else asked once. */
export async function repositoryId(client: Client, ctx: RunContext): Promise<number> {
  const fromPayload: unknown = ctx.payload.repository?.id
  if (typeof fromPayload === 'number') return fromPayload
  return Number((await client.getRepo(ctx.repoOwner, ctx.repoName)).id)
}

/**
 * `pin: false` sends files without a commit, so the Space shows the default branch's latest
 * version: a run that writes from any other ref would put the wrong content in the Space. It
 * fails before any write; a preview only warns.
 */
export async function checkUnpinnedRef(
  client: Client,
  ctx: RunContext,
  preview: boolean,
  warn: (line: string) => void
): Promise<void> {
  const fromPayload = ctx.payload.repository?.default_branch
  const branch =
    typeof fromPayload === 'string' && fromPayload !== ''
      ? fromPayload
      : (await client.getRepo(ctx.repoOwner, ctx.repoName)).default_branch
  const ref = ctx.ref ?? (typeof ctx.payload.ref === 'string' ? ctx.payload.ref : '')
  if (ref === `refs/heads/${branch}`) return
  const message =
    `Input 'pin' is false, which syncs files that follow the default branch (${branch}), but this run is for ${JSON.stringify(ref || 'an unknown ref')}: ` +
    `the Space would show ${branch}'s content, not this commit's. Run with pin: false only on ${branch} (e.g. on: push: branches: [${branch}]), or set pin: true here.`
  if (preview) warn(message)
  else throw new InputError(`${message} Nothing was written.`)
}
