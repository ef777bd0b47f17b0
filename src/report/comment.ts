/**
 * The preview on the pull request: one comment per Space and workflow, found again by a hidden
 * marker among the comments its own account wrote, and updated in place. Its text is the job
 * summary's section for the Space (every name rendered as data, no `@` left able to mention),
 * within GitHub's 65,536 characters, with the commit it previews and a link to the run.
 */
import { ApiError } from '../github/api.js'
import type { Client } from '../github/client.js'
import { codeText, linkDestination } from './markdown.js'
import { countOutcomes, errorSummaryMarkdown, summaryMarkdown, type SpaceRun } from './report.js'

/** GitHub refuses a comment body over this many characters. */
export const COMMENT_LIMIT = 65_536
/** What the summary's section may take of it, in bytes (never fewer than characters). */
const SECTION_BUDGET = 60_000

/** The account `GITHUB_TOKEN` comments as; GitHub tells no token its own bot login. */
export const ACTIONS_BOT = 'github-actions[bot]'

/** The hidden first line that names the Space and the workflow: how the comment is found again. */
export function commentMarker(space: string, workflow: string): string {
  // JSON with <, > and & escaped: no name can close the HTML comment early.
  const data = JSON.stringify({ space, workflow }).replace(
    /[<>&]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
  return `<!-- copilot-space-sync preview ${data} -->`
}

export interface CommentContext {
  workflow: string
  commit: string
  runUrl: string
}

/** The comment for one Space of the run. */
export function commentMarkdown(run: SpaceRun, c: CommentContext): string {
  const { report } = run
  const section =
    run.error !== undefined
      ? errorSummaryMarkdown(`${report.spaceLabel}: ${run.error}`, SECTION_BUDGET)
      : summaryMarkdown(run.outcomes, report, SECTION_BUDGET)
  const counts = countOutcomes(run.outcomes)
  const quiet =
    run.error === undefined &&
    counts.created + counts.updated + counts.deleted + counts.skipped + counts.failed === 0 &&
    report.settings.length === 0 &&
    !report.spaceToCreate
  return [
    commentMarker(report.spaceLabel, c.workflow),
    section.trimEnd(),
    '',
    ...(quiet ? ['This pull request changes nothing in the Space.', ''] : []),
    `<sub>Preview of ${codeText(c.commit.slice(0, 12))} by [this run](${linkDestination(c.runUrl)}), whose job summary has the full preview; nothing was written. Updated in place on every push.</sub>`,
    ''
  ].join('\n')
}

export interface PostedComment {
  id: number
  url: string
  /** Created, updated, or found with this text already. */
  written: 'created' | 'updated' | 'unchanged'
}

/**
 * Creates or updates the Space's comment on pull request `number`. Only comments `author` wrote
 * are candidates, so a person's comment quoting the marker is never edited.
 */
export async function postComment(
  client: Client,
  where: { owner: string; repo: string; number: number; author: string },
  body: string,
  marker: string
): Promise<PostedComment> {
  const { owner, repo, number, author } = where
  const comments = await client.listIssueComments(owner, repo, number)
  // Line endings as GitHub may store them (CRLF) do not make a comment another one, or new text.
  const lf = (text: string | undefined | null) => (text ?? '').replace(/\r\n/g, '\n')
  const mine = comments.find(c => c.user?.login === author && lf(c.body).startsWith(`${marker}\n`))
  if (mine && lf(mine.body) === body) {
    return { id: Number(mine.id), url: mine.html_url, written: 'unchanged' }
  }
  const posted = mine
    ? await client.updateIssueComment(owner, repo, Number(mine.id), body)
    : await client.createIssueComment(owner, repo, number, body)
  return { id: Number(posted.id), url: posted.html_url, written: mine ? 'updated' : 'created' }
}

/** The login the token comments as: asked of GitHub, else (an installation token) the Actions bot. */
export async function commentAuthor(client: Client, given: string | undefined): Promise<string> {
  if (given) return given
  try {
    return await client.getAuthenticatedLogin()
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 401)) {
      return ACTIONS_BOT
    }
    throw error
  }
}
