/**
 * The fields of an event payload the action reads, typed as GitHub documents them
 * (@octokit/openapi-webhooks-types). Each is optional: a workflow may run on any event, and the
 * readers still check every value, since the payload is data from outside.
 */
import type { components } from '@octokit/openapi-webhooks-types'

type Push = components['schemas']['webhook-push']
type PullRequest = components['schemas']['webhook-pull-request-opened']['pull_request']

export interface EventPayload {
  /** Everything else the event carries, unread. */
  [key: string]: unknown
  ref?: Push['ref']
  before?: Push['before']
  after?: Push['after']
  deleted?: Push['deleted']
  repository?: {
    id?: Push['repository']['id']
    default_branch?: Push['repository']['default_branch']
    [key: string]: unknown
  }
  pull_request?: {
    number?: PullRequest['number']
    head?: { sha?: PullRequest['head']['sha'] }
    base?: { sha?: PullRequest['base']['sha'] }
  }
}
