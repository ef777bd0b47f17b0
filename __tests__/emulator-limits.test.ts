/**
 * The emulator's rate limits, injected faults and latency, through real HTTP.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { CONTENT_CREATION_LIMITS, type Emulator, type EmulatorOptions } from '../emulator/index.js'
import {
  ADMIN,
  allViolations,
  call,
  ORG,
  responseViolations,
  seeded,
  USER
} from './helpers/emulator-http.js'

let emu: Emulator | undefined
let clock = 0

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  clock = Date.UTC(2026, 0, 1)
  emu = await seeded({ now: () => clock, ...options })
  emu.createSpace('org', ORG, { name: 'S' })
  return emu
}

afterEach(async () => {
  const e = emu
  emu = undefined
  if (!e) return
  await e.close()
  expect(responseViolations(e.requests.filter(r => !r.fault))).toEqual([])
})

const resources = `/orgs/${ORG}/copilot-spaces/1/resources`
const note = { resource_type: 'free_text', metadata: { name: 'n', text: 't' } }

describe('primary rate limit', () => {
  it('counts down, refuses with 403 at 0, and refills after the reset time', async () => {
    const e = await start({ rateLimit: { limit: 3 } })
    const reset = clock / 1000 + 3600
    const remaining: (string | null)[] = []
    for (let i = 0; i < 3; i++) {
      const res = await call(e, 'GET', resources)
      expect(res.status).toBe(200)
      remaining.push(res.headers.get('x-ratelimit-remaining'))
    }
    expect(remaining).toEqual(['2', '1', '0'])
    const refused = await call(e, 'POST', resources, { body: note })
    expect(refused.status).toBe(403)
    expect(refused.body.message).toMatch(/^API rate limit exceeded for user ID 2\. /)
    expect(refused.body.message).toContain(refused.headers.get('x-github-request-id'))
    expect(refused.body.documentation_url).toBe(
      'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting'
    )
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(refused.headers.get('x-ratelimit-used')).toBe('3')
    expect(refused.headers.get('x-ratelimit-reset')).toBe(String(reset))
    expect(e.resources('org', ORG, 1)).toHaveLength(0)
    expect(e.requests.at(-1)?.applied).toBe(false)

    clock += 3599_000
    expect((await call(e, 'GET', resources)).status).toBe(403)
    clock += 1_000
    const again = await call(e, 'GET', resources)
    expect(again.status).toBe(200)
    expect(again.headers.get('x-ratelimit-remaining')).toBe('2')
    expect(again.headers.get('x-ratelimit-reset')).toBe(String(reset + 3600))
  })

  it('starts from the given remaining budget and reset time', async () => {
    const e = await start({ rateLimit: { limit: 60, remaining: 1, resetAt: 2_000_000_000 } })
    const res = await call(e, 'GET', resources)
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(res.headers.get('x-ratelimit-reset')).toBe('2000000000')
    expect((await call(e, 'GET', resources)).status).toBe(403)
  })
})

describe('secondary rate limit', () => {
  it('refuses writes beyond maxWrites in the window with retry-after, without applying them', async () => {
    const e = await start({ secondaryRateLimit: { maxWrites: 2, windowMs: 60_000 } })
    expect((await call(e, 'POST', resources, { body: note })).status).toBe(201)
    clock += 10_000
    expect((await call(e, 'POST', resources, { body: note })).status).toBe(201)
    clock += 5_000
    const refused = await call(e, 'POST', resources, { body: note })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('retry-after')).toBe('45')
    expect(refused.body).toEqual({
      message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${refused.headers.get('x-github-request-id')}.`,
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
    })
    expect(e.resources('org', ORG, 1)).toHaveLength(2)
    expect(e.requests.at(-1)).toMatchObject({ status: 403, applied: false })
    // Reads are not writes.
    expect((await call(e, 'GET', resources)).status).toBe(200)
    // Other write methods count too.
    expect((await call(e, 'DELETE', `${resources}/1`)).status).toBe(403)

    clock += 45_000
    expect((await call(e, 'DELETE', `${resources}/1`)).status).toBe(204)
    const next = await call(e, 'PUT', `${resources}/2`, {
      body: { metadata: { name: 'x', text: 'y' } }
    })
    expect(next.status).toBe(403)
    expect(next.headers.get('retry-after')).toBe('10')
  })

  it('applies every window at once, as GitHub limits content creation per minute and per hour', async () => {
    const perMinute = CONTENT_CREATION_LIMITS[0]
    const perHour = CONTENT_CREATION_LIMITS[1]
    expect([perMinute, perHour]).toEqual([
      { maxWrites: 80, windowMs: 60_000 },
      { maxWrites: 500, windowMs: 3_600_000 }
    ])
    const e = await start({
      secondaryRateLimit: [
        { maxWrites: 2, windowMs: 60_000 },
        { maxWrites: 3, windowMs: 3_600_000 }
      ]
    })
    const post = () => call(e, 'POST', resources, { body: note })
    expect((await post()).status).toBe(201)
    expect((await post()).status).toBe(201)
    clock += 5_000
    // The minute is full: free again when the first write is a minute old.
    const minute = await post()
    expect(minute.status).toBe(403)
    expect(minute.headers.get('retry-after')).toBe('55')
    clock += 56_000
    expect((await post()).status).toBe(201)
    clock += 60_000
    // The hour is full (3 writes), although the last minute holds only one.
    const hour = await post()
    expect(hour.status).toBe(403)
    expect(hour.headers.get('retry-after')).toBe(String(3600 - 121))
    expect(e.resources('org', ORG, 1)).toHaveLength(3)
  })
})

describe('faults', () => {
  it('answers with an injected status, headers and body instead of the API', async () => {
    const e = await start()
    e.injectFault({
      method: 'POST',
      path: resources,
      status: 502,
      headers: { 'X-Extra': 'yes' },
      body: { message: 'Server Error' }
    })
    const res = await call(e, 'POST', resources, { body: note })
    expect(res.status).toBe(502)
    expect(res.body).toEqual({ message: 'Server Error' })
    expect(res.headers.get('x-extra')).toBe('yes')
    expect(res.headers.get('x-github-request-id')).toBeTruthy()
    expect(e.resources('org', ORG, 1)).toHaveLength(0)
    expect(e.requests.at(-1)).toMatchObject({ status: 502, fault: 'status', applied: false })
    // Only once by default.
    expect((await call(e, 'POST', resources, { body: note })).status).toBe(201)
  })

  it('applies the write and then answers with the fault (an answer lost after GitHub applied it)', async () => {
    const e = await start()
    e.injectFault({ method: 'POST', path: /\/resources$/, apply: true, status: 500 })
    const res = await call(e, 'POST', resources, { body: note })
    expect(res.status).toBe(500)
    expect(res.body).toMatchObject({ message: 'Internal Server Error' })
    expect(e.resources('org', ORG, 1)).toHaveLength(1)
    expect(e.requests.at(-1)).toMatchObject({ status: 500, fault: 'status', applied: true })
  })

  it('resets the connection, with or without applying the write first', async () => {
    const e = await start()
    e.injectFault({ method: 'POST', path: resources, reset: true })
    await expect(call(e, 'POST', resources, { body: note })).rejects.toThrow()
    expect(e.resources('org', ORG, 1)).toHaveLength(0)
    expect(e.requests.at(-1)).toMatchObject({
      status: 0,
      fault: 'reset',
      applied: false,
      responseBody: undefined
    })

    e.injectFault({ method: 'POST', path: resources, reset: true, apply: true })
    await expect(call(e, 'POST', resources, { body: note })).rejects.toThrow()
    expect(e.resources('org', ORG, 1)).toHaveLength(1)
    expect(e.requests.at(-1)).toMatchObject({ fault: 'reset', applied: true })
    // The server keeps serving.
    expect((await call(e, 'GET', resources)).status).toBe(200)
  })

  it('fires on the nth matching request for `times` requests, counting only matches', async () => {
    const e = await start()
    e.injectFault({ method: 'GET', path: /\/resources$/, nth: 2, times: 2, status: 503 })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      // Requests that do not match (other method or path) are not counted.
      await call(e, 'GET', `/orgs/${ORG}/copilot-spaces/1`)
      await call(e, 'POST', resources, { body: note })
      statuses.push((await call(e, 'GET', resources)).status)
    }
    expect(statuses).toEqual([200, 503, 503, 200, 200])
    expect(e.requests.filter(r => r.fault).map(r => r.seq)).toEqual([6, 9])
  })

  it('matches a string path exactly and any method when none is given', async () => {
    const e = await start()
    e.injectFault({
      path: `/orgs/${ORG}/copilot-spaces/1`,
      status: 418,
      body: { message: 'teapot' },
      times: 2
    })
    expect((await call(e, 'GET', `/orgs/${ORG}/copilot-spaces/1/resources`)).status).toBe(200)
    expect((await call(e, 'GET', `/orgs/${ORG}/copilot-spaces/1`)).status).toBe(418)
    expect(
      (await call(e, 'PUT', `/orgs/${ORG}/copilot-spaces/1`, { body: { name: 'x' } })).status
    ).toBe(418)
    expect((await call(e, 'GET', `/orgs/${ORG}/copilot-spaces/1`)).status).toBe(200)
  })
})

describe('latency', () => {
  it('delays every answer by latencyMs, adjustable with setLatency', async () => {
    const e = await start({ latencyMs: 150 })
    let t = performance.now()
    await call(e, 'GET', resources)
    expect(performance.now() - t).toBeGreaterThanOrEqual(140)
    e.setLatency(0)
    t = performance.now()
    await call(e, 'GET', resources)
    expect(performance.now() - t).toBeLessThan(140)
  })

  it('keeps the log in arrival order when answers overlap', async () => {
    const e = await start({ latencyMs: 50 })
    await Promise.all([
      call(e, 'GET', resources),
      call(e, 'GET', `${resources}/1`),
      call(e, 'GET', resources)
    ])
    expect(e.requests.map(r => r.seq)).toEqual([1, 2, 3])
  })
})

describe('GitHub’s description', () => {
  it('accepts every exchange of a session over all twenty endpoints', async () => {
    const e = await seeded()
    emu = e
    for (const [segment, owner] of [
      ['orgs', ORG],
      ['users', USER]
    ] as const) {
      const spaces = `/${segment}/${owner}/copilot-spaces`
      const created = await call(e, 'POST', spaces, {
        body: {
          name: 'Space',
          description: 'd',
          general_instructions: 'g',
          base_role: 'reader',
          resources_attributes: [
            {
              resource_type: 'github_file',
              metadata: { repository_id: 1, file_path: 'a.md', sha: 'f'.repeat(40) }
            },
            { resource_type: 'free_text', metadata: { name: 'n', text: 't' } }
          ]
        }
      })
      const space = `${spaces}/${created.body.number}`
      const res = await call(e, 'POST', `${space}/resources`, {
        body: { resource_type: 'github_issue', metadata: { repository_id: 1, number: 7 } }
      })
      await call(e, 'POST', `${space}/resources`, {
        body: {
          resource_type: 'github_file',
          metadata: { repository_id: 1, file_path: 'a.md', sha: 'f'.repeat(40) }
        }
      })
      await call(e, 'GET', spaces)
      await call(e, 'GET', space)
      await call(e, 'PUT', space, {
        body: {
          name: 'Renamed',
          resources_attributes: [{ id: res.body.id, metadata: { repository_id: 1, number: 8 } }]
        }
      })
      await call(e, 'GET', `${space}/resources`)
      await call(e, 'GET', `${space}/resources/${res.body.id}`)
      await call(e, 'PUT', `${space}/resources/${res.body.id}`, {
        body: { metadata: { repository_id: 1, number: 9 } }
      })
      await call(e, 'DELETE', `${space}/resources/${res.body.id}`)
      await call(e, 'GET', `${space}/resources/${res.body.id}`)
      await call(e, 'POST', `${space}/resources`, {
        body: { resource_type: 'free_text', metadata: {} }
      })
      await call(e, 'DELETE', space)
      await call(e, 'GET', space)
    }
    await call(e, 'GET', `/users/${USER}`)
    await call(e, 'GET', `/users/${ORG}`)
    await call(e, 'GET', `/orgs/${ORG}`)
    await call(e, 'GET', `/orgs/nobody`, { token: ADMIN })
    const statuses = e.requests.map(r => r.status)
    expect(statuses.slice(0, 14)).toEqual([
      201, 201, 200, 200, 200, 200, 200, 200, 200, 204, 404, 422, 204, 404
    ])
    expect(new Set(e.requests.map(r => `${r.method} ${r.route}`)).size).toBe(22)
    expect(allViolations(e.requests)).toEqual([])
  })
})
