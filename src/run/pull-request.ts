/**
 * The preview comment step: on a pull request, after the report, one comment per Space written
 * with the comment token. It never decides the step's result: a read-only token (a fork's pull
 * request) gets one notice, any other failure a warning, and the preview stays in the summary.
 */
import * as core from '@actions/core'
import { ApiError } from '../github/api.js'
import { createClient } from '../github/client.js'
import { explainApiError } from '../github/errors.js'
import {
  commentAuthor,
  commentMarkdown,
  commentMarker,
  postComment,
  type PostedComment
} from '../report/comment.js'
import * as out from '../report/log.js'
import type { SpaceRun } from '../report/report.js'
import type { RunContext } from './context.js'
import type { Settings } from './inputs.js'

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])

export async function commentOnPullRequest(
  runs: readonly SpaceRun[],
  settings: Settings,
  ctx: RunContext
): Promise<void> {
  if (!settings.comment || !PULL_REQUEST_EVENTS.has(ctx.eventName)) return
  const number = Number((ctx.payload.pull_request as { number?: unknown } | undefined)?.number)
  if (!Number.isSafeInteger(number) || number < 1) {
    out.warning('No preview comment: the event payload names no pull request number.')
    return
  }
  if (!settings.githubToken) {
    out.warning(
      "No preview comment: 'github-token' is empty. Pass ${{ github.token }} (the default) with 'permissions: pull-requests: write', or set 'comment: false'."
    )
    return
  }
  const policy = { writeIntervalMs: settings.writeIntervalMs, log: out.safeLog() }
  const client = createClient({ baseUrl: settings.apiUrl, token: settings.githubToken, policy })
  const where = { owner: ctx.repoOwner, repo: ctx.repoName, number }
  let first: PostedComment | undefined
  try {
    const author = await commentAuthor(client, settings.commentAuthor)
    for (const run of runs) {
      const commit = run.report.commit
      const body = commentMarkdown(run, { workflow: ctx.workflow, commit, runUrl: ctx.runUrl })
      const marker = commentMarker(run.report.spaceLabel, ctx.workflow)
      const posted = await postComment(client, { ...where, author }, body, marker)
      first ??= posted
      out.info(`Preview comment for ${run.report.spaceLabel} ${posted.written}: ${posted.url}`)
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      out.notice(
        `No preview comment: ${explainApiError(error)} On a pull request from a fork, GITHUB_TOKEN is read-only: comment from a pull_request_target workflow (which must not check out and run the fork's code with secrets) or with a token that has pull-requests: write. The preview is in the job summary.`
      )
    } else {
      out.warning(
        `The preview comment could not be written: ${explainApiError(error)} The preview is in the job summary and the outputs.`
      )
    }
  }
  if (first) {
    core.setOutput('comment-id', String(first.id))
    core.setOutput('comment-url', first.url)
  }
}
