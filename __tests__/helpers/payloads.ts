/** Webhook event payloads, as the runner hands them to the action in GITHUB_EVENT_PATH. */
import { NULL_SHA, ORG, REPO, REPO_ID } from './constants.js'

/** The payload's `repository`: the one the tests sync from. */
export const repository = {
  id: REPO_ID,
  name: REPO,
  full_name: `${ORG}/${REPO}`,
  owner: { login: ORG }
}

/**
 * A `push` to main from `before` to `after`; `extra` overrides any field. Its commits' file lists
 * are deliberately wrong: the action must never trust them.
 */
export function pushPayload(
  before: string,
  after: string,
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    ref: 'refs/heads/main',
    before,
    after,
    created: before === NULL_SHA,
    deleted: after === NULL_SHA,
    forced: false,
    repository,
    commits: [{ id: after, added: ['docs/decoy.md'], modified: [], removed: ['README.md'] }],
    ...extra
  }
}
