/**
 * The request policy on its own: the rules as pure functions (rules.ts), then the stateful
 * policy (policy.ts) over a fake transport that answers from a script and a fake clock whose
 * sleeps return at once. Nothing really sleeps and no assertion depends on real time.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { ApiError, describeCall, type ApiCall, type ApiResponse } from '../src/github/api.js'
import { createPolicy, NotSentError, type Clock, type PolicyOptions } from '../src/github/policy.js'
import {
  budgetSpacing,
  classify,
  DEFAULTS,
  faultWait,
  primaryWait,
  resetTime,
  secondaryWait,
  withDefaults
} from '../src/github/rules.js'

/** A whole second, so that `x-ratelimit-reset` arithmetic is exact. */
const START = Date.UTC(2026, 2, 2, 9, 0, 0)
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes.'

const error = (status: number | undefined, message = 'm', headers: Record<string, string> = {}) =>
  new ApiError('GET /x', status, message, headers)

/** `x-ratelimit-reset` for a time `ms` after START. */
const resetIn = (ms: number) => String((START + ms) / 1000)

describe('classify', () => {
  it.each([403, 429])('a %i saying "secondary rate limit" is a secondary limit', status => {
    expect(classify(error(status, SECONDARY))).toBe('secondary-limit')
    // Even when no requests remain: the secondary limit is the one to wait out.
    expect(classify(error(status, SECONDARY, { 'x-ratelimit-remaining': '0' }))).toBe(
      'secondary-limit'
    )
  })

  it.each([403, 429])('a %i with x-ratelimit-remaining: 0 is a primary limit', status => {
    expect(
      classify(error(status, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' }))
    ).toBe('primary-limit')
  })

  it.each([undefined, 500, 502, 503, 504])('%s is a fault', status => {
    expect(classify(error(status))).toBe('fault')
  })

  it('a request never sent, a refused redirect, or anything not an ApiError is final', () => {
    expect(classify(new ApiError('GET /x', undefined, 'm', {}, [], { final: true }))).toBe('final')
    expect(classify(new ApiError('POST /x', 307, 'm', {}, [], { final: true }))).toBe('final')
    expect(classify(new NotSentError('GET /x was not sent'))).toBe('final')
    expect(classify(new TypeError('a bug'))).toBe('final')
    expect(classify('a string')).toBe('final')
  })

  it.each([200, 400, 401, 403, 404, 410, 422, 451, 501])('%i is an answer', status => {
    expect(classify(error(status))).toBe('answer')
  })

  it('a limit needs a 403 or 429: the same words or headers on another status are an answer', () => {
    expect(classify(error(404, SECONDARY))).toBe('answer')
    expect(classify(error(422, 'm', { 'x-ratelimit-remaining': '0' }))).toBe('answer')
    expect(classify(error(403, 'm', { 'x-ratelimit-remaining': '1' }))).toBe('answer')
  })
})

describe('secondaryWait', () => {
  const zero = () => 0
  const top = () => 0.999

  it('retry-after in seconds, doubled for each earlier limit, plus up to a second of jitter', () => {
    const h = { 'retry-after': '30' }
    expect(secondaryWait(h, 1, START, zero)).toBe(30_000)
    expect(secondaryWait(h, 1, START, top)).toBe(30_999)
    expect(secondaryWait(h, 2, START, zero)).toBe(60_000)
    expect(secondaryWait(h, 3, START, () => 0.5)).toBe(120_500)
  })

  it('retry-after 0: only the jitter', () => {
    expect(secondaryWait({ 'retry-after': '0' }, 1, START, zero)).toBe(0)
    expect(secondaryWait({ 'retry-after': '0' }, 1, START, top)).toBe(999)
    expect(secondaryWait({ 'retry-after': '0' }, 4, START, zero)).toBe(0)
  })

  it('retry-after wins over a reset', () => {
    const h = {
      'retry-after': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': resetIn(90_000)
    }
    expect(secondaryWait(h, 1, START, zero)).toBe(5000)
  })

  it('without retry-after: until the reset when no requests remain', () => {
    const h = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetIn(90_000) }
    expect(secondaryWait(h, 1, START, zero)).toBe(90_000)
    expect(secondaryWait(h, 2, START, top)).toBe(180_999)
  })

  it('a reset in the past: no wait beyond the jitter', () => {
    const h = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetIn(-30_000) }
    expect(secondaryWait(h, 1, START, zero)).toBe(0)
    expect(secondaryWait(h, 1, START, top)).toBe(999)
  })

  it('otherwise 60 s (or the rule set)', () => {
    expect(secondaryWait({}, 1, START, zero)).toBe(60_000)
    expect(secondaryWait({}, 2, START, zero)).toBe(120_000)
    // Requests remain: the reset is not the limit's end.
    expect(
      secondaryWait(
        { 'x-ratelimit-remaining': '7', 'x-ratelimit-reset': resetIn(5000) },
        1,
        START,
        zero
      )
    ).toBe(60_000)
    // No reset to wait for, or a retry-after that is not a number.
    expect(secondaryWait({ 'x-ratelimit-remaining': '0' }, 1, START, zero)).toBe(60_000)
    expect(secondaryWait({ 'retry-after': 'soon' }, 1, START, zero)).toBe(60_000)
    expect(secondaryWait({}, 1, START, zero, { secondaryDefaultMs: 10 })).toBe(10)
  })
})

describe('primaryWait', () => {
  it('a near reset: until then, plus a second', () => {
    expect(primaryWait(START + 30_000, START)).toBe(31_000)
  })

  it('a reset in the past: a second', () => {
    expect(primaryWait(START - 60_000, START)).toBe(1000)
  })

  it('a reset farther than the budget, or unknown: no wait (the action gives up)', () => {
    const budget = DEFAULTS.primaryWaitBudgetMs
    expect(primaryWait(START + budget - 1000, START)).toBe(budget)
    expect(primaryWait(START + budget - 999, START)).toBeUndefined()
    expect(primaryWait(START + 3_600_000, START)).toBeUndefined()
    expect(primaryWait(NaN, START)).toBeUndefined()
    expect(primaryWait(START + 30_000, START, { primaryWaitBudgetMs: 30_000 })).toBeUndefined()
  })

  it('reads the reset from the headers, in milliseconds', () => {
    expect(resetTime({ 'x-ratelimit-reset': resetIn(2000) })).toBe(START + 2000)
    expect(resetTime({})).toBeNaN()
    expect(resetTime({ 'x-ratelimit-reset': 'later' })).toBeNaN()
  })
})

describe('faultWait', () => {
  it('doubles from a second, times 0.5 to 1.5 by the jitter', () => {
    expect(faultWait(1, () => 0)).toBe(500)
    expect(faultWait(1, () => 0.999)).toBeCloseTo(1499, 6)
    expect(faultWait(2, () => 0)).toBe(1000)
    expect(faultWait(3, () => 0.5)).toBe(4000)
    expect(faultWait(4, () => 0)).toBe(4000)
    expect(faultWait(4, () => 0.999)).toBeCloseTo(11_992, 6)
    expect(faultWait(2, () => 0, { faultBaseMs: 10 })).toBe(10)
  })
})

describe('budgetSpacing', () => {
  const at = (remaining: string, resetMs?: number) => ({
    'x-ratelimit-remaining': remaining,
    ...(resetMs === undefined ? {} : { 'x-ratelimit-reset': resetIn(resetMs) })
  })

  it('no headers, or headers that are not numbers: nothing to go by', () => {
    expect(budgetSpacing({}, START)).toEqual({ kind: 'enough' })
    expect(budgetSpacing({ 'x-ratelimit-reset': resetIn(1000) }, START)).toEqual({ kind: 'enough' })
    expect(budgetSpacing(at('many', 1000), START)).toEqual({ kind: 'enough' })
    expect(budgetSpacing(at('3'), START)).toEqual({ kind: 'enough' })
  })

  it('remaining 0, with a near or a far reset: exhausted until the reset', () => {
    expect(budgetSpacing(at('0', 30_000), START)).toEqual({
      kind: 'exhausted',
      reset: START + 30_000
    })
    expect(budgetSpacing(at('0', 3_600_000), START)).toEqual({
      kind: 'exhausted',
      reset: START + 3_600_000
    })
  })

  it('below 50 left: the time to the reset shared among them, at most 60 s apart', () => {
    expect(budgetSpacing(at('50', 100_000), START)).toEqual({ kind: 'enough' })
    expect(budgetSpacing(at('49', 98_000), START)).toEqual({
      kind: 'low',
      remaining: 49,
      reset: START + 98_000,
      gapMs: 2000
    })
    expect(budgetSpacing(at('1', 3_600_000), START)).toMatchObject({ kind: 'low', gapMs: 60_000 })
    // A reset already past: no spacing.
    expect(budgetSpacing(at('10', -5000), START)).toMatchObject({ kind: 'low', gapMs: 0 })
    expect(
      budgetSpacing(at('10', 100_000), START, { lowRemaining: 5, maxSpreadMs: 60_000 })
    ).toEqual({ kind: 'enough' })
  })
})

describe('withDefaults', () => {
  it('keeps every default an override leaves out or leaves undefined', () => {
    expect(withDefaults({})).toEqual(DEFAULTS)
    expect(withDefaults({ maxRequestMs: undefined, readConcurrency: 2 })).toEqual({
      ...DEFAULTS,
      readConcurrency: 2
    })
    expect(DEFAULTS).toEqual({
      readConcurrency: 4,
      maxFaultRetries: 4,
      maxRequestMs: 120_000,
      maxRateLimitRetries: 5,
      primaryWaitBudgetMs: 600_000,
      faultBaseMs: 1000,
      secondaryDefaultMs: 60_000,
      lowRemaining: 50,
      maxSpreadMs: 60_000
    })
  })
})

// ---------------------------------------------------------------------------------------------
// The stateful policy.

interface FakeClock extends Clock {
  readonly waits: { at: number; ms: number }[]
  /** Runs inside a sleep, before the clock moves. */
  onSleep?: (ms: number) => Promise<void> | void
  advance(ms: number): void
}

/** `now()` is a counter; `sleep(ms)` records the wait and moves the counter to its end. */
function fakeClock(): FakeClock {
  let t = START
  const clock: FakeClock = {
    waits: [],
    now: () => t,
    async sleep(ms) {
      const wait = { at: t, ms: Math.max(0, ms) }
      clock.waits.push(wait)
      await clock.onSleep?.(wait.ms)
      t = Math.max(t, wait.at + wait.ms)
    },
    advance(ms) {
      t += ms
    }
  }
  return clock
}

/** One scripted answer: a response, or a throw. */
type Answer = (call: ApiCall) => ApiResponse<unknown> | Promise<ApiResponse<unknown>>

const ok =
  (headers: Record<string, string> = {}, status = 200): Answer =>
  () => ({ status, headers, data: { ok: true } })
const fail =
  (status: number | undefined, message = 'm', headers: Record<string, string> = {}): Answer =>
  call => {
    throw new ApiError(describeCall(call), status, message, headers)
  }
const secondary = (retryAfter = '30') => fail(403, SECONDARY, { 'retry-after': retryAfter })

/**
 * A transport answering from a script: each request takes the next answer listed for its
 * "METHOD /route", and 200 when none is left. It records what was sent, and when.
 */
function scripted(clock: FakeClock, script: Record<string, Answer[]> = {}) {
  const sent: { call: ApiCall; at: number }[] = []
  const transport = async (call: ApiCall): Promise<ApiResponse<unknown>> => {
    sent.push({ call, at: clock.now() })
    const answer = script[`${call.method} ${call.route}`]?.shift() ?? ok()
    return answer(call)
  }
  /** "METHOD /route +ms" for each request sent, ms after START. */
  const log = () => sent.map(s => `${s.call.method} ${s.call.route} +${s.at - START}`)
  return { transport, sent, log }
}

function setup(script: Record<string, Answer[]> = {}, options: Partial<PolicyOptions> = {}) {
  const clock = fakeClock()
  const lines: string[] = []
  const fake = scripted(clock, script)
  const send = createPolicy({
    writeIntervalMs: 1000,
    clock,
    random: () => 0,
    log: line => lines.push(line),
    ...options
  })(fake.transport)
  const get = (route: string) => send({ method: 'GET', route, params: {} })
  const post = (route: string) => send({ method: 'POST', route, params: { data: { n: 1 } } })
  const del = (route: string) => send({ method: 'DELETE', route, params: {} })
  return { clock, lines, ...fake, send, get, post, del }
}

/** Lets every promise that can settle settle (no timer involved). */
const settle = () => new Promise(resolve => setImmediate(resolve))

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a rejection')
}

afterEach(() => {
  jest.restoreAllMocks()
})

describe('pacing', () => {
  it('writes go one at a time, each writeIntervalMs after the previous one ended', async () => {
    const took =
      (ms: number): Answer =>
      () => {
        p.clock.advance(ms)
        return { status: 201, headers: {}, data: {} }
      }
    const p = setup({ 'POST /a': [took(300)], 'POST /b': [took(300)], 'POST /c': [took(300)] })
    await Promise.all([p.post('/a'), p.post('/b'), p.post('/c')])
    expect(p.log()).toEqual(['POST /a +0', 'POST /b +1300', 'POST /c +2600'])
    expect(p.clock.waits.map(w => w.ms)).toEqual([1000, 1000])
  })

  it('a write after a failed write still waits its interval', async () => {
    const p = setup({ 'DELETE /a': [fail(422)] })
    expect(await rejection(p.del('/a'))).toBeInstanceOf(ApiError)
    await p.del('/b')
    expect(p.log()).toEqual(['DELETE /a +0', 'DELETE /b +1000'])
  })

  it('reads overlap, at most readConcurrency at once, and do not wait for writes', async () => {
    let inFlight = 0
    let most = 0
    const release: (() => void)[] = []
    const held: Answer = async () => {
      most = Math.max(most, ++inFlight)
      await new Promise<void>(resolve => release.push(resolve))
      inFlight--
      return { status: 200, headers: {}, data: {} }
    }
    const p = setup({ 'GET /r': Array.from({ length: 10 }, () => held) }, { readConcurrency: 3 })
    const reads = Array.from({ length: 10 }, () => p.get('/r'))
    await settle()
    expect(p.sent).toHaveLength(3)
    // A write goes while the reads are held.
    await p.post('/w')
    expect(p.log().at(-1)).toBe('POST /w +0')
    release.shift()!()
    await settle()
    expect(p.sent.filter(s => s.call.route === '/r')).toHaveLength(4)
    while (release.length > 0) {
      release.shift()!()
      await settle()
    }
    await Promise.all(reads)
    expect(p.sent.filter(s => s.call.route === '/r')).toHaveLength(10)
    expect(most).toBe(3)
    expect(p.clock.waits).toEqual([])
  })

  it('below 50 requests left, requests are spaced over the time to the reset, said once', async () => {
    const low = { 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': resetIn(100_000) }
    const lower = { 'x-ratelimit-remaining': '9', 'x-ratelimit-reset': resetIn(100_000) }
    const p = setup({ 'GET /a': [ok(low), ok(lower)] })
    await p.get('/a')
    await p.get('/a')
    await p.get('/b')
    expect(p.log()).toEqual(['GET /a +0', 'GET /a +10000', 'GET /b +20000'])
    expect(p.lines).toEqual([
      'Only 10 API requests left until 2026-03-02T09:01:40.000Z: spacing requests 10 s apart.'
    ])
  })
})

describe('rate limits', () => {
  it('a secondary limit pauses every request, the ones started during the pause too', async () => {
    const p = setup({ 'GET /a': [secondary('30')] })
    const later: Promise<unknown>[] = []
    p.clock.onSleep = () => {
      p.clock.onSleep = undefined
      later.push(p.get('/b'), p.post('/c'))
    }
    await p.get('/a')
    await Promise.all(later)
    expect(p.log()[0]).toBe('GET /a +0')
    expect(p.log().slice(1).sort()).toEqual(['GET /a +30000', 'GET /b +30000', 'POST /c +30000'])
    expect(p.lines).toEqual([
      'GET /a: secondary rate limit (403); pausing all requests for 30 s (wait 1 of 5).'
    ])
  })

  it('repeated secondary limits back off exponentially with jitter', async () => {
    const p = setup(
      { 'PUT /a': [secondary('10'), secondary('10'), secondary('10')] },
      { random: () => 0.5 }
    )
    await p.send({ method: 'PUT', route: '/a', params: {} })
    expect(p.log()).toEqual(['PUT /a +0', 'PUT /a +10500', 'PUT /a +31000', 'PUT /a +71500'])
  })

  it('gives up after maxRateLimitRetries limits and sends nothing more', async () => {
    const p = setup(
      { 'GET /a': Array.from({ length: 10 }, () => secondary('1')) },
      { maxRateLimitRetries: 2 }
    )
    const e = await rejection(p.get('/a'))
    expect(e).toBeInstanceOf(ApiError)
    expect(e.message).toBe(
      `GET /a answered 403: ${SECONDARY} (still limited after 2 waits; GitHub asks integrations to slow down: try again later, or raise 'write-interval')`
    )
    expect(p.sent).toHaveLength(3)
    const next = await rejection(p.post('/b'))
    expect(next).toBeInstanceOf(NotSentError)
    expect(next.message).toBe(
      "POST /b was not sent: GitHub's secondary rate limit stopped this run at GET /a"
    )
    p.clock.advance(24 * 3_600_000)
    expect(await rejection(p.get('/c'))).toBeInstanceOf(NotSentError)
    expect(p.sent).toHaveLength(3)
  })

  it('a primary limit that resets soon is waited for', async () => {
    const limited = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetIn(30_000) }
    const p = setup({ 'GET /a': [fail(403, 'API rate limit exceeded', limited)] })
    await p.get('/a')
    expect(p.log()).toEqual(['GET /a +0', 'GET /a +31000'])
    expect(p.lines).toEqual([
      'GET /a: rate limit exhausted; waiting 31 s for the reset at 2026-03-02T09:00:30.000Z.'
    ])
  })

  it('a primary limit that resets far away: no wait, nothing more sent until the reset', async () => {
    const limited = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetIn(3_600_000) }
    const p = setup({ 'GET /a': [fail(429, 'API rate limit exceeded', limited)] })
    const e = await rejection(p.get('/a'))
    expect(e.message).toBe(
      'GET /a answered 429: API rate limit exceeded (the rate limit resets at 2026-03-02T10:00:00.000Z, more than 600 s from now: not waiting; run again after the reset)'
    )
    expect(await rejection(p.get('/b'))).toBeInstanceOf(NotSentError)
    expect(p.clock.waits).toEqual([])
    p.clock.advance(3_600_000)
    await p.get('/b')
    expect(p.log()).toEqual(['GET /a +0', 'GET /b +3600000'])
  })

  it('an answer saying none are left: the next request waits for a near reset', async () => {
    const p = setup({
      'GET /a': [ok({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetIn(20_000) })]
    })
    await p.get('/a')
    await p.get('/b')
    expect(p.log()).toEqual(['GET /a +0', 'GET /b +21000'])
    expect(p.lines).toEqual([
      'No API requests left: waiting 21 s for the reset at 2026-03-02T09:00:20.000Z.'
    ])
  })

  it('an answer saying none are left until a far reset: later requests are not sent', async () => {
    const p = setup({
      'GET /a': [ok({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetIn(3_600_000) })]
    })
    await p.get('/a')
    const e = await rejection(p.get('/b'))
    expect(e).toBeInstanceOf(NotSentError)
    expect(e.message).toBe(
      'GET /b was not sent: the API rate limit is used up until 2026-03-02T10:00:00.000Z, more than 600 s from now; run again after the reset'
    )
    expect(p.sent).toHaveLength(1)
  })
})

describe('faults and answers', () => {
  it('faults are retried with backoff up to maxFaultRetries, then the error stands', async () => {
    const p = setup({ 'GET /a': Array.from({ length: 9 }, () => fail(502, 'Bad Gateway')) })
    const e = (await rejection(p.get('/a'))) as ApiError
    expect(e.message).toBe('GET /a answered 502: Bad Gateway')
    expect(p.sent).toHaveLength(5)
    expect(p.clock.waits.map(w => w.ms)).toEqual([500, 1000, 2000, 4000])
    expect(p.lines[0]).toBe('GET /a: 502; retrying in 0.5 s (retry 1 of 4).')
  })

  it('answers are not retried; final errors and errors of another kind are thrown as they are', async () => {
    const final: Answer = call => {
      throw new ApiError(describeCall(call), undefined, 'not built', {}, [], { final: true })
    }
    const bug = new TypeError('a bug')
    const p = setup({
      'GET /a': [fail(404, 'Not Found')],
      'GET /b': [final],
      'GET /c': [
        () => {
          throw bug
        }
      ]
    })
    expect((await rejection(p.get('/a'))).message).toBe('GET /a answered 404: Not Found')
    expect((await rejection(p.get('/b'))).message).toBe('GET /b was not sent: not built')
    expect(await rejection(p.get('/c'))).toBe(bug)
    expect(p.sent).toHaveLength(3)
    expect(p.clock.waits).toEqual([])
  })

  it('a DELETE repeated after a fault that finds nothing was applied by the first attempt', async () => {
    const p = setup({
      'DELETE /a': [fail(undefined, 'other side closed'), fail(404, 'Not Found')],
      'DELETE /b': [fail(404, 'Not Found')]
    })
    expect(await p.del('/a')).toEqual({ status: 204, headers: {}, data: undefined })
    expect(p.lines.at(-1)).toBe('DELETE /a: already deleted by the earlier attempt.')
    // A first DELETE that finds nothing is an answer.
    expect((await rejection(p.del('/b'))).message).toBe('DELETE /b answered 404: Not Found')
  })
})

describe('recovery before repeating a write', () => {
  const found = { status: 201, headers: {}, data: { id: 7 } }

  it('is called before repeating a write that may have been applied, and its answer ends the request', async () => {
    const recover = jest.fn(async (_call: ApiCall) => found)
    const p = setup({ 'POST /r': [fail(502)] }, { recover })
    expect(await p.post('/r')).toBe(found)
    expect(recover).toHaveBeenCalledTimes(1)
    expect(p.log()).toEqual(['POST /r +0'])
    expect(p.lines.at(-1)).toBe(
      'POST /r: GitHub had applied the earlier attempt; not sending it again.'
    )
  })

  it('finding nothing, the write is sent again; each fault earns one read-back', async () => {
    const order: string[] = []
    const recover = jest.fn(async (call: ApiCall) => {
      order.push(`recover ${describeCall(call)}`)
      return undefined
    })
    const p = setup({ 'POST /r': [fail(undefined, 'reset'), fail(503)] }, { recover })
    await p.post('/r')
    expect(p.log()).toEqual(['POST /r +0', 'POST /r +500', 'POST /r +1500'])
    expect(recover).toHaveBeenCalledTimes(2)
    expect(order).toEqual(['recover POST /r', 'recover POST /r'])
  })

  it('is not called after a rate-limit refusal, nor for a read, nor on the first attempt', async () => {
    const recover = jest.fn(async (_call: ApiCall) => found)
    const p = setup({ 'POST /r': [secondary('1')], 'GET /g': [fail(500)] }, { recover })
    expect((await p.post('/r')).data).toEqual({ ok: true })
    await p.get('/g')
    expect(recover).not.toHaveBeenCalled()
    expect(p.log()).toEqual(['POST /r +0', 'POST /r +1000', 'GET /g +1000', 'GET /g +1500'])
  })
})

describe('one request takes bounded time across its retries', () => {
  it('each attempt is cut at what remains, and no retry starts whose backoff would pass the bound', async () => {
    const timeouts = jest.spyOn(AbortSignal, 'timeout')
    const slow: Answer = call => {
      p.clock.advance(30_000)
      expect(call.params.request?.signal).toBeInstanceOf(AbortSignal)
      throw new ApiError(
        describeCall(call),
        undefined,
        'The operation was aborted due to timeout',
        {}
      )
    }
    const p = setup({ 'GET /a': [slow, slow, slow] }, { maxRequestMs: 61_000 })
    const e = await rejection(p.get('/a'))
    // 30 s, 0.5 s backoff, 30 s; the next backoff (1 s) would reach 61.5 s.
    expect(timeouts.mock.calls.map(c => c[0])).toEqual([61_000, 30_500])
    expect(p.log()).toEqual(['GET /a +0', 'GET /a +30500'])
    expect(e.message).toBe(
      'GET /a failed without a response: no response (The operation was aborted due to timeout); gave up after 2 attempt(s), since one request may take at most 61 s across its retries. GitHub or the network did not answer in time: run again later'
    )
    expect(e.cause).toBeInstanceOf(ApiError)
  })

  it('rate-limit waits do not count against it', async () => {
    const p = setup({ 'GET /a': [secondary('100'), fail(500)] }, { maxRequestMs: 5000 })
    await p.get('/a')
    expect(p.log()).toEqual(['GET /a +0', 'GET /a +100000', 'GET /a +100500'])
  })
})
