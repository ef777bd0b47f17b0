/**
 * How the client's request path treats what is not an answer from GitHub: a request the HTTP
 * library refuses to build (never retried), a server that never answers (bounded time per
 * request), and writes redirected elsewhere (not followed across origins). Real HTTP on
 * loopback: the emulator, plus plain servers that never answer or record what reaches them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createClient } from '../src/github/client.js'
import { createOrigin, removeRepos } from './helpers/git-repo.js'
import { failure } from './helpers/github.js'
import {
  createFakeClock,
  ORG,
  REPO_ID,
  runSync,
  harnessPerTest,
  TOKEN,
  type Harness
} from './helpers/sync-harness.js'

let originDir: string
let workDir: string
let head: string

beforeAll(() => {
  const repos = createOrigin()
  originDir = repos.origin.dir
  workDir = repos.work.dir
  head = repos.work.commit('head', { 'a.md': 'A\n' })
  repos.work.push()
})
afterAll(removeRepos)

const servers: Server[] = []
const start = harnessPerTest(() => ({ origin: originDir, workspace: workDir, sha: head }))

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise(resolve => s.close(resolve))
  }
})

/** A loopback server; `answer` may leave a request unanswered. */
async function listen(
  answer: (req: IncomingMessage, res: import('node:http').ServerResponse) => void
): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    answer(req, res)
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}

/** A resource of ours for a file that is not in the repository: a full sync deletes it. */
function seedGone(harness: Harness): number {
  return harness.emu.addResource('org', ORG, harness.space, {
    resource_type: 'github_file',
    metadata: { repository_id: REPO_ID, file_path: 'gone.md', sha: head }
  }).id
}

const idsNow = (harness: Harness) => harness.emu.resources('org', ORG, harness.space).map(r => r.id)

describe('a request the HTTP library refuses to build', () => {
  const TOKEN_WITH_BREAK = 'ghp_firstHalf0123\nsecondHalf4567'
  const PIECES = ['ghp_firstHalf0123', 'secondHalf4567', TOKEN_WITH_BREAK]

  it('fails at once, naming the endpoint, without a retry and without any piece of the token', async () => {
    const harness = await start()
    const clock = createFakeClock()
    const log: string[] = []
    const client = createClient({
      baseUrl: harness.emu.url,
      token: TOKEN_WITH_BREAK,
      policy: { writeIntervalMs: 0, clock, log: l => log.push(l), random: () => 0.5 }
    })
    const error = await failure(client.getSpace(harness.ref))
    expect(error.final).toBe(true)
    expect(error.status).toBeUndefined()
    expect(error.message).toBe(
      `GET /orgs/${ORG}/copilot-spaces/${harness.space} was not sent: the HTTP library refused to build the request ` +
        '(InvalidArgumentError: invalid authorization header); it was not retried. ' +
        'A header value with a line break or another control character (in the token, for one) is a common cause.'
    )
    for (const piece of PIECES) expect(error.message).not.toContain(piece)
    // Nothing reached the server, nothing was retried, nothing was waited for.
    expect(harness.emu.requests).toEqual([])
    expect(clock.waits).toEqual([])
    expect(log).toEqual([])
  })

  it('ends a whole sync at its first request, not after four retries as a lost connection', async () => {
    const harness = await start()
    seedGone(harness)
    const run = await runSync(harness, { settings: { token: TOKEN_WITH_BREAK } })
    expect(run.error?.message).toMatch(
      /^GET \/orgs\/octo-org\/copilot-spaces\/\d+\/resources was not sent: the HTTP library refused to build the request \(InvalidArgumentError: invalid authorization header\); it was not retried\./
    )
    for (const piece of PIECES) {
      expect(run.log.filter(l => l.includes(piece))).toEqual([])
      expect(run.error!.message).not.toContain(piece)
    }
    expect(run.waits).toEqual([])
    expect(run.requests).toEqual([])
    expect(idsNow(harness)).toHaveLength(1)
  })

  it('a user-agent the library refuses: the same, for a write', async () => {
    const harness = await start()
    const client = createClient({
      baseUrl: harness.emu.url,
      token: TOKEN,
      userAgent: 'copilot-space-sync\r\nX-Injected: 1',
      policy: { writeIntervalMs: 0, clock: createFakeClock(), random: () => 0.5 }
    })
    const error = await failure(
      client.createResource(harness.ref, {
        resource_type: 'free_text',
        metadata: { name: 'n', text: 't' }
      })
    )
    expect(error.final).toBe(true)
    expect(error.message).toMatch(
      /^POST \/orgs\/octo-org\/copilot-spaces\/\d+\/resources was not sent: the HTTP library refused to build the request/
    )
    expect(error.message).not.toContain('X-Injected')
    expect(harness.emu.requests).toEqual([])
  })
})

describe('one request takes bounded time across its retries', () => {
  it('a server that accepts and never answers: attempts stop at the bound, with a clear message', async () => {
    const silent = await listen(() => {})
    const log: string[] = []
    // 200 ms an attempt, 1.5 s for the request, backoffs of 0.5 s, 1 s, 2 s … (no jitter):
    // attempt 1 (0.2 s), wait 0.5 s, attempt 2 (0.2 s); the next wait (1 s) would pass 1.5 s.
    const client = createClient({
      baseUrl: silent.url,
      token: TOKEN,
      timeoutMs: 200,
      policy: { writeIntervalMs: 0, maxRequestMs: 1500, random: () => 0, log: l => log.push(l) }
    })
    const error = await failure(client.getSpace({ ownerType: 'org', owner: ORG, number: 3 }))
    expect(silent.requests).toEqual([
      `GET /orgs/${ORG}/copilot-spaces/3`,
      `GET /orgs/${ORG}/copilot-spaces/3`
    ])
    expect(error.status).toBeUndefined()
    expect(error.message).toBe(
      `GET /orgs/${ORG}/copilot-spaces/3 failed without a response: no response (The operation was aborted due to timeout); ` +
        'gave up after 2 attempt(s), since one request may take at most 1.5 s across its retries. ' +
        'GitHub or the network did not answer in time: run again later'
    )
    expect(log).toEqual([
      `GET /orgs/${ORG}/copilot-spaces/3: no response (The operation was aborted due to timeout); retrying in 0.5 s (retry 1 of 4).`
    ])
  })

  it('an attempt is cut short at what remains of the bound, even when the per-attempt timeout is longer', async () => {
    const silent = await listen(() => {})
    const client = createClient({
      baseUrl: silent.url,
      token: TOKEN,
      timeoutMs: 30_000,
      policy: { writeIntervalMs: 0, maxRequestMs: 300, random: () => 0 }
    })
    // Without the bound this would wait 30 s for the first attempt alone (past this test's timeout).
    const error = await failure(client.getSpace({ ownerType: 'org', owner: ORG, number: 3 }))
    expect(silent.requests).toHaveLength(1)
    expect(error.message).toMatch(
      /failed without a response: no response \(The operation was aborted due to timeout\); gave up after 1 attempt\(s\), since one request may take at most 0\.3 s/
    )
  }, 10_000)

  it('server faults: no retry starts whose backoff would pass the bound (fake clock)', async () => {
    const harness = await start()
    const clock = createFakeClock()
    const client = createClient({
      baseUrl: harness.emu.url,
      token: TOKEN,
      policy: { writeIntervalMs: 0, clock, maxRequestMs: 5000, random: () => 0 }
    })
    harness.emu.injectFault({ method: 'GET', times: 10, status: 502 })
    const error = await failure(client.getSpace(harness.ref))
    // Waits of 0.5, 1 and 2 s fit in 5 s; the fourth (4 s) would not.
    expect(clock.waits.map(w => w.ms)).toEqual([500, 1000, 2000])
    expect(harness.emu.requests).toHaveLength(4)
    expect(error.status).toBe(502)
    expect(error.message).toMatch(
      /answered 502: Bad Gateway; gave up after 4 attempt\(s\), since one request may take at most 5 s across its retries/
    )
  })

  it('rate-limit waits do not count against the bound', async () => {
    const harness = await start()
    const clock = createFakeClock()
    const client = createClient({
      baseUrl: harness.emu.url,
      token: TOKEN,
      policy: { writeIntervalMs: 0, clock, maxRequestMs: 5000, random: () => 0 }
    })
    harness.emu.injectFault({
      method: 'GET',
      status: 403,
      headers: { 'retry-after': '30' },
      body: { message: 'You have exceeded a secondary rate limit.' }
    })
    expect((await client.getSpace(harness.ref)).number).toBe(harness.space)
    expect(clock.waits.map(w => w.ms)).toEqual([30_000])
  })
})

describe('redirected writes', () => {
  it('a DELETE redirected to another origin is not followed: the resource stays, the path fails, no retry', async () => {
    const harness = await start()
    const other = await listen((_req, res) => res.writeHead(204).end())
    const id = seedGone(harness)
    const path = harness.resourcePath(id)
    harness.emu.injectFault({
      method: 'DELETE',
      path,
      status: 307,
      headers: { location: `${other.url}${path}` }
    })
    const run = await runSync(harness)
    expect(run.error).toBeUndefined()
    const answer =
      `answered 307: redirected to another origin, ${other.url}; a write is not followed there ` +
      '(the token would go with it, and whether the write was applied could not be known), so it was not applied here. ' +
      "Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server, " +
      'https://api.SUBDOMAIN.ghe.com), so that writes are not redirected'
    expect(run.outcomes.filter(o => o.path === 'gone.md')).toEqual([
      {
        path: 'gone.md',
        action: 'failed',
        resourceId: id,
        reason: `DELETE ${path} ${answer}`,
        cause: `DELETE ${answer}`
      }
    ])
    expect(idsNow(harness)).toContain(id)
    expect(other.requests).toEqual([])
    expect(run.requests.filter(r => r.method === 'DELETE')).toHaveLength(1)
    expect(run.waits).toEqual([])
  })

  it('a POST redirected to another origin: not followed, not retried, nothing created', async () => {
    const harness = await start()
    const other = await listen((_req, res) => res.writeHead(201).end('{}'))
    harness.emu.injectFault({
      method: 'POST',
      path: harness.resourcesPath,
      status: 307,
      headers: { location: `${other.url}/elsewhere` }
    })
    const run = await runSync(harness)
    expect(run.failed.map(o => [o.path, o.reason?.slice(0, 60)])).toEqual([
      ['a.md', `POST ${harness.resourcesPath} answered 307: redirected to another o`.slice(0, 60)]
    ])
    expect(run.failed[0]!.reason).toContain(`redirected to another origin, ${other.url};`)
    expect(other.requests).toEqual([])
    expect(idsNow(harness)).toEqual([])
    expect(run.requests.filter(r => r.method === 'POST')).toHaveLength(1)
  })

  it('a same-origin 307 is followed with the same method', async () => {
    const harness = await start()
    const id = seedGone(harness)
    const path = harness.resourcePath(id)
    harness.emu.injectFault({
      method: 'DELETE',
      path,
      status: 307,
      headers: { location: `${harness.emu.url}${path}` }
    })
    const run = await runSync(harness)
    expect(run.failed).toEqual([])
    expect(run.outcomes.find(o => o.path === 'gone.md')?.action).toBe('deleted')
    expect(idsNow(harness)).not.toContain(id)
    expect(run.requests.filter(r => r.method === 'DELETE')).toHaveLength(2)
  })

  it('a same-origin redirect loop stops after three hops', async () => {
    const harness = await start()
    const id = seedGone(harness)
    const path = harness.resourcePath(id)
    harness.emu.injectFault({
      method: 'DELETE',
      path,
      times: 100,
      status: 307,
      headers: { location: path }
    })
    const run = await runSync(harness)
    expect(run.failed.map(o => o.path)).toEqual(['gone.md'])
    expect(run.failed[0]!.reason).toMatch(
      new RegExp(
        `^DELETE ${path} answered 307: redirected more than 3 times \\(last to ${harness.emu.url.replace(/\./g, '\\.')}${path}\\); the write is not followed further\\. Check 'api-url'`
      )
    )
    expect(idsNow(harness)).toContain(id)
    // The first request and three hops; no retry.
    expect(run.requests.filter(r => r.method === 'DELETE')).toHaveLength(4)
  })

  it('a write redirected without a location is not taken for a success', async () => {
    const harness = await start()
    const id = seedGone(harness)
    const path = harness.resourcePath(id)
    harness.emu.injectFault({ method: 'DELETE', path, status: 307 })
    const run = await runSync(harness)
    expect(run.failed.map(o => [o.path, o.reason])).toEqual([
      [
        'gone.md',
        `DELETE ${path} answered 307: redirected without a location; the write was not applied. ` +
          "Check 'api-url': it must be the REST API's own URL (https://api.github.com, https://HOST/api/v3 for GitHub Enterprise Server)"
      ]
    ])
    expect(idsNow(harness)).toContain(id)
  })

  it('reads still follow redirects, to another origin too, without the token', async () => {
    const harness = await start()
    const tokens: (string | undefined)[] = []
    const other = await listen((req, res) => {
      tokens.push(req.headers.authorization)
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 1, login: 'elsewhere', type: 'Organization' }))
    })
    harness.emu.injectFault({
      method: 'GET',
      path: `/users/${ORG}`,
      status: 307,
      headers: { location: `${other.url}/users/${ORG}` }
    })
    const client = createClient({ baseUrl: harness.emu.url, token: TOKEN })
    expect((await client.getAccount(ORG)).login).toBe('elsewhere')
    expect(other.requests).toEqual([`GET /users/${ORG}`])
    expect(tokens).toEqual([undefined])
  })

  it('a read redirected within the origin keeps its token', async () => {
    const harness = await start()
    const path = `/orgs/${ORG}/copilot-spaces/${harness.space}`
    harness.emu.injectFault({
      method: 'GET',
      path,
      status: 301,
      headers: { location: `${harness.emu.url}${path}?moved=1` }
    })
    const client = createClient({ baseUrl: harness.emu.url, token: TOKEN })
    expect((await client.getSpace(harness.ref)).number).toBe(harness.space)
    // The second request needed the token: the emulator answers 401 without it.
    expect(harness.emu.requests.map(r => [r.method, r.path, r.status])).toEqual([
      ['GET', path, 301],
      ['GET', path, 200]
    ])
  })
})
