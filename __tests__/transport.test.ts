/**
 * The transport: what it makes of whatever @octokit/request threw (failures.ts), without a
 * server, shaped as @octokit/request and undici shape them: GitHub's answers, network faults,
 * requests that could not be built, refused redirects. Then its successful answers over real
 * HTTP (the emulator, and plain loopback servers for what the emulator never sends): the body
 * parsed with JSON.parse, as @octokit/request would have made it otherwise. The client over
 * real HTTP is network.test.ts and github-api.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Emulator } from '../emulator/index.js'
import { ApiError, type ApiCall } from '../src/github/api.js'
import { createClient } from '../src/github/client.js'
import { ResponseBodyError, toApiError } from '../src/github/failures.js'
import { RedirectRefusedError } from '../src/github/redirects.js'
import { createTransport } from '../src/github/transport.js'
import { contractViolations, ORG, startGitHub, TOKEN } from './helpers/github.js'

const BASE = 'https://api.example.test'
const call: ApiCall = {
  method: 'POST',
  route: '/orgs/{org}/copilot-spaces/{space_number}/resources',
  params: { org: 'o', space_number: 3 }
}

/** Shaped like @octokit/request-error's RequestError. */
function requestError(
  status: number,
  message: string,
  response?: { status: number; headers: Record<string, unknown>; data: unknown },
  cause?: unknown
) {
  return Object.assign(new Error(message, { cause }), {
    name: 'HttpError',
    status,
    request: { method: 'POST', url: `${BASE}/orgs/o/copilot-spaces/3/resources`, headers: {} },
    response
  })
}

describe('toApiError', () => {
  it("an answer: GitHub's message, its errors, and the headers in lower case", () => {
    const thrown = requestError(422, 'Validation Failed - https://docs', {
      status: 422,
      headers: { 'X-Accepted-OAuth-Scopes': 'write:org', 'x-ratelimit-remaining': 4999 },
      data: { message: 'Validation Failed', errors: [{ field: 'metadata' }] }
    })
    const e = toApiError(thrown, call, BASE)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.message).toBe(
      'POST /orgs/o/copilot-spaces/3/resources answered 422: Validation Failed'
    )
    expect(e.headers).toEqual({
      'x-accepted-oauth-scopes': 'write:org',
      'x-ratelimit-remaining': '4999'
    })
    expect(e.errors).toEqual([{ field: 'metadata' }])
    expect(e.final).toBe(false)
    expect(e.cause).toBe(thrown)
  })

  it('a body that is not JSON: its start; an empty body: what the library said', () => {
    const html = `<html>${'x'.repeat(300)}</html>`
    const e = toApiError(
      requestError(502, 'Bad Gateway', { status: 502, headers: {}, data: html }),
      call,
      BASE
    )
    expect(e.githubMessage).toBe(html.slice(0, 200))
    const empty = toApiError(
      requestError(503, 'Service Unavailable', { status: 503, headers: {}, data: '' }),
      call,
      BASE
    )
    expect(empty.githubMessage).toBe('Service Unavailable')
  })

  it("a lost connection: no status, the socket's own words, retryable", () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })
    const fetchFailed = new TypeError('fetch failed', { cause: socket })
    const e = toApiError(requestError(500, 'fetch failed', undefined, fetchFailed), call, BASE)
    expect(e.status).toBeUndefined()
    expect(e.final).toBe(false)
    expect(e.message).toBe(
      'POST /orgs/o/copilot-spaces/3/resources failed without a response: other side closed'
    )
  })

  it('a timeout: its own message (the endpoint from the route when there is no URL)', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    const e = toApiError(timeout, call, BASE)
    expect(e.final).toBe(false)
    expect(e.message).toBe(
      `POST ${call.route} failed without a response: The operation was aborted due to timeout`
    )
  })

  it('a request the library refused to build: final, with no quoted value and no secret', () => {
    const token = 'ghp_first0123\nsecond4567'
    const invalid = new TypeError(`Headers.append: "Bearer ${token}" is an invalid header value.`)
    const e = toApiError(requestError(500, invalid.message, undefined, invalid), call, BASE, [
      token
    ])
    expect(e.final).toBe(true)
    expect(e.status).toBeUndefined()
    expect(e.message).toBe(
      'POST /orgs/o/copilot-spaces/3/resources was not sent: the HTTP library refused to build the request ' +
        '(TypeError: Headers.append: "…" is an invalid header value.); it was not retried. ' +
        'A header value with a line break or another control character (in the token, for one) is a common cause.'
    )
    for (const piece of ['ghp_first0123', 'second4567']) expect(e.message).not.toContain(piece)
  })

  it('a secret the library quotes outside quotes is masked', () => {
    const e = toApiError(new Error('bad value ghp_first0123 here'), call, BASE, ['ghp_first0123'])
    expect(e.githubMessage).toContain('(Error: bad value *** here)')
  })

  it('a refused redirect: final, with its status and reason', () => {
    const refused = new RedirectRefusedError(307, 'redirected to another origin')
    const fetchFailed = new TypeError('fetch failed', { cause: refused })
    const e = toApiError(requestError(500, 'fetch failed', undefined, fetchFailed), call, BASE)
    expect(e.final).toBe(true)
    expect(e.message).toBe(
      'POST /orgs/o/copilot-spaces/3/resources answered 307: redirected to another origin'
    )
  })

  it('an ApiError is returned as it is', () => {
    const e = new ApiError('GET /x', 404, 'Not Found', {})
    expect(toApiError(e, call, BASE)).toBe(e)
  })
})

describe('a body that could not be read to its end', () => {
  it('is a network fault, retried like a lost connection, saying why', () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })
    const cut = new ResponseBodyError(
      `${BASE}/orgs/o/copilot-spaces/3/resources`,
      new TypeError('terminated', { cause: socket })
    )
    const e = toApiError(cut, { ...call, method: 'GET' }, BASE)
    expect(e.status).toBeUndefined()
    expect(e.final).toBe(false)
    expect(e.message).toBe(
      'GET /orgs/o/copilot-spaces/3/resources failed without a response: ' +
        'the connection failed while the answer was read: other side closed'
    )
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    const late = toApiError(new ResponseBodyError(`${BASE}/x`, timeout), call, BASE)
    expect(late.final).toBe(false)
    expect(late.githubMessage).toBe(
      'the connection failed while the answer was read: The operation was aborted due to timeout'
    )
  })
})

describe('successful answers over HTTP', () => {
  let emu: Emulator
  let space: number
  let send: ReturnType<typeof createTransport>
  const resources = () => ({
    method: 'GET' as const,
    route: '/orgs/{org}/copilot-spaces/{space_number}/resources',
    params: { org: ORG, space_number: space }
  })

  beforeAll(async () => {
    emu = await startGitHub()
    space = emu.createSpace('org', ORG, { name: 'transport' }).number
    send = createTransport({ baseUrl: emu.url, token: TOKEN })
  })
  afterAll(() => emu.close())
  afterEach(() => {
    expect(contractViolations(emu.requests)).toEqual([])
    emu.clearLog()
  })

  it('hands every caller the parsed JSON: an object, a created resource, and a 204 as empty text', async () => {
    const note = { resource_type: 'free_text', metadata: { name: 'n', text: 'ü 日本語 🙂' } }
    const created = await send({
      method: 'POST',
      route: '/orgs/{org}/copilot-spaces/{space_number}/resources',
      params: { org: ORG, space_number: space, data: note }
    })
    expect(created.status).toBe(201)
    expect(created.data).toMatchObject({ ...note, id: expect.any(Number) })
    expect(created.headers['content-type']).toBe('application/json; charset=utf-8')

    const listed = await send(resources())
    expect(listed.status).toBe(200)
    expect(listed.data).toEqual({ resources: emu.resources('org', ORG, space) })

    const id = (created.data as { id: number }).id
    const deleted = await send({
      method: 'DELETE',
      route: '/orgs/{org}/copilot-spaces/{space_number}/resources/{resource_id}',
      params: { org: ORG, space_number: space, resource_id: id }
    })
    expect(deleted).toMatchObject({ status: 204, data: '' })
  })

  it('an empty body and a body that is not JSON reach the caller as their text', async () => {
    emu.injectFault({ method: 'GET', status: 200, rawBody: '' })
    expect((await send(resources())).data).toBe('')
    emu.injectFault({ method: 'GET', status: 200, rawBody: '{"resources": [' })
    expect((await send(resources())).data).toBe('{"resources": [')

    // …which is how the client tells them apart, as it did with the library's parser.
    const client = createClient({ baseUrl: emu.url, token: TOKEN })
    const ref = { ownerType: 'org' as const, owner: ORG, number: space }
    emu.injectFault({ method: 'GET', status: 200, rawBody: '' })
    await expect(client.listResources(ref)).rejects.toThrow(/an empty body/)
    emu.injectFault({ method: 'GET', status: 200, rawBody: '{"resources": [' })
    await expect(client.listResources(ref)).rejects.toThrow(/a body that is not JSON/)
    emu.clearLog() // answers that break the contract on purpose
  })

  it('an error answer still goes through the library: status, message and errors', async () => {
    emu.injectFault({
      method: 'POST',
      status: 422,
      body: { message: 'Validation Failed', errors: [{ field: 'metadata' }] }
    })
    const e = await send({
      method: 'POST',
      route: '/orgs/{org}/copilot-spaces/{space_number}/resources',
      params: { org: ORG, space_number: space, data: { resource_type: 'free_text', metadata: {} } }
    }).catch((error: unknown) => error)
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ status: 422, githubMessage: 'Validation Failed' })
    expect((e as ApiError).errors).toEqual([{ field: 'metadata' }])
    const missing = await send({ ...resources(), params: { org: ORG, space_number: 999 } }).catch(
      (error: unknown) => error
    )
    expect(missing).toMatchObject({ status: 404, githubMessage: 'Not Found' })
  })

  it('parses a listing of 20,000 resources', async () => {
    const big = emu.createSpace('org', ORG, { name: 'big' }).number
    for (let i = 0; i < 20_000; i++) {
      emu.addResource('org', ORG, big, {
        resource_type: i % 2 ? 'free_text' : 'github_file',
        metadata:
          i % 2
            ? { name: `docs/ü-${i}.md`, text: `text ${i}\n<!-- "quoted" \\ -->` }
            : {
                repository_id: 9_007_199_254_740_991,
                file_path: `docs/${i}.md`,
                sha: 'a'.repeat(40)
              }
      })
    }
    const res = await send({ ...resources(), params: { org: ORG, space_number: big } })
    const data = res.data as { resources: unknown[] }
    expect(data.resources).toHaveLength(20_000)
    expect(data).toEqual({ resources: emu.resources('org', ORG, big) })
    emu.clearLog() // the contract check of 20,000 entries is not what this test is about
  })
})

describe('successful answers the emulator never sends', () => {
  const servers: Server[] = []
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections()
      await new Promise(resolve => s.close(resolve))
    }
  })

  async function serve(answer: (res: ServerResponse) => void) {
    const server = createServer((_req, res) => answer(res))
    servers.push(server)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return createTransport({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN, timeoutMs: 500 })
  }
  const get: ApiCall = { method: 'GET', route: '/x', params: {} }

  it('text as text, bytes as an ArrayBuffer, no content type as text, a JSON charset honoured', async () => {
    const answers: [Record<string, string>, string, unknown][] = [
      [{ 'content-type': 'text/plain' }, 'plain', 'plain'],
      [{}, 'no type', 'no type'],
      [{ 'content-type': 'application/vnd.github.raw; charset=utf-8' }, 'raw', 'raw'],
      [{ 'content-type': 'Application/JSON;Charset="UTF-8"' }, '{"a":1}', { a: 1 }],
      [{ 'content-type': 'application/scim+json' }, '\ufeff{"b":[2]}', { b: [2] }]
    ]
    // JSON.parse, not the library's BigInt-aware parser: an integer past 2^53 is a number.
    answers.push([
      { 'content-type': 'application/json' },
      '{"id":9007199254740993}',
      { id: 2 ** 53 }
    ])
    for (const [headers, body, data] of answers) {
      const send = await serve(res => res.writeHead(200, headers).end(body))
      expect((await send(get)).data).toEqual(data)
    }
    const send = await serve(res =>
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2]))
    )
    const bytes = (await send(get)).data
    expect(bytes).toBeInstanceOf(ArrayBuffer)
    expect([...new Uint8Array(bytes as ArrayBuffer)]).toEqual([0, 1, 2])
  })

  it('a body cut off half-way: a retryable fault naming the endpoint, never an empty body', async () => {
    const cut = await serve(res => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      res.write('{"resources": [')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const e = (await cut(get).catch((error: unknown) => error)) as ApiError
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ status: undefined, final: false })
    expect(e.message).toBe(
      'GET /x failed without a response: the connection failed while the answer was read: other side closed'
    )
    const stalled = await serve(res => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"resources": [')
    })
    const late = (await stalled(get).catch((error: unknown) => error)) as ApiError
    expect(late).toMatchObject({ status: undefined, final: false })
    expect(late.message).toMatch(/while the answer was read: .*timeout/)
  })
})
