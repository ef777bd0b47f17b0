/**
 * Apply on its own: a settled plan against the emulator. It sends exactly the plan's writes
 * (updates and creates before deletes), nothing in a preview, nothing for a failure decided
 * before it, and goes on past a failing path.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../emulator/index.js'
import { createClient, listingOf, type SpaceRef, type SpaceResource } from '../src/github/client.js'
import { explainApiError, explainCause } from '../src/github/errors.js'
import { applyPlan } from '../src/sync/apply.js'
import type { PlannedAction } from '../src/sync/plan.js'
import { expectConforming, ORG, startGitHub, TOKEN, USER, writesOf } from './helpers/github.js'

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

function options(dryRun = false, token = TOKEN) {
  return {
    client: createClient({ baseUrl: emu.url, token }),
    space,
    dryRun,
    log: (line: string) => lines.push(line),
    explain: (error: unknown) => explainApiError(error, space),
    cause: (error: unknown) => explainCause(error, space)
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
      { kind: 'unchanged', action: 'unchanged', path: 'same.md', resourceId: 99 }
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

  describe('a resource replaced by one of another type', () => {
    const note = (path: string) => ({
      resource_type: 'free_text' as const,
      metadata: { name: path, text: `${path}\n` }
    })
    /** Two files switching from github_file to free_text; GitHub refuses the first's new resource. */
    function switching(): { actions: PlannedAction[]; old: number[] } {
      const old = ['a.md', 'b.md'].map(p => emu.addResource('org', ORG, space.number, file(p)).id)
      const actions: PlannedAction[] = ['a.md', 'b.md'].flatMap((path, i): PlannedAction[] => [
        {
          kind: 'delete',
          path,
          resourceId: old[i]!,
          reason: 'replaced by a free_text resource',
          replaced: { id: old[i]!, type: 'github_file', path, commit: 'a'.repeat(40) }
        },
        { kind: 'create', path, blobSha: 'x', body: note(path) }
      ])
      emu.clearLog()
      return { actions, old }
    }
    const refuseFirst = () =>
      emu.injectFault({
        method: 'POST',
        status: 422,
        body: { message: 'Validation Failed', errors: [{ code: 'invalid' }] }
      })

    it('is kept when its successor is refused, one request per resource', async () => {
      const { actions, old } = switching()
      refuseFirst()
      const outcomes = await applyPlan(actions, options())
      expect(outcomes.map(o => [o.path, o.action])).toEqual([
        ['a.md', 'skipped'],
        ['a.md', 'failed'],
        ['b.md', 'deleted'],
        ['b.md', 'created']
      ])
      expect(outcomes[0]).toMatchObject({
        resourceId: old[0],
        reason: 'kept: the resource replacing it was not created'
      })
      expect(lines).toContain('Skipped a.md: kept: the resource replacing it was not created')
      const left = emu.resources('org', ORG, space.number)
      expect(left.map(r => [r.resource_type, r.metadata.file_path ?? r.metadata.name])).toEqual([
        ['github_file', 'a.md'],
        ['free_text', 'b.md']
      ])
      expect(writesOf(emu).filter(w => w.method === 'DELETE')).toHaveLength(1)
    })

    it('goes when its successor is found already there (a concurrent run created it)', async () => {
      const old = emu.addResource('org', ORG, space.number, note('a.md')).id
      const already = emu.addResource('org', ORG, space.number, file('a.md')).id
      emu.clearLog()
      const outcomes = await applyPlan(
        [
          {
            kind: 'delete',
            path: 'a.md',
            resourceId: old,
            reason: 'replaced by a github_file resource',
            replaced: { id: old, type: 'free_text', path: 'a.md', blobSha: 'x' }
          },
          { kind: 'create', path: 'a.md', blobSha: 'x', body: file('a.md') }
        ],
        options()
      )
      expect(outcomes.map(o => [o.action, o.resourceId])).toEqual([
        ['deleted', old],
        ['unchanged', already]
      ])
      expect(emu.resources('org', ORG, space.number).map(r => r.id)).toEqual([already])
    })

    it('is kept when its successor is refused within a batch', async () => {
      const { actions, old } = switching()
      emu.injectFault({
        method: 'PUT',
        status: 422,
        body: { message: 'Validation Failed', errors: [{ code: 'invalid' }] }
      })
      refuseFirst()
      const outcomes = await applyPlan(actions, {
        ...options(),
        batchSize: 10,
        listing: listingOf(emu.resources('org', ORG, space.number) as unknown as SpaceResource[])
      })
      expect(outcomes.map(o => [o.path, o.action])).toEqual([
        ['a.md', 'skipped'],
        ['a.md', 'failed'],
        ['b.md', 'deleted'],
        ['b.md', 'created']
      ])
      expect(outcomes[0]?.resourceId).toBe(old[0])
      const left = emu.resources('org', ORG, space.number)
      expect(left.map(r => [r.resource_type, r.metadata.file_path ?? r.metadata.name])).toEqual([
        ['github_file', 'a.md'],
        ['free_text', 'b.md']
      ])
    })
  })

  it('refuses a write that reached it without a body', async () => {
    const outcomes = await applyPlan([{ kind: 'create', path: 'a.md', blobSha: 'x' }], options())
    expect(emu.requests).toEqual([])
    expect(outcomes[0]).toMatchObject({
      action: 'failed',
      reason: expect.stringContaining('a write without its body')
    })
  })

  describe('when GitHub refuses the token', () => {
    const READ_ONLY = 'ghs_readOnlyApply'
    beforeAll(() => {
      emu.addToken(READ_ONLY, { login: USER, kind: 'installation', access: { [ORG]: 'read' } })
    })

    /** An update, three creates and a delete: five writes, in the order apply sends them. */
    function fiveWrites(): PlannedAction[] {
      const edited = emu.addResource('org', ORG, space.number, file('edited.md')).id
      const old = emu.addResource('org', ORG, space.number, file('old.md')).id
      emu.clearLog()
      return [
        { kind: 'create', path: 'a.md', blobSha: 'x', body: file('a.md') },
        { kind: 'create', path: 'b.md', blobSha: 'y', body: file('b.md') },
        { kind: 'create', path: 'c.md', blobSha: 'z', body: file('c.md') },
        { kind: 'delete', path: 'old.md', resourceId: old, reason: 'file removed' },
        {
          kind: 'update',
          path: 'edited.md',
          blobSha: 'w',
          resourceId: edited,
          reason: 'file changed',
          body: file('edited.md')
        }
      ]
    }

    it('a 403 naming the permission stops the writes left: one request, the rest not sent', async () => {
      const outcomes = await applyPlan(fiveWrites(), options(false, READ_ONLY))
      expect(writesOf(emu).map(r => r.method)).toEqual(['PUT'])
      expect(outcomes.map(o => [o.path, o.action])).toEqual([
        ['a.md', 'not-sent'],
        ['b.md', 'not-sent'],
        ['c.md', 'not-sent'],
        ['old.md', 'not-sent'],
        ['edited.md', 'failed']
      ])
      const cause = outcomes[4]!.cause!
      expect(cause).toMatch(/^PUT answered 403: Resource not accessible by integration\. /)
      expect(outcomes[4]!.reason).toMatch(
        /^PUT \/orgs\/octo-org\/copilot-spaces\/\d+\/resources\/\d+ answered 403/
      )
      for (const o of outcomes.slice(0, 4)) {
        expect(o.cause).toBe(cause)
        expect(o.reason).toBe(`not sent: GitHub refused the token on an earlier write. ${cause}`)
      }
      // Said once.
      expect(lines.filter(l => l.includes('not sent'))).toEqual([
        'GitHub refused the token (403, on edited.md): the 4 write(s) left were not sent, as each would be refused the same way.'
      ])
      expect(emu.resources('org', ORG, space.number)).toHaveLength(2)
      expectConforming(emu)
    })

    it('a 401 in the middle (a token revoked during the run) stops the writes after it', async () => {
      const actions = fiveWrites()
      // From the second create on, the token is refused; nothing is sent after the first refusal.
      emu.injectFault({
        method: 'POST',
        nth: 2,
        status: 401,
        body: { message: 'Bad credentials' }
      })
      const outcomes = await applyPlan(actions, options())
      expect(writesOf(emu).map(r => r.method)).toEqual(['PUT', 'POST', 'POST'])
      expect(outcomes.map(o => [o.path, o.action])).toEqual([
        ['a.md', 'created'],
        ['b.md', 'failed'],
        ['c.md', 'not-sent'],
        ['old.md', 'not-sent'],
        ['edited.md', 'updated']
      ])
      expect(outcomes[1]!.cause).toBe(
        "POST answered 401: Bad credentials. The token is invalid or expired: pass a current token in the 'token' input."
      )
      expect(outcomes[2]!.cause).toBe(outcomes[1]!.cause)
    })

    it('a 403 that names no permission fails its path alone', async () => {
      const actions = fiveWrites()
      emu.injectFault({ method: 'POST', status: 403, body: { message: 'Forbidden' } })
      const outcomes = await applyPlan(actions, options())
      expect(outcomes.map(o => o.action)).toEqual([
        'failed',
        'created',
        'created',
        'deleted',
        'updated'
      ])
      expect(writesOf(emu)).toHaveLength(5)
    })

    it('a refused batch stops the batches after it', async () => {
      const actions = fiveWrites()
      const listing = listingOf(
        emu.resources('org', ORG, space.number) as unknown as SpaceResource[]
      )
      emu.injectFault({
        method: 'PUT',
        path: `/orgs/${ORG}/copilot-spaces/${space.number}`,
        nth: 2,
        status: 403,
        body: { message: 'Must have write access to this Copilot Space' }
      })
      const outcomes = await applyPlan(actions, { ...options(), batchSize: 2, listing })
      // The first batch (the update and a create) went through; the second was refused whole.
      expect(writesOf(emu).map(r => r.method)).toEqual(['PUT', 'PUT'])
      expect(outcomes.map(o => [o.path, o.action])).toEqual([
        ['a.md', 'created'],
        ['b.md', 'failed'],
        ['c.md', 'failed'],
        ['old.md', 'not-sent'],
        ['edited.md', 'updated']
      ])
      expect(new Set(outcomes.slice(1, 4).map(o => o.cause)).size).toBe(1)
    })
  })
})
