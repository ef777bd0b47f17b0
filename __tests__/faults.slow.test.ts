/**
 * The request policy inside whole sync runs: sync() in-process against the emulator, on a fake
 * clock the emulator shares. Each test checks the Space's final state, the requests sent (counted
 * by method and route, and that none touched a resource not ours), the waits taken and the
 * message a person sees.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Exchange } from '../emulator/exchange.js'
import type { Fault } from '../emulator/index.js'
import { createClient } from '../src/github/client.js'
import { withMarker } from '../src/space/marker.js'
import { createOrigin, removeRepos, type TestRepo } from './helpers/git-repo.js'
import {
  createFakeClock,
  isWrite,
  noCheckout,
  ORG,
  REPO_ID,
  routeCounts,
  runSync,
  START,
  harnessPerTest,
  TOKEN,
  writtenIds,
  type FakeClock,
  type Harness,
  type SyncRun
} from './helpers/sync-harness.js'
import { pushPayload } from './helpers/payloads.js'

let origin: TestRepo
let work: TestRepo
/** a.md, b.md and gone.md. */
let old: string
/** a.md edited, b.md as before, c.md added, gone.md removed, notes.txt (out of scope). */
let head: string

beforeAll(() => {
  const repos = createOrigin()
  origin = repos.origin
  work = repos.work
  old = work.commit('old', { 'a.md': 'A, first\n', 'b.md': 'B\n', 'gone.md': 'soon gone\n' })
  head = work.commit('head', {
    'a.md': 'A, second\n',
    'c.md': 'C\n',
    'gone.md': null,
    'notes.txt': 'not markdown\n'
  })
  work.push()
})
afterAll(removeRepos)

const start = harnessPerTest(() => ({ origin: origin.dir, workspace: work.dir, sha: head }))

const SECONDARY = {
  message:
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  documentation_url:
    'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
}
const PRIMARY = {
  message: 'API rate limit exceeded for user ID 1.',
  documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting'
}
const iso = (ms: number) => new Date(ms).toISOString()

interface Seeded {
  /** Ours: a.md synced at `old` (needs an update), b.md at `old` (unchanged), gone.md (to delete). */
  a: number
  b: number
  gone: number
  /** Attached by hand: a note named like a file, another repository's file, our file out of scope. */
  handMade: number[]
}

function seed(harness: Harness): Seeded {
  const add = (resource_type: string, metadata: Record<string, unknown>) =>
    harness.emu.addResource('org', ORG, harness.space, { resource_type, metadata }).id
  const file = (path: string) =>
    add('github_file', { repository_id: REPO_ID, file_path: path, sha: old })
  const a = file('a.md')
  const b = file('b.md')
  const gone = file('gone.md')
  const handMade = [
    add('free_text', { name: 'a.md', text: 'A hand-written note that shares a file name' }),
    add('github_file', { repository_id: 999, file_path: 'c.md', sha: 'f'.repeat(40) }),
    add('github_file', { repository_id: REPO_ID, file_path: 'notes.txt', sha: old })
  ]
  return { a, b, gone, handMade }
}

/** Our github_file resources, by path. */
function ourFiles(harness: Harness) {
  return harness.emu
    .resources('org', ORG, harness.space)
    .filter(r => r.resource_type === 'github_file' && r.metadata.repository_id === REPO_ID)
    .filter(r => String(r.metadata.file_path).endsWith('.md'))
    .map(r => ({ id: r.id, path: r.metadata.file_path as string, sha: r.metadata.sha as string }))
    .sort((x, y) => (x.path < y.path ? -1 : 1))
}

/** The state a full sync at `head` leaves from `seed`: a.md updated in place, c.md new, gone.md gone. */
function expectSynced(harness: Harness, s: Seeded): void {
  expect(ourFiles(harness)).toEqual([
    { id: s.a, path: 'a.md', sha: head },
    { id: s.b, path: 'b.md', sha: old },
    { id: expect.any(Number), path: 'c.md', sha: head }
  ])
  expectHandMadeIntact(harness, s.handMade)
}

function expectHandMadeIntact(harness: Harness, handMade: number[]): void {
  const now = harness.emu.resources('org', ORG, harness.space).map(r => r.id)
  expect(now).toEqual(expect.arrayContaining(handMade))
}

/** No request, faulted or not, wrote to a resource that is not ours. */
function expectOnlyOurs(run: SyncRun | Exchange[], handMade: number[]): void {
  const requests = Array.isArray(run) ? run : run.requests
  expect(writtenIds(requests).filter(id => handMade.includes(id))).toEqual([])
}

function expectWaitsIn(run: SyncRun, ranges: [number, number][]): void {
  expect(run.waits.map(w => w.ms)).toHaveLength(ranges.length)
  run.waits.forEach((w, i) => {
    const [min, max] = ranges[i]!
    expect(w.ms).toBeGreaterThanOrEqual(min)
    expect(w.ms).toBeLessThan(max)
  })
}

function fault(harness: Harness, f: Fault): void {
  harness.emu.injectFault(f)
}

const logged = (run: SyncRun, pattern: RegExp) => run.log.filter(l => pattern.test(l))

function expectClean(run: SyncRun): void {
  if (run.error) throw run.error
  expect(run.failed).toEqual([])
}

describe('server faults are retried with backoff', () => {
  it('502, 503, 504 and then success: one resource, four attempts, three growing waits', async () => {
    const harness = await start()
    const s = seed(harness)
    for (const [nth, status] of [
      [1, 502],
      [2, 503],
      [3, 504]
    ] as const) {
      fault(harness, { method: 'POST', path: harness.resourcesPath, nth, status })
    }
    const run = await runSync(harness)
    expectClean(run)
    expectSynced(harness, s)
    expect(routeCounts(run.requests)).toEqual({
      // The listing, then one read-back before each repeat of the create.
      'GET /resources': 4,
      'PUT /resources/{id}': 1,
      'POST /resources': 4,
      'DELETE /resources/{id}': 1
    })
    expect(run.requests.filter(r => r.fault).map(r => r.status)).toEqual([502, 503, 504])
    // faultBaseMs · 2^(n-1) · (0.5 + jitter)
    expectWaitsIn(run, [
      [500, 1500],
      [1000, 3000],
      [2000, 6000]
    ])
    expect(logged(run, /resources: 50\d; retrying in/)).toEqual([
      expect.stringMatching(/: 502; retrying in [\d.]+ s \(retry 1 of 4\)\.$/),
      expect.stringMatching(/: 503; retrying in [\d.]+ s \(retry 2 of 4\)\.$/),
      expect.stringMatching(/: 504; retrying in [\d.]+ s \(retry 3 of 4\)\.$/)
    ])
    expectOnlyOurs(run, s.handMade)
  })

  it('a 500 on the listing is retried like a write', async () => {
    const harness = await start()
    const s = seed(harness)
    fault(harness, { method: 'GET', path: harness.resourcesPath, status: 500 })
    const run = await runSync(harness)
    expectClean(run)
    expectSynced(harness, s)
    expect(routeCounts(run.requests)['GET /resources']).toBe(2)
    expectWaitsIn(run, [[500, 1500]])
  })

  it('a fifth 502 in a row fails that path only, after four retries, naming the status', async () => {
    const harness = await start()
    const s = seed(harness)
    fault(harness, { method: 'POST', path: harness.resourcesPath, times: 5, status: 502 })
    const run = await runSync(harness)
    expect(run.error).toBeUndefined()
    expect(run.failed).toEqual([
      {
        path: 'c.md',
        action: 'failed',
        reason: `POST ${harness.resourcesPath} answered 502: Bad Gateway`,
        cause: 'POST answered 502: Bad Gateway'
      }
    ])
    expect(routeCounts(run.requests)['POST /resources']).toBe(5)
    expect(run.waits).toHaveLength(4)
    // Everything else was synced; c.md was never created.
    expect(ourFiles(harness).map(r => r.path)).toEqual(['a.md', 'b.md'])
    expectOnlyOurs(run, s.handMade)
  })
})

describe('a write whose answer was lost is not repeated blindly', () => {
  it.each(['github_file', 'free_text'] as const)(
    'a 502 on a create GitHub did apply leaves exactly one %s resource, sent once',
    async resourceType => {
      const harness = await start()
      fault(harness, {
        method: 'POST',
        path: harness.resourcesPath,
        nth: 2,
        status: 502,
        apply: true
      })
      const run = await runSync(harness, { settings: { resourceType } })
      expectClean(run)
      const resources = harness.emu.resources('org', ORG, harness.space)
      const paths = resources.map(r =>
        resourceType === 'github_file' ? r.metadata.file_path : r.metadata.name
      )
      expect(paths.sort()).toEqual(['a.md', 'b.md', 'c.md'])
      // The read-back found the created resource: the create was not sent again.
      expect(routeCounts(run.requests)).toEqual({ 'GET /resources': 2, 'POST /resources': 3 })
      expect(run.requests.find(r => r.fault)).toMatchObject({ status: 502, applied: true })
      expect(run.outcomes.map(o => o.action)).toEqual(['created', 'created', 'created'])
      const b = resources.find(r => (r.metadata.file_path ?? r.metadata.name) === 'b.md')!
      expect(run.outcomes[1]).toMatchObject({ path: 'b.md', resourceId: b.id })
      expect(
        logged(run, /had applied/).map(l => l.replace(harness.resourcesPath, '<resources>'))
      ).toEqual(['POST <resources>: GitHub had applied the earlier attempt; not sending it again.'])
      expectWaitsIn(run, [[500, 1500]])
    }
  )

  const cases: [string, 'POST' | 'PUT' | 'DELETE', boolean][] = [
    ['create', 'POST', false],
    ['create', 'POST', true],
    ['update', 'PUT', false],
    ['update', 'PUT', true],
    ['delete', 'DELETE', false],
    ['delete', 'DELETE', true]
  ]
  it.each(cases)(
    'a connection reset on a %s (%s, applied: %s) ends in the synced state',
    async (_kind, method, apply) => {
      const harness = await start()
      const s = seed(harness)
      fault(harness, {
        method,
        path: method === 'POST' ? harness.resourcesPath : /\/resources\/\d+$/,
        reset: true,
        apply
      })
      const run = await runSync(harness)
      expectClean(run)
      expectSynced(harness, s)
      const sent = run.requests.filter(r => r.method === method)
      const reset = sent.find(r => r.fault === 'reset')!
      expect(reset).toMatchObject({ status: 0, applied: apply })
      const counts = routeCounts(run.requests)
      if (method === 'POST') {
        // Read back first; only a create GitHub never saw is sent again.
        expect(counts['GET /resources']).toBe(2)
        expect(counts['POST /resources']).toBe(apply ? 1 : 2)
        expect(logged(run, /had applied the earlier attempt/)).toHaveLength(apply ? 1 : 0)
      } else {
        // An update or a delete is safe to repeat: same request, same target.
        expect(sent).toHaveLength(2)
        expect(sent[1]!.path).toBe(sent[0]!.path)
        expect(counts['GET /resources']).toBe(1)
      }
      if (method === 'DELETE') {
        expect(sent[1]!.status).toBe(apply ? 404 : 204)
        expect(logged(run, /already deleted by the earlier attempt/)).toHaveLength(apply ? 1 : 0)
        expect(run.outcomes.find(o => o.path === 'gone.md')).toMatchObject({
          action: 'deleted',
          resourceId: s.gone
        })
      }
      expect(logged(run, /: no response \(.+\); retrying in [\d.]+ s \(retry 1 of 4\)\.$/)).toEqual(
        [expect.stringContaining(`${method} ${reset.path}`)]
      )
      expectWaitsIn(run, [[500, 1500]])
      expect(run.requests.filter(isWrite)).toHaveLength(apply && method === 'POST' ? 3 : 4)
      expectOnlyOurs(run, s.handMade)
    }
  )
})

describe('secondary rate limits pause every request', () => {
  // The jitter is injected: the logged wait is rounded to a tenth of a second, so a random
  // jitter of 0.95 s or more would log "31 s" for a 30 s retry-after, about one run in ten.
  async function limitedOnce(
    headers: Record<string, string>,
    status = 403,
    random: () => number = () => 0.5
  ) {
    const harness = await start()
    const s = seed(harness)
    fault(harness, {
      method: 'POST',
      path: harness.resourcesPath,
      status,
      headers,
      body: SECONDARY
    })
    const run = await runSync(harness, { random })
    expectClean(run)
    expectSynced(harness, s)
    // The listing only: a write refused by a rate limit was not applied, so nothing is read back.
    expect(routeCounts(run.requests)).toEqual({
      'GET /resources': 1,
      'PUT /resources/{id}': 1,
      'POST /resources': 2,
      'DELETE /resources/{id}': 1
    })
    expectOnlyOurs(run, s.handMade)
    return run
  }

  it('retry-after: 30 pauses 30 s (plus under a second of jitter), then the write goes through', async () => {
    const run = await limitedOnce({ 'retry-after': '30' })
    expectWaitsIn(run, [[30_000, 31_000]])
    expect(logged(run, /secondary rate limit/)).toEqual([
      expect.stringMatching(
        /^POST \/orgs\/octo-org\/copilot-spaces\/\d+\/resources: secondary rate limit \(403\); pausing all requests for 30(\.\d)? s \(wait 1 of 5\)\.$/
      )
    ])
    const posts = run.requests.filter(r => r.method === 'POST')
    expect(posts[1]!.startedAt - posts[0]!.startedAt).toBeGreaterThanOrEqual(30_000)
  })

  it('no retry-after, but x-ratelimit-remaining: 0: pauses until x-ratelimit-reset', async () => {
    const reset = START / 1000 + 90
    const run = await limitedOnce({
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(reset)
    })
    expectWaitsIn(run, [[90_000, 91_000]])
    expect(
      logged(run, /secondary rate limit \(403\); pausing all requests for 9\d(\.\d)? s/)
    ).toHaveLength(1)
    const retried = run.requests.filter(r => r.method === 'POST')[1]!
    expect(retried.startedAt).toBeGreaterThanOrEqual(reset * 1000)
  })

  it('neither header: pauses 60 s', async () => {
    const run = await limitedOnce({})
    expectWaitsIn(run, [[60_000, 61_000]])
    expect(logged(run, /pausing all requests for 6\d(\.\d)? s \(wait 1 of 5\)/)).toHaveLength(1)
  })

  it('a 429 secondary limit is handled like a 403 one', async () => {
    const run = await limitedOnce({ 'retry-after': '5' }, 429)
    expectWaitsIn(run, [[5_000, 6_000]])
    expect(
      logged(run, /secondary rate limit \(429\); pausing all requests for 5(\.\d)? s/)
    ).toHaveLength(1)
  })

  it('gives up on a write after five waits, each twice the last, with a message naming write-interval', async () => {
    const harness = await start()
    const s = seed(harness)
    fault(harness, {
      method: 'POST',
      path: harness.resourcesPath,
      times: 6,
      status: 403,
      headers: { 'retry-after': '10' },
      body: SECONDARY
    })
    const run = await runSync(harness)
    expect(run.error).toBeUndefined()
    // Exactly six attempts: the first and one after each of the five waits.
    expect(routeCounts(run.requests)['POST /resources']).toBe(6)
    expectWaitsIn(run, [
      [10_000, 11_000],
      [20_000, 21_000],
      [40_000, 41_000],
      [80_000, 81_000],
      [160_000, 161_000]
    ])
    const limited =
      `answered 403: ${SECONDARY.message} (still limited after 5 waits; ` +
      "GitHub asks integrations to slow down: try again later, or raise 'write-interval'). " +
      'GitHub is rate-limiting this token; try again later.'
    expect(run.failed).toEqual([
      {
        path: 'c.md',
        action: 'failed',
        reason: `POST ${harness.resourcesPath} ${limited}`,
        cause: `POST ${limited}`
      }
    ])
    // The delete after it was held back: not sent, for the cause every held-back write shares.
    expect(run.outcomes.filter(o => o.action === 'not-sent')).toEqual([
      {
        path: 'gone.md',
        action: 'not-sent',
        resourceId: 3,
        reason:
          `DELETE ${harness.resourcesPath}/3 was not sent: GitHub's secondary rate limit stopped this run ` +
          `at POST ${harness.resourcesPath}`,
        cause: `GitHub's secondary rate limit stopped this run at POST ${harness.resourcesPath}`
      }
    ])
    expect(logged(run, /^✗ c\.md: .*raise 'write-interval'/)).toHaveLength(1)
    // The update before it went through; after giving up, no further write is sent into the limit.
    expect(ourFiles(harness).map(r => [r.path, r.sha])).toEqual([
      ['a.md', head],
      ['b.md', old],
      ['gone.md', old]
    ])
    expectOnlyOurs(run, s.handMade)
  })

  it('a secondary limit that outlasts every wait stops the run instead of starting the cycle again for each remaining write', async () => {
    const harness = await start()
    seed(harness)
    // GitHub keeps refusing writes: the action should not go on sending them.
    fault(harness, { method: 'PUT', times: 1000, status: 403, body: SECONDARY })
    fault(harness, { method: 'POST', times: 1000, status: 403, body: SECONDARY })
    fault(harness, { method: 'DELETE', times: 1000, status: 403, body: SECONDARY })
    const run = await runSync(harness)
    // a.md's update: six attempts over ~31 minutes; then c.md and gone.md are not sent.
    expect(run.requests.filter(isWrite)).toHaveLength(6)
    expect(run.failed.map(o => o.path)).toEqual(['a.md'])
    expect(run.outcomes.filter(o => o.action === 'not-sent').map(o => o.path)).toEqual([
      'c.md',
      'gone.md'
    ])
  })

  it('the pause also holds back reads that start during it', async () => {
    const clock: FakeClock = createFakeClock()
    const harness = await start({ clock })
    const log: string[] = []
    const client = createClient({
      baseUrl: harness.emu.url,
      token: TOKEN,
      policy: { writeIntervalMs: 0, clock, log: l => log.push(l), random: () => 0.5 }
    })
    fault(harness, {
      method: 'POST',
      path: harness.resourcesPath,
      status: 403,
      headers: { 'retry-after': '30' },
      body: SECONDARY
    })
    let read: Promise<unknown> | undefined
    let gate: Promise<void> | undefined
    let sentDuringPause: Exchange[] | undefined
    clock.onSleep = async wait => {
      if (gate) return gate
      if (read || wait.ms < 30_000) return
      // The write sleeps out its pause here; meanwhile a read starts, and every other sleeper waits too.
      let open = () => {}
      gate = new Promise(resolve => (open = resolve))
      read = client.listResources(harness.ref)
      await new Promise(resolve => setTimeout(resolve, 100))
      sentDuringPause = harness.emu.requests.filter(r => r.method === 'GET')
      open()
      gate = undefined
    }
    const { resource } = await client.createResource(harness.ref, {
      resource_type: 'free_text',
      metadata: { name: 'n', text: 't' }
    })
    await read
    expect(sentDuringPause).toEqual([])
    const pauseEnd = START + 30_500
    expect(clock.waits).toEqual([
      { at: START, ms: 30_500 },
      { at: START, ms: 30_500 }
    ])
    const gets = harness.emu.requests.filter(r => r.method === 'GET')
    // The read that started during the pause; a create refused by a rate limit needs no read-back.
    expect(gets).toHaveLength(1)
    for (const g of gets) expect(g.startedAt).toBeGreaterThanOrEqual(pauseEnd)
    expect(harness.emu.resources('org', ORG, harness.space).map(r => r.id)).toEqual([resource.id])
    expect(log).toEqual([
      `POST ${harness.resourcesPath}: secondary rate limit (403); pausing all requests for 30.5 s (wait 1 of 5).`
    ])
  })
})

describe('the primary rate limit', () => {
  it('resetting in 2 minutes: waits for the reset, then the write succeeds', async () => {
    const harness = await start()
    const s = seed(harness)
    const reset = START / 1000 + 120
    fault(harness, {
      method: 'POST',
      path: harness.resourcesPath,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: PRIMARY
    })
    const run = await runSync(harness)
    expectClean(run)
    expectSynced(harness, s)
    // Until the reset, plus a second.
    expect(run.waits).toEqual([{ at: START, ms: 121_000 }])
    expect(logged(run, /rate limit exhausted/)).toEqual([
      `POST ${harness.resourcesPath}: rate limit exhausted; waiting 121 s for the reset at ${iso(reset * 1000)}.`
    ])
    expect(routeCounts(run.requests)['POST /resources']).toBe(2)
    const posts = run.requests.filter(r => r.method === 'POST')
    expect(posts[1]!.startedAt).toBeGreaterThan(reset * 1000)
    expectOnlyOurs(run, s.handMade)
  })

  it('the emulator’s own budget runs out with the reset 2 minutes away: the next request waits for it', async () => {
    const resetAt = START / 1000 + 120
    // One request left: the listing uses it, and says so (x-ratelimit-remaining: 0).
    const harness = await start({ emulator: { rateLimit: { limit: 5000, remaining: 1, resetAt } } })
    const s = seed(harness)
    const run = await runSync(harness)
    expectClean(run)
    expectSynced(harness, s)
    expect(run.requests[0]!.responseHeaders['x-ratelimit-remaining']).toBe('0')
    expect(run.waits).toEqual([{ at: START, ms: 121_000 }])
    expect(logged(run, /No API requests left/)).toEqual([
      `No API requests left: waiting 121 s for the reset at ${iso(resetAt * 1000)}.`
    ])
    // Nothing was refused: the first write went after the reset, into a fresh budget.
    expect(run.requests.map(r => r.status)).toEqual([200, 200, 201, 204])
    expect(run.requests[1]!.startedAt).toBeGreaterThan(resetAt * 1000)
  })

  const hourFault = (harness: Harness): Fault => ({
    method: 'POST',
    path: harness.resourcesPath,
    times: 1000,
    status: 403,
    headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(START / 1000 + 3600) },
    body: PRIMARY
  })

  it('resetting in an hour: the write fails at once, naming the reset time', async () => {
    const harness = await start()
    const s = seed(harness)
    fault(harness, hourFault(harness))
    const run = await runSync(harness)
    expect(run.error).toBeUndefined()
    const c = run.outcomes.find(o => o.path === 'c.md')!
    expect(c).toMatchObject({ action: 'failed' })
    expect(c.reason).toBe(
      `POST ${harness.resourcesPath} answered 403: ${PRIMARY.message} (the rate limit resets at ${iso(START + 3_600_000)}, ` +
        'more than 600 s from now: not waiting; run again after the reset). GitHub is rate-limiting this token; try again later.'
    )
    // Refused once, not waited for, not repeated.
    expect(routeCounts(run.requests)['POST /resources']).toBe(1)
    expect(logged(run, /rate limit exhausted; waiting/)).toEqual([])
    expectOnlyOurs(run, s.handMade)
  })

  it('resetting in an hour: nothing is sent after the refusal, and no wait exceeds the 10-minute budget', async () => {
    const harness = await start()
    seed(harness)
    fault(harness, hourFault(harness))
    const run = await runSync(harness)
    const firstRefusal = run.requests.findIndex(r => r.fault)
    expect(run.requests.slice(firstRefusal + 1).filter(isWrite)).toEqual([])
    expect(run.waits.filter(w => w.ms > 600_000)).toEqual([])
    // The refused write fails; the one after it is held back, not sent.
    expect(run.failed.map(o => o.path)).toEqual(['c.md'])
    expect(run.outcomes.filter(o => o.action === 'not-sent').map(o => o.path)).toEqual(['gone.md'])
  })

  it('a response saying 0 requests remain for an hour does not make the next request sleep that hour', async () => {
    // One request left: the listing uses it; the writes would be refused until the reset.
    const harness = await start({
      emulator: { rateLimit: { limit: 5000, remaining: 1, resetAt: START / 1000 + 3600 } }
    })
    seed(harness)
    const run = await runSync(harness)
    expect(run.waits.filter(w => w.ms > 600_000)).toEqual([])
    expect(run.requests.filter(isWrite)).toEqual([])
  })

  it('a low remaining budget spreads requests over the time left until the reset', async () => {
    const resetAt = START / 1000 + 600
    const harness = await start({
      emulator: { rateLimit: { limit: 5000, remaining: 20, resetAt } }
    })
    const s = seed(harness)
    const run = await runSync(harness)
    expectClean(run)
    expectSynced(harness, s)
    // 19 left after the listing, 600 s to go: one request every 600/19 s.
    const spacing = logged(run, /^Only \d+ API requests left/)
    expect(spacing[0]).toBe(
      `Only 19 API requests left until ${iso(resetAt * 1000)}: spacing requests 31.6 s apart.`
    )
    for (const line of spacing) expect(line).toMatch(/: spacing requests 31\.6 s apart\.$/)
    expect(run.requests.map(r => r.status)).toEqual([200, 200, 201, 204])
    const starts = run.requests.map(r => r.startedAt)
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(31_578)
      expect(starts[i]! - starts[i - 1]!).toBeLessThan(31_600)
    }
    // The budget lasts: every request went before the reset, none was refused.
    expect(starts.at(-1)!).toBeLessThan(resetAt * 1000)
    expect(run.requests.at(-1)!.responseHeaders['x-ratelimit-remaining']).toBe('16')
  })
})

describe('answers that are never retried', () => {
  it('401: the run stops at the first request, naming the token', async () => {
    const harness = await start()
    const run = await runSync(harness, { settings: { token: 'ghp_expiredToken000' } })
    expect(run.error?.message).toBe(
      `GET ${harness.resourcesPath} answered 401: Bad credentials. The token is invalid or expired: pass a current token in the 'token' input.`
    )
    expect(run.requests).toHaveLength(1)
    expect(run.waits).toEqual([])
  })

  it('403 with x-accepted-github-permissions: the first write fails naming the permission, the others are not sent', async () => {
    const harness = await start()
    const s = seed(harness)
    harness.emu.addToken('github_pat_readOnly', {
      login: 'reader',
      kind: 'fine_grained',
      access: { [ORG]: 'read' }
    })
    const run = await runSync(harness, { settings: { token: 'github_pat_readOnly' } })
    expect(run.error).toBeUndefined()
    // Every write would be refused the same way: only the first is sent.
    expect(routeCounts(run.requests)).toEqual({
      'GET /resources': 1,
      'PUT /resources/{id}': 1
    })
    expect(run.requests.filter(isWrite).map(r => r.status)).toEqual([403])
    expect(run.requests[1]!.responseHeaders['x-accepted-github-permissions']).toBe(
      'organization_copilot_spaces=write'
    )
    expect(run.failed.map(o => o.path)).toEqual(['a.md'])
    const notSent = run.outcomes.filter(o => o.action === 'not-sent')
    expect(notSent.map(o => o.path)).toEqual(['c.md', 'gone.md'])
    for (const o of [...run.failed, ...notSent]) {
      expect(o.reason).toContain(
        'GitHub accepts the permission(s): organization_copilot_spaces=write.'
      )
      expect(o.reason).toContain('"Copilot Spaces" organization permission (write)')
    }
    expect(run.waits).toEqual([])
    expect(ourFiles(harness).map(r => [r.path, r.sha])).toEqual([
      ['a.md', old],
      ['b.md', old],
      ['gone.md', old]
    ])
    expectOnlyOurs(run, s.handMade)
  })

  it('404 on the Space: the run stops, naming the owner and number', async () => {
    const harness = await start()
    const run = await runSync(harness, { settings: { spaceNumber: 99 } })
    expect(run.error?.message).toMatch(
      /^GET \/orgs\/octo-org\/copilot-spaces\/99\/resources answered 404: Not Found\. organization 'octo-org' Space #99 was not found, or the token cannot see it \(GitHub answers 404 for both\)\./
    )
    expect(run.requests).toHaveLength(1)
    expect(run.waits).toEqual([])
  })

  it('422 on one file: that path fails with GitHub’s details, the others are synced', async () => {
    const harness = await start()
    const errors = [
      { resource: 'CopilotSpaceResource', field: 'metadata.file_path', code: 'invalid' }
    ]
    fault(harness, {
      method: 'POST',
      path: harness.resourcesPath,
      nth: 2,
      status: 422,
      body: {
        message: 'Validation Failed',
        errors,
        documentation_url: 'https://docs.github.com/rest'
      }
    })
    const run = await runSync(harness)
    expect(run.error).toBeUndefined()
    expect(run.outcomes.map(o => [o.path, o.action])).toEqual([
      ['a.md', 'created'],
      ['b.md', 'failed'],
      ['c.md', 'created']
    ])
    const reason = `POST ${harness.resourcesPath} answered 422: Validation Failed. GitHub rejected the request as invalid. Details: ${JSON.stringify(errors)}.`
    expect(run.failed).toEqual([
      {
        path: 'b.md',
        action: 'failed',
        reason,
        cause: reason.replace(`POST ${harness.resourcesPath}`, 'POST')
      }
    ])
    expect(logged(run, /^✗ /)).toEqual([`✗ b.md: ${reason}`])
    expect(routeCounts(run.requests)).toEqual({ 'GET /resources': 1, 'POST /resources': 3 })
    expect(ourFiles(harness).map(r => r.path)).toEqual(['a.md', 'c.md'])
    expect(run.waits).toEqual([])
  })

  it.each([400, 403, 404, 410, 422, 451])('%i on a create is sent exactly once', async status => {
    const harness = await start()
    fault(harness, { method: 'POST', path: harness.resourcesPath, status })
    const run = await runSync(harness)
    expect(run.error).toBeUndefined()
    expect(routeCounts(run.requests)).toEqual({ 'GET /resources': 1, 'POST /resources': 3 })
    expect(run.requests.filter(r => r.fault).map(r => r.status)).toEqual([status])
    expect(run.failed).toEqual([
      {
        path: 'a.md',
        action: 'failed',
        reason: expect.stringContaining(`POST ${harness.resourcesPath} answered ${status}: `),
        cause: expect.stringContaining(`POST answered ${status}: `)
      }
    ])
    expect(run.waits).toEqual([])
    expect(logged(run, /retrying|pausing|waiting/)).toEqual([])
    expect(ourFiles(harness).map(r => r.path)).toEqual(['b.md', 'c.md'])
  })

  it('401 on a create is sent exactly once, and the writes after it are not sent', async () => {
    const harness = await start()
    fault(harness, { method: 'POST', path: harness.resourcesPath, status: 401 })
    const run = await runSync(harness)
    expect(run.error).toBeUndefined()
    expect(routeCounts(run.requests)).toEqual({ 'GET /resources': 1, 'POST /resources': 1 })
    expect(run.outcomes.map(o => [o.path, o.action])).toEqual([
      ['a.md', 'failed'],
      ['b.md', 'not-sent'],
      ['c.md', 'not-sent']
    ])
    expect(run.outcomes[0]!.reason).toContain(`POST ${harness.resourcesPath} answered 401: `)
    expect(run.waits).toEqual([])
    expect(logged(run, /retrying|pausing|waiting/)).toEqual([])
    expect(ourFiles(harness)).toEqual([])
  })
})

describe('pacing', () => {
  it('writes are serial, write-interval apart on the clock', async () => {
    const harness = await start({ emulator: { latencyMs: 5 } })
    const s = seed(harness)
    // Three more files to write: 6 writes in all.
    harness.emu.addResource('org', ORG, harness.space, {
      resource_type: 'free_text',
      metadata: {
        name: 'b.md',
        text: withMarker('B\n', {
          repositoryId: REPO_ID,
          path: 'b.md',
          blobSha: work.blobSha(old, 'b.md')
        })
      }
    })
    for (const path of ['x.md', 'y.md']) {
      harness.emu.addResource('org', ORG, harness.space, {
        resource_type: 'github_file',
        metadata: { repository_id: REPO_ID, file_path: path, sha: old }
      })
    }
    const run = await runSync(harness, { settings: { writeIntervalMs: 1000 } })
    expectClean(run)
    expectSynced(harness, s)
    const writes = run.requests.filter(isWrite)
    expect(writes.map(w => w.method)).toEqual([
      'PUT',
      'POST',
      'DELETE',
      'DELETE',
      'DELETE',
      'DELETE'
    ])
    for (let i = 1; i < writes.length; i++) {
      expect(writes[i]!.startedAt - writes[i - 1]!.endedAt).toBeGreaterThanOrEqual(1000)
    }
    // The first write goes at once; each later one waits exactly the interval (no time passes in a request).
    expect(run.waits.map(w => w.ms)).toEqual([1000, 1000, 1000, 1000, 1000])
    expectOnlyOurs(run, s.handMade)
  })
})

describe('guards', () => {
  function seedRemoved(harness: Harness, paths: string[]): number[] {
    return paths.map(
      path =>
        harness.emu.addResource('org', ORG, harness.space, {
          resource_type: 'github_file',
          metadata: { repository_id: REPO_ID, file_path: path, sha: old }
        }).id
    )
  }

  it('max-deletions refuses a run that would delete more, before any write', async () => {
    const harness = await start()
    const s = seed(harness)
    seedRemoved(harness, ['old/one.md', 'old/two.md'])
    const before = harness.emu.resources('org', ORG, harness.space)
    const run = await runSync(harness, { settings: { maxDeletions: 2 } })
    expect(run.error?.name).toBe('RefusedError')
    expect(run.error?.message).toBe(
      "Refusing to delete 3 resources, more than max-deletions (2); nothing was written. Planned deletions: gone.md (file removed), old/one.md (file removed), old/two.md (file removed). If this is intended, raise the 'max-deletions' input for one run."
    )
    expect(run.requests.filter(isWrite)).toEqual([])
    expect(harness.emu.resources('org', ORG, harness.space)).toEqual(before)
    expect(s.handMade).toHaveLength(3)
  })

  it('max-deletions allows exactly that many', async () => {
    const harness = await start()
    const s = seed(harness)
    const removed = seedRemoved(harness, ['old/one.md', 'old/two.md'])
    const run = await runSync(harness, { settings: { maxDeletions: 3 } })
    expectClean(run)
    expectSynced(harness, s)
    expect(routeCounts(run.requests)['DELETE /resources/{id}']).toBe(3)
    expect(writtenIds(run.requests.filter(r => r.method === 'DELETE')).sort()).toEqual(
      [s.gone, ...removed].sort()
    )
  })

  it('never prunes when the tree listing was truncated (no checkout)', async () => {
    // Flat tree a.md, b.md, c.md, notes.txt: GitHub lists two entries and says it cut the rest.
    const harness = await start({ workspace: noCheckout(), emulator: { treeLimit: 2 } })
    const s = seed(harness)
    harness.emu.addResource('org', ORG, harness.space, {
      resource_type: 'github_file',
      metadata: { repository_id: REPO_ID, file_path: 'c.md', sha: head }
    })
    const run = await runSync(harness)
    expectClean(run)
    // The recursive tree, then the root walked on its own (cut short too), the listing, a.md's
    // blob and whether a.md changed since `old`; no DELETE.
    expect(routeCounts(run.requests)).toEqual({
      'GET /repos/{owner}/{repo}/git/trees/{tree_sha}': 2,
      'GET /repos/{owner}/{repo}/compare/{basehead}': 1,
      'GET /repos/{owner}/{repo}/git/blobs/{file_sha}': 1,
      'GET /resources': 1,
      'PUT /resources/{id}': 1
    })
    expect(run.requests.find(r => r.route?.endsWith('{tree_sha}'))?.responseBody).toMatchObject({
      truncated: true
    })
    expect(run.outcomes.map(o => [o.path, o.action, o.reason])).toEqual([
      ['a.md', 'updated', 'file changed'],
      ['b.md', 'unchanged', undefined],
      ['c.md', 'skipped', 'not in the file listing, which was cut short; not pruned'],
      ['gone.md', 'skipped', 'not in the file listing, which was cut short; not pruned']
    ])
    expect(run.log).toContain(
      '::warning::The repository file listing was cut short (truncated tree): resources of files not listed are not pruned.'
    )
    expect(ourFiles(harness).map(r => r.path)).toEqual(['a.md', 'b.md', 'c.md', 'gone.md'])
    expectOnlyOurs(run, s.handMade)
  })
})

describe('resources that vanish or stop being syncable', () => {
  it('a DELETE answered 404 because the resource is already gone is not blamed on the Space or the token', async () => {
    // Someone (another run, a person) deleted gone.md's resource between our listing and our delete.
    const harness = await start()
    const s = seed(harness)
    fault(harness, {
      method: 'DELETE',
      path: harness.resourcePath(s.gone),
      status: 404,
      apply: true,
      body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }
    })
    const run = await runSync(harness)
    expectSynced(harness, s)
    expect(routeCounts(run.requests)['DELETE /resources/{id}']).toBe(1)
    // The run has just listed this Space with this token: the Space exists and the token sees it.
    const gone = run.outcomes.find(o => o.path === 'gone.md')!
    expect(gone.reason ?? '').not.toMatch(/Space #\d+ was not found|token cannot see it/)
    // What the run wanted is what the Space holds: no resource for gone.md.
    expect(gone.action).toBe('deleted')
  })

  it('a synced file that turns binary does not keep its outdated resource in the Space', async () => {
    const repos = createOrigin()
    const one = repos.work.commit('one', { 'a.md': 'A\n', 'b.md': 'B\n' })
    const two = repos.work.commit('two', { 'a.md': Buffer.from([0x41, 0x00, 0x01]) })
    repos.work.push()
    const harness = await start({ origin: repos.origin.dir, workspace: repos.work.dir, sha: one })
    expectClean(await runSync(harness))
    const run = await runSync(harness, { ctx: { sha: two } })
    expectClean(run)
    // a.md's resource still shows the text of commit `one`, which the repository no longer has;
    // every later run plans an update and skips it again. With prune on, it should go.
    expect(ourFiles(harness).map(r => r.path)).toEqual(['b.md'])
  })
})

describe('two runs at once', () => {
  it('two syncs of the same push end with at most duplicates, which the next full run removes', async () => {
    const harness = await start({ emulator: { latencyMs: 2 } })
    const blob = (rev: string, path: string) => work.blobSha(rev, path)
    const note = (path: string, rev: string) =>
      harness.emu.addResource('org', ORG, harness.space, {
        resource_type: 'free_text',
        metadata: {
          name: path,
          text: withMarker(work.git('show', `${rev}:${path}`) + '\n', {
            repositoryId: REPO_ID,
            path,
            blobSha: blob(rev, path)
          })
        }
      }).id
    const a = note('a.md', old)
    note('b.md', old)
    note('gone.md', old)
    const handMade = [
      harness.emu.addResource('org', ORG, harness.space, {
        resource_type: 'free_text',
        metadata: { name: 'c.md', text: 'by hand' }
      }).id
    ]
    const push = { eventName: 'push', payload: pushPayload(old, head) }
    const input = { settings: { resourceType: 'free_text' as const }, ctx: push }
    const [one, two] = await Promise.all([runSync(harness, input), runSync(harness, input)])
    expect(one.error).toBeUndefined()
    expect(two.error).toBeUndefined()
    const ours = () =>
      harness.emu
        .resources('org', ORG, harness.space)
        .filter(r => !handMade.includes(r.id))
        .map(r => ({ id: r.id, name: r.metadata.name as string, text: r.metadata.text as string }))
    const count = (name: string) => ours().filter(r => r.name === name).length
    expect(count('a.md')).toBe(1)
    expect(count('b.md')).toBe(1)
    expect(count('c.md')).toBeGreaterThanOrEqual(1)
    expect(count('c.md')).toBeLessThanOrEqual(2)
    expect(count('gone.md')).toBe(0)
    // A path's second delete finds nothing: whichever run came second may report it.
    for (const f of [...one.failed, ...two.failed]) {
      expect(f).toMatchObject({ path: 'gone.md', reason: expect.stringContaining('answered 404') })
    }
    expectOnlyOurs(harness.emu.requests, handMade)

    const full = await runSync(harness, { settings: { resourceType: 'free_text', sync: 'full' } })
    expectClean(full)
    const expected = (path: string) =>
      withMarker(work.git('show', `${head}:${path}`) + '\n', {
        repositoryId: REPO_ID,
        path,
        blobSha: blob(head, path)
      })
    expect(ours().sort((x, y) => (x.name < y.name ? -1 : 1))).toEqual([
      { id: a, name: 'a.md', text: expected('a.md') },
      { id: expect.any(Number), name: 'b.md', text: expected('b.md') },
      { id: expect.any(Number), name: 'c.md', text: expected('c.md') }
    ])
    expectOnlyOurs(harness.emu.requests, handMade)
    expectHandMadeIntact(harness, handMade)
  })
})
