/**
 * Apply on its own: a settled plan against the emulator. It sends exactly the plan's writes
 * (updates and creates before deletes), nothing in a preview, nothing for a failure decided
 * before it, and goes on past a failing path.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../emulator/index.js'
import { createClient, type SpaceRef } from '../src/github/client.js'
import { explainApiError } from '../src/github/errors.js'
import { applyPlan } from '../src/sync/apply.js'
import type { PlannedAction } from '../src/sync/plan.js'
import { expectConforming, ORG, startGitHub, TOKEN } from './helpers/github.js'

let emu: Emulator
let space: SpaceRef
const lines: string[] = []

beforeAll(async () => {
  emu = await startGitHub()
})
afterAll(() => emu.close())
beforeEach(() => {
  lines.length = 0
  space = {
    ownerType: 'org',
    owner: ORG,
    number: emu.createSpace('org', ORG, { name: 'A' }).number
  }
  emu.clearLog()
})

const file = (path: string) => ({
  resource_type: 'github_file' as const,
  metadata: { repository_id: 1, file_path: path, sha: 'a'.repeat(40) }
})

function options(dryRun = false) {
  return {
    client: createClient({ baseUrl: emu.url, token: TOKEN }),
    space,
    dryRun,
    log: (line: string) => lines.push(line),
    explain: (error: unknown) => explainApiError(error, space)
  }
}

describe('applyPlan', () => {
  it('sends the plan in order (updates, creates, deletes) and reports each outcome in plan order', async () => {
    const old = emu.addResource('org', ORG, space.number, file('old.md')).id
    const edited = emu.addResource('org', ORG, space.number, file('edited.md')).id
    const actions: PlannedAction[] = [
      { kind: 'create', path: 'a.md', blobSha: 'x', body: file('a.md') },
      { kind: 'delete', path: 'old.md', resourceId: old, reason: 'file removed' },
      {
        kind: 'update',
        path: 'edited.md',
        blobSha: 'y',
        resourceId: edited,
        reason: 'file changed',
        body: file('edited.md')
      },
      { kind: 'skip', path: 'bin.md', reason: 'binary file (contains a NUL byte)' },
      { kind: 'fail', path: 'lost.md', reason: 'could not read the file: gone' },
      { kind: 'unchanged', path: 'same.md', resourceId: 99 }
    ]
    const outcomes = await applyPlan(actions, options())
    expect(emu.requests.map(r => `${r.method} ${r.route?.split('/').pop()}`)).toEqual([
      'PUT {space_resource_id}',
      'POST resources',
      'DELETE {space_resource_id}'
    ])
    expect(outcomes.map(o => [o.path, o.action])).toEqual([
      ['a.md', 'created'],
      ['old.md', 'deleted'],
      ['edited.md', 'updated'],
      ['bin.md', 'skipped'],
      ['lost.md', 'failed'],
      ['same.md', 'unchanged']
    ])
    expect(outcomes[4]?.reason).toBe('could not read the file: gone')
    expect(
      emu
        .resources('org', ORG, space.number)
        .map(r => r.metadata.file_path)
        .sort()
    ).toEqual(['a.md', 'edited.md'])
    expectConforming(emu)
  })

  it('sends nothing in a preview, and reports what would happen', async () => {
    const actions: PlannedAction[] = [
      { kind: 'create', path: 'a.md', blobSha: 'x', body: file('a.md') },
      { kind: 'delete', path: 'b.md', resourceId: 5, reason: 'file removed' }
    ]
    const outcomes = await applyPlan(actions, options(true))
    expect(emu.requests).toEqual([])
    expect(outcomes.map(o => o.action)).toEqual(['created', 'deleted'])
  })

  it('a failing path fails alone with its message; a delete that finds nothing counts as done', async () => {
    emu.injectFault({
      method: 'POST',
      status: 422,
      body: { message: 'Validation Failed', errors: [{ code: 'invalid' }] }
    })
    const actions: PlannedAction[] = [
      { kind: 'create', path: 'bad.md', blobSha: 'x', body: file('bad.md') },
      { kind: 'create', path: 'good.md', blobSha: 'y', body: file('good.md') },
      { kind: 'delete', path: 'gone.md', resourceId: 424242, reason: 'file removed' }
    ]
    const outcomes = await applyPlan(actions, options())
    expect(outcomes.map(o => [o.path, o.action])).toEqual([
      ['bad.md', 'failed'],
      ['good.md', 'created'],
      ['gone.md', 'deleted']
    ])
    expect(outcomes[0]?.reason).toMatch(
      /^POST \/orgs\/octo-org\/copilot-spaces\/\d+\/resources answered 422: Validation Failed\. GitHub rejected the request as invalid\./
    )
    expect(outcomes[2]?.reason).toBe('file removed; it was already gone')
    expect(lines.filter(l => l.startsWith('✗'))).toHaveLength(1)
  })

  it('refuses a write that reached it without a body', async () => {
    const outcomes = await applyPlan([{ kind: 'create', path: 'a.md', blobSha: 'x' }], options())
    expect(emu.requests).toEqual([])
    expect(outcomes[0]).toMatchObject({
      action: 'failed',
      reason: expect.stringContaining('a write without its body')
    })
  })
})
