/**
 * The run's context as the Actions runner gives it (GITHUB_* variables and the event payload),
 * read once.
 */
import { readFileSync } from 'node:fs'
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
  /** GITHUB_REF: the branch or tag the run is for. */
  ref?: string
  /** GITHUB_WORKFLOW: the workflow's name. */
  workflow: string
  /** The run's page, from GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID. */
  runUrl: string
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
  let payload: EventPayload = {}
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as EventPayload
    } catch (error) {
      throw new InputError(
        `Could not read the event payload at ${env.GITHUB_EVENT_PATH}: ${(error as Error).message}`
      )
    }
  }
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    sha,
    repoOwner,
    repoName,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    serverUrl,
    ref: env.GITHUB_REF,
    workflow: env.GITHUB_WORKFLOW ?? '',
    runUrl: `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`
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
