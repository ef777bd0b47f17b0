/**
 * In-process sync runs against the emulator, with a clock the test controls.
 *
 *   const clock = createFakeClock()                    // now() is a counter; sleep() moves it
 *   const h = await startHarness({ clock, origin: origin.dir, workspace: work.dir, sha })
 *   h.emu.injectFault({ method: 'POST', path: h.resourcesPath, status: 502 })
 *   const run = await runSync(h, { settings: { resourceType: 'free_text' } })
 *   run.waits     // every sleep the request policy took, in fake milliseconds
 *   run.log       // the log lines sync() wrote, and what @actions/core printed (::warning:: …)
 *   run.requests  // the emulator's log of this run
 *   await h.close()
 *
 * The emulator shares the clock (`startEmulator({ now: () => clock.now() })`), so its
 * secondary-limit window, `x-ratelimit-reset` and the log's `startedAt` move with the waits
 * the action takes, and nothing ever really sleeps.
 */
import { afterEach, expect } from '@jest/globals'
import type { Exchange } from '../../emulator/exchange.js'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js'
import type { Outcome } from '../../src/sync/apply.js'
import type { SpaceRef } from '../../src/github/client.js'
import { compileGlobs } from '../../src/repository/globs.js'
import type { Settings } from '../../src/run/inputs.js'
import type { RunContext } from '../../src/run/context.js'
import { sync, type SyncResult } from '../../src/run/main.js'
import type { Clock } from '../../src/github/policy.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ORG, REPO, REPO_ID, TOKEN, USER } from './constants.js'
import { contractViolations } from './github.js'

// Re-exported for the suites that import them from here.
export { ORG, REPO, REPO_ID, TOKEN, USER }
/** The fake clock's default start: a whole second, so `x-ratelimit-reset` arithmetic is exact. */
export const START = Date.UTC(2026, 2, 2, 9, 0, 0)

export interface Wait {
  /** The fake time the sleep began. */
  at: number
  ms: number
}

export interface FakeClock extends Clock {
  /** Every sleep so far, in order. */
  readonly waits: Wait[]
  /**
   * Called inside a sleep before the clock moves: a test can act "during" a wait (start a
   * request, look at the log) and the sleeper stays asleep until the hook returns.
   */
  onSleep?: (wait: Wait) => Promise<void> | void
  /** Move the clock without a sleep (time passing between two runs). */
  advance(ms: number): void
}

/**
 * `now()` returns a counter; `sleep(ms)` records the wait and moves the counter to its end at
 * once. Sleeps that overlap (a paused write and a read waiting on the same pause) end at the
 * later of their ends, as they would on a real clock, rather than adding up.
 */
export function createFakeClock(start = START): FakeClock {
  let t = start
  const clock: FakeClock = {
    waits: [],
    now: () => t,
    async sleep(ms: number) {
      const wait = { at: t, ms: Math.max(0, ms) }
      clock.waits.push(wait)
      if (clock.onSleep) await clock.onSleep(wait)
      t = Math.max(t, wait.at + wait.ms)
    },
    advance(ms: number) {
      t += ms
    }
  }
  return clock
}

export interface HarnessOptions {
  /** The repository GitHub serves (a bare origin): the emulator reads trees, blobs and compares from it. */
  origin: string
  /** GITHUB_WORKSPACE by default: a checkout, or `noCheckout()`. */
  workspace: string
  /** GITHUB_SHA by default. */
  sha: string
  clock?: FakeClock
  emulator?: Omit<EmulatorOptions, 'now'>
}

export interface Harness {
  emu: Emulator
  clock: FakeClock
  space: number
  ref: SpaceRef
  /** The URL path of the Space's resources, for `injectFault({ path })`. */
  resourcesPath: string
  /** The URL path of one resource. */
  resourcePath(id: number): string
  defaults: { workspace: string; sha: string }
  close(): Promise<void>
}

/** An emulator on the fake clock with one org, a token that may write to it, the repository and an empty Space. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const clock = options.clock ?? createFakeClock()
  const emu = await startEmulator({ ...options.emulator, now: () => clock.now() })
  emu.addOrg(ORG)
  emu.addUser(USER)
  emu.addToken(TOKEN, { login: USER, access: { [ORG]: 'write' } })
  emu.addRepo({ owner: ORG, name: REPO, id: REPO_ID, dir: options.origin })
  const space = emu.createSpace('org', ORG, { name: 'Docs' }).number
  const resourcesPath = `/orgs/${ORG}/copilot-spaces/${space}/resources`
  return {
    emu,
    clock,
    space,
    ref: { ownerType: 'org', owner: ORG, number: space },
    resourcesPath,
    resourcePath: id => `${resourcesPath}/${id}`,
    defaults: { workspace: options.workspace, sha: options.sha },
    close: () => emu.close()
  }
}

/**
 * Harnesses for the tests of a suite: `start(options)` opens one (options over `defaults()`);
 * after each test every harness it opened is closed, and every request it saw is checked
 * against GitHub's description (faulted answers are exempt).
 */
export function harnessPerTest(
  defaults: () => HarnessOptions
): (options?: Partial<HarnessOptions>) => Promise<Harness> {
  const open: Harness[] = []
  afterEach(async () => {
    const done = open.splice(0)
    for (const harness of done) await harness.close()
    for (const harness of done) expect(contractViolations(harness.emu.requests)).toEqual([])
  })
  return async options => {
    const harness = await startHarness({ ...defaults(), ...options })
    open.push(harness)
    return harness
  }
}

/** A workspace directory that does not exist: the action reads the repository through the API. */
export function noCheckout(): string {
  return join(tmpdir(), `css-no-checkout-${process.pid}-does-not-exist`)
}

export interface SyncInput {
  /** The `files` input, one glob a line (default `**\/*.md`). */
  files?: string
  settings?: Partial<Omit<Settings, 'globs'>>
  ctx?: Partial<RunContext>
  /** Jitter source for the run's request policy, in [0, 1) (Math.random when absent). */
  random?: () => number
}

export function buildSettings(h: Harness, input: SyncInput = {}): Settings {
  return {
    token: TOKEN,
    owner: ORG,
    ownerType: 'org',
    spaceNumber: h.space,
    createSpace: false,
    spaceSettings: {},
    ownership: 'files',
    resourceType: 'github_file',
    sync: 'auto',
    prune: true,
    pin: true,
    dryRun: false,
    apiUrl: h.emu.url,
    namePrefix: '',
    writeIntervalMs: 0,
    maxDeletions: 50,
    // One request per resource unless a test batches: most tests count requests per path.
    batchSize: 1,
    releaseNotes: 0,
    comment: false,
    warnings: [],
    ...input.settings,
    globs: compileGlobs(input.files ?? '**/*.md')
  }
}

export function buildContext(h: Harness, input: SyncInput = {}): RunContext {
  return {
    eventName: 'workflow_dispatch',
    payload: { repository: { id: REPO_ID, name: REPO, full_name: `${ORG}/${REPO}` } },
    sha: h.defaults.sha,
    repoOwner: ORG,
    repoName: REPO,
    workspace: h.defaults.workspace,
    serverUrl: 'https://github.com',
    apiUrl: h.emu.url,
    workflow: 'Copilot Space',
    runUrl: `https://github.com/${ORG}/${REPO}/actions/runs/1`,
    ...input.ctx
  }
}

export interface SyncRun {
  result?: SyncResult
  /** What sync() threw, if it did. */
  error?: Error
  outcomes: Outcome[]
  failed: Outcome[]
  /** sync()'s log lines, then anything @actions/core printed meanwhile (::group::, ::warning::). */
  log: string[]
  /** The sleeps taken during the run. */
  waits: Wait[]
  /** The emulator's log of the run (of every run, when runs overlap). */
  requests: Exchange[]
  /** Real time the run took. */
  wallMs: number
}

// @actions/core prints to stdout; while runs are in flight, that goes to their logs instead.
const sinks = new Set<string[]>()
let originalWrite: typeof process.stdout.write | undefined

function captureStdout(sink: string[]): () => void {
  if (sinks.size === 0) {
    originalWrite = process.stdout.write
    process.stdout.write = ((chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
      for (const s of sinks) s.push(...text.split(/\r?\n/).filter(l => l !== ''))
      return true
    }) as typeof process.stdout.write
  }
  sinks.add(sink)
  return () => {
    sinks.delete(sink)
    if (sinks.size === 0 && originalWrite) {
      process.stdout.write = originalWrite
      originalWrite = undefined
    }
  }
}

/** Run sync() in-process with the harness's clock and collect what it did. */
export async function runSync(h: Harness, input: SyncInput = {}): Promise<SyncRun> {
  const log: string[] = []
  const printed: string[] = []
  const firstWait = h.clock.waits.length
  const firstRequest = h.emu.requests.length
  const started = performance.now()
  const release = captureStdout(printed)
  let result: SyncResult | undefined
  let error: Error | undefined
  try {
    result = await sync(buildSettings(h, input), buildContext(h, input), {
      clock: h.clock,
      log: line => log.push(line),
      random: input.random
    })
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e))
  } finally {
    release()
  }
  const outcomes = result?.outcomes ?? []
  // Secrets: nothing a run shows (log, output, outcome reasons, errors) may hold the token.
  const token = input.settings?.token ?? TOKEN
  const shown = [...log, ...printed, error?.message ?? '', ...outcomes.map(o => o.reason ?? '')]
  if (shown.some(line => line.includes(token))) {
    throw new Error(
      `the token appeared in what the run showed:\n${shown.filter(l => l.includes(token)).join('\n')}`
    )
  }
  return {
    result,
    error,
    outcomes,
    failed: outcomes.filter(o => o.action === 'failed'),
    log: [...log, ...printed],
    waits: h.clock.waits.slice(firstWait),
    requests: h.emu.requests.slice(firstRequest),
    wallMs: performance.now() - started
  }
}

/** `METHOD route` with the Space's prefix cut: `POST /resources`, `DELETE /resources/{id}`. */
export function shortRoute(e: Pick<Exchange, 'method' | 'route' | 'path'>): string {
  const route = (e.route ?? e.path)
    .replace(/^\/(orgs\/\{org\}|users\/\{username\})\/copilot-spaces\/\{space_number\}/, '')
    .replace('{space_resource_id}', '{id}')
  return `${e.method} ${route}`
}

/** Requests counted by `shortRoute`. */
export function routeCounts(requests: readonly Exchange[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const r of requests) counts[shortRoute(r)] = (counts[shortRoute(r)] ?? 0) + 1
  return counts
}

export const isWrite = (e: Exchange) => e.method !== 'GET'

/** The resource ids that writes (faulted ones included) were sent to. */
export function writtenIds(requests: readonly Exchange[]): number[] {
  return requests
    .filter(r => isWrite(r) && r.route?.endsWith('{space_resource_id}'))
    .map(r => Number(r.path.split('/').pop()))
}
