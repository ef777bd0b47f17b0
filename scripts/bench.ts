/**
 * `npm run bench`: the action's scale targets, each measured once in this run, in one table.
 *
 * Every case but the planner one runs the committed dist/index.js through scripts/runner.ts, as
 * the Actions runner does, against the emulator with GitHub's content-creation secondary limits
 * on (80 writes a minute, 500 an hour). Requests are counted from the emulator's log (GET = read,
 * anything else = write); wall time is the action's process from spawn to exit; peak RSS is the
 * action process's `maxRSS`, written at exit by scripts/rss-probe.cjs (preloaded with
 * NODE_OPTIONS). Repositories and Spaces are seeded directly (git fast-import, the emulator's
 * seeding API); that setup is timed apart and not reported against any target.
 *
 * A missed target is a finding: it prints MISSED and the bench still exits 0. A run of the action
 * that fails (non-zero exit) is not expected anywhere: its row says FAILED and the exit code is 1.
 */
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { promisify } from 'node:util'
import {
  cloneRepo,
  createBareRepo,
  createOrigin,
  removeRepos,
  type FileEdits,
  type TestRepo
} from '../__tests__/helpers/git-repo.js'
import {
  API_VERSION,
  CODELOAD_PATH,
  CONTENT_CREATION_LIMITS,
  startEmulator,
  type Exchange
} from '../emulator/index.js'
import type { OwnedResource } from '../src/space/resource.js'
import { plan, type PlanInput } from '../src/sync/plan.js'
import { PROJECT_ROOT, runAction, type ActionRun } from './runner.js'

const ORG = 'octo-org'
const TOKEN = 'ghp_bench0000000000000000000000000000'
/** The job's GITHUB_TOKEN, for the preview comment. */
const JOB_TOKEN = 'ghs_benchjob000000000000000000000000000'
const PROBE = join(PROJECT_ROOT, 'scripts', 'rss-probe.cjs')
const TYPES = ['github_file', 'free_text'] as const
const BATCH = 100 // the batch-size input's default
const MIB = 300

const benchStart = performance.now()
let setupMs = 0
let runsMs = 0

/**
 * Scratch space (repositories, checkouts, the runner's temp files): BENCH_TMPDIR, else /dev/shm
 * when there is one. Writing and deleting 100,000 files on a slow disk takes minutes of setup
 * (not measured, but it doubled the bench); the action's own reads come from the page cache
 * either way.
 */
const scratch = process.env.BENCH_TMPDIR ?? (isWritableDir('/dev/shm') ? '/dev/shm' : undefined)
if (scratch) process.env.TMPDIR = scratch
const temp = mkdtempSync(join(tmpdir(), 'bench-'))

function isWritableDir(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK)
    return statSync(dir).isDirectory()
  } catch {
    return false
  }
}

/** BENCH_CASES=4,6 measures only those cases (for working on the bench; the default is all). */
const only = process.env.BENCH_CASES
  ? new Set(process.env.BENCH_CASES.split(',').map(Number))
  : undefined
const wanted = (...sections: number[]) => !only || sections.some(s => only.has(s))

/** A line on stderr, so that a long bench shows where it is; the table goes to stdout. */
function progress(line: string): void {
  const seconds = ((performance.now() - benchStart) / 1000).toFixed(0).padStart(4)
  process.stderr.write(`[${seconds} s] ${line}\n`)
}

/** Setup work (repositories, checkouts, seeding), timed apart from the action's runs. */
let inSetup = false
function setup<T>(label: string, work: () => T): T {
  if (inSetup) return work()
  const started = performance.now()
  inSetup = true
  try {
    return work()
  } finally {
    inSetup = false
    const ms = performance.now() - started
    setupMs += ms
    if (ms > 1000) progress(`setup: ${label} took ${n(Math.round(ms))} ms`)
  }
}

/** `setup` for work that waits (a request to the emulator). */
async function setupAsync<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now()
  try {
    return await work()
  } finally {
    const ms = performance.now() - started
    setupMs += ms
    if (ms > 1000) progress(`setup: ${label} took ${n(Math.round(ms))} ms`)
  }
}

// ---------------------------------------------------------------------------------------------
// The table

/** `pass`, `MISSED (what)`, `info` (a figure with no target) or `FAILED` (the run failed). */
type Result = string

interface Row {
  section: number
  name: string
  requests: string
  ms: string
  rss: string
  detail: string
  target: string
  result: Result
}

const rows: Row[] = []
const failures: string[] = []

const n = (x: number) => x.toLocaleString('en-US')
/** `pass`, or `MISSED` naming each check that failed. */
function verdict(checks: Record<string, boolean>): Result {
  const missed = Object.entries(checks)
    .filter(([, ok]) => !ok)
    .map(([what]) => what)
  return missed.length === 0 ? 'pass' : `MISSED (${missed.join(', ')})`
}

// ---------------------------------------------------------------------------------------------
// Repositories

interface Repo {
  name: string
  id: number
  origin: TestRepo
}

const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com'
}

/** The repository's payload object, as a real event carries it. */
function repository(r: Repo) {
  return { id: r.id, name: r.name, full_name: `${ORG}/${r.name}`, default_branch: 'main' }
}

/** The checkouts made, removed with rm -rf at the end (Node's rmSync takes minutes on 100,000 files). */
const checkouts: string[] = []

/** What actions/checkout leaves: a depth-1 clone with `sha` checked out. */
function checkoutAt(r: Repo, sha: string): string {
  return setup(`checkout of ${r.name} at ${sha.slice(0, 7)}`, () => {
    const c = cloneRepo(r.origin.url, { depth: 1, noCheckout: true })
    checkouts.push(c.dir)
    c.git('fetch', '-q', '--depth=1', 'origin', sha)
    c.git('checkout', '-q', '--detach', sha)
    return c.dir
  })
}

/** An empty workspace: a job without actions/checkout. */
function noCheckout(): string {
  return mkdtempSync(join(temp, 'workspace-'))
}

/**
 * A bare repository with one commit per entry of `commits`, on main, built without a work tree:
 * the blobs through git fast-import, each commit's tree from an index (fast-import itself is
 * slow on folders of 1,000 files).
 */
function importRepo(commits: { files: Record<string, string>; deleted?: string[] }[]): {
  origin: TestRepo
  shas: string[]
} {
  const origin = createBareRepo()
  const git = (args: string[], input?: string, env: NodeJS.ProcessEnv = {}) =>
    execFileSync('git', args, {
      cwd: origin.dir,
      input,
      env: {
        ...GIT_ENV,
        GIT_INDEX_FILE: join(temp, `index-${origin.dir.split('/').pop()}`),
        ...env
      },
      maxBuffer: 256 * 1024 * 1024
    })
      .toString()
      .trim()
  const blobs: string[] = []
  const shas: string[] = []
  for (const [i, c] of commits.entries()) {
    const entries = Object.entries(c.files).map(([path, content]) => {
      const size = Buffer.byteLength(content)
      blobs.push(`blob\ndata ${size}\n${content}\n`)
      const sha = createHash('sha1').update(`blob ${size}\0${content}`).digest('hex')
      return `100644 ${sha}\t${path}\n`
    })
    git(['fast-import', '--quiet'], blobs.splice(0).join(''))
    // Mode 0 removes a path from the index.
    const removed = (c.deleted ?? []).map(path => `0 ${'0'.repeat(40)}\t${path}\n`)
    git(['update-index', '--add', '--index-info'], [...removed, ...entries].join(''))
    const date = `@${1767225600 + i * 60} +0000`
    const parent = shas.length > 0 ? ['-p', shas.at(-1)!] : []
    const commit = git(
      ['commit-tree', git(['write-tree']), ...parent, '-m', `commit ${i + 1}`],
      undefined,
      { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }
    )
    shas.push(commit)
  }
  git(['update-ref', 'refs/heads/main', shas.at(-1)!])
  return { origin, shas }
}

const page = (i: number) => `docs/page-${String(i).padStart(4, '0')}.md`
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)
const edit = (pages: number[], label: string): FileEdits =>
  Object.fromEntries(pages.map(i => [page(i), `# Page ${i}\n\nEdited in ${label}.\n`]))

// ---------------------------------------------------------------------------------------------
// Runs

const emu = await startEmulator({
  secondaryRateLimit: CONTENT_CREATION_LIMITS,
  // GitHub's primary budget is per hour; this bench packs many runs into a few minutes, so the
  // budget is raised so as not to charge one case for another's reads. Reads are counted per case.
  rateLimit: { limit: 100_000 }
})
emu.addOrg(ORG)
emu.addToken(TOKEN, { login: 'octocat', access: { [ORG]: 'write' } })
emu.addToken(JOB_TOKEN, {
  login: 'github-actions[bot]',
  kind: 'installation',
  access: { [ORG]: 'write' }
})

function newSpace(name: string): number {
  return emu.createSpace('org', ORG, { name }).number
}

function seedGithubFiles(space: number, r: Repo, paths: readonly string[], sha?: string): void {
  setup(`seeding ${n(paths.length)} resources`, () => {
    for (const file_path of paths) {
      emu.addResource('org', ORG, space, {
        resource_type: 'github_file',
        metadata: { repository_id: r.id, file_path, ...(sha ? { sha } : {}) }
      })
    }
  })
}

interface Measured {
  run: ActionRun
  reads: number
  writes: number
  spaceReads: number
  spaceWrites: number
  /** When each write reached the emulator (ms). */
  writeTimes: number[]
  ms: number
  rssMiB: number | undefined
  /** The reads by endpoint, e.g. `git/trees/{tree_sha} ×103, users/{username} ×1`. */
  readsBy: string
  /** How long at least one of the run's requests was in the emulator's hands. */
  serverMs: number
}

class RunFailed extends Error {}

let runs = 0
async function measure(o: {
  repo: Repo
  sha: string
  eventName: string
  payload?: Record<string, unknown>
  workspace: string
  with: Record<string, string>
  /** `github.token`, for the preview comment. */
  githubToken?: string
}): Promise<Measured> {
  const rssFile = join(temp, `rss-${++runs}`)
  emu.clearLog()
  const run = await runAction({
    with: { token: TOKEN, ...o.with },
    eventName: o.eventName,
    payload: { repository: repository(o.repo), ...o.payload },
    workspace: o.workspace,
    sha: o.sha,
    repository: `${ORG}/${o.repo.name}`,
    apiUrl: emu.url,
    githubToken: o.githubToken,
    // BENCH_NODE_OPTIONS adds options for the action's process, e.g. `--cpu-prof` to profile it.
    env: {
      NODE_OPTIONS: `--require ${JSON.stringify(PROBE)} ${process.env.BENCH_NODE_OPTIONS ?? ''}`,
      RSS_PROBE_FILE: rssFile
    },
    timeoutMs: 240_000
  })
  runsMs += run.durationMs
  const log: Exchange[] = emu.requests.slice()
  emu.clearLog()
  if (run.code !== 0) {
    const lines = `${run.stdout}\n${run.stderr}`.trim().split('\n')
    const error = lines.find(l => l.startsWith('::error'))?.replace(/^::error[^:]*::/, '') ?? ''
    throw new RunFailed(
      `the action exited with ${run.code} after ${run.durationMs} ms: ${error.slice(0, 300)}\n` +
        lines.slice(-15).join('\n')
    )
  }
  const writes = log.filter(r => r.method !== 'GET')
  progress(
    `  ran in ${n(run.durationMs)} ms: ${n(log.length - writes.length)} reads, ${n(writes.length)} writes`
  )
  const space = log.filter(r => r.path.includes('/copilot-spaces'))
  const spaceWrites = space.filter(r => r.method !== 'GET').length
  return {
    run,
    reads: log.length - writes.length,
    writes: writes.length,
    spaceReads: space.length - spaceWrites,
    spaceWrites,
    writeTimes: writes.map(r => r.startedAt),
    ms: run.durationMs,
    rssMiB: existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : undefined,
    readsBy: byEndpoint(log.filter(r => r.method === 'GET')),
    serverMs: busy(log)
  }
}

/**
 * `measure` run `times` times (no state changes between them: a no-op): the median wall time,
 * the highest peak RSS, and every wall time in `samples`. For the targets that are tight: this
 * machine's speed varies by a tenth from one minute to the next.
 */
async function measureMedian(
  o: Parameters<typeof measure>[0],
  times: number,
  before?: () => Promise<void>
): Promise<Measured & { samples: number[]; same: boolean }> {
  const runs: Measured[] = []
  for (let i = 0; i < times; i++) {
    await before?.()
    runs.push(await measure(o))
  }
  const byTime = [...runs].sort((a, b) => a.ms - b.ms)
  const median = byTime[Math.floor(times / 2)]!
  const rss = runs.map(r => r.rssMiB)
  return {
    ...median,
    rssMiB: rss.includes(undefined) ? undefined : Math.max(...(rss as number[])),
    samples: runs.map(r => r.ms),
    same: runs.every(r => r.reads === median.reads && r.writes === median.writes)
  }
}

function busy(requests: readonly Exchange[]): number {
  let total = 0
  let until = -Infinity
  for (const r of [...requests].sort((a, b) => a.startedAt - b.startedAt)) {
    total += Math.max(0, r.endedAt - Math.max(r.startedAt, until))
    until = Math.max(until, r.endedAt)
  }
  return total
}

function byEndpoint(requests: readonly Exchange[]): string {
  const count = new Map<string, number>()
  for (const r of requests) {
    const route = (r.route ?? r.path).replace(
      /^\/((repos\/\{owner\}\/\{repo\}|orgs\/\{org\})\/)?/,
      ''
    )
    count.set(route, (count.get(route) ?? 0) + 1)
  }
  return [...count].map(([route, k]) => `${route} ×${n(k)}`).join(', ')
}

/** The outputs that differ from what the case expects, as notes; empty when all agree. */
function unexpected(m: Measured, expected: Record<string, number>): string[] {
  const notes: string[] = []
  for (const [output, want] of Object.entries({ failed: 0, ...expected })) {
    const got = m.run.outputs[output]
    if (got !== String(want)) notes.push(`${output} ${got ?? '(none)'}, expected ${n(want)}`)
  }
  return notes
}

function counts(m: Measured): string {
  const o = m.run.outputs
  const parts = ['created', 'updated', 'deleted', 'unchanged', 'skipped', 'failed']
    .filter(k => o[k] !== undefined && o[k] !== '0')
    .map(k => `${k} ${n(Number(o[k]))}`)
  return parts.length > 0 ? parts.join(', ') : 'nothing to do'
}

function add(
  section: number,
  name: string,
  m: Measured | undefined,
  detail: string,
  target: string,
  result: Result
): void {
  rows.push({
    section,
    name,
    requests: m ? `${n(m.reads)} / ${n(m.writes)}` : '—',
    ms: m ? n(m.ms) : '—',
    rss: m?.rssMiB !== undefined ? m.rssMiB.toFixed(0) : '—',
    detail,
    target,
    result
  })
}

/** Runs one case; a failure (of the action or of the setup) becomes a FAILED row, not the end. */
async function attempt(section: number, name: string, body: () => Promise<void>): Promise<void> {
  if (!wanted(section)) return
  progress(`${section}. ${name.trim()}`)
  try {
    await body()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    failures.push(`${name}: ${message}`)
    rows.push({
      section,
      name,
      requests: '—',
      ms: '—',
      rss: '—',
      detail: message.split('\n')[0]!,
      target: '',
      result: 'FAILED'
    })
  }
}

/**
 * batch-size: 1 sends one request per resource; a 1,000-file sync is projected from a sample's
 * pace, once with the 1 s pacing alone and once with GitHub's limits (500 writes an hour).
 */
function project(sample: Measured, files: number) {
  const t = sample.writeTimes
  const span = (t.at(-1) ?? 0) - (t[0] ?? 0)
  const pace = t.length > 1 ? span / (t.length - 1) : 1000
  const overhead = sample.ms - span
  const times: number[] = []
  for (let i = 0; i < files; i++) {
    let at = i === 0 ? 0 : times[i - 1]! + pace
    for (const w of CONTENT_CREATION_LIMITS) {
      if (i >= w.maxWrites) at = Math.max(at, times[i - w.maxWrites]! + w.windowMs)
    }
    times.push(at)
  }
  return { pace, paced: overhead + (files - 1) * pace, limited: overhead + times[files - 1]! }
}

try {
  // ---------------------------------------------------------------------------------------------
  // Case 6 first, in this process: the planner alone, before the bench's heap grows.

  await attempt(6, '40,000 renames out of the globs, planner only', async () => {
    const RENAMES = 40_000
    const commit = 'c'.repeat(40)
    const owned: OwnedResource[] = range(0, RENAMES).map(i => ({
      id: i + 1,
      type: 'github_file',
      path: `docs/moved-${i}.md`,
      commit
    }))
    const renames = owned.map(r => ({ from: r.path, to: r.path.replace(/^docs\//, 'archive/') }))
    const input: PlanInput = {
      resourceType: 'github_file',
      commit: 'd'.repeat(40),
      namePrefix: '',
      pin: true,
      changedSince: new Map(),
      // A push: the renamed paths, both sides, are decided; their new paths are out of scope.
      desired: [],
      decide: new Set(renames.flatMap(r => [r.from, r.to])),
      renames,
      owned,
      prune: true,
      complete: true,
      inFiles: (path: string) => path.startsWith('docs/')
    }
    const started = performance.now()
    const actions = plan(input)
    const ms = performance.now() - started
    // For orientation only: the same call again, the code now compiled (not what a run sees).
    const again = performance.now()
    plan(input)
    const warmMs = performance.now() - again
    const deletes = actions.filter(a => a.kind === 'delete').length
    const notes = deletes === RENAMES ? [] : [`expected ${n(RENAMES)} deletes`]
    rows.push({
      section: 6,
      name: '40,000 renames out of the globs, planner only',
      requests: '—',
      ms: ms.toFixed(1),
      rss: '—',
      detail: [
        `plan() once, cold: ${n(actions.length)} actions, ${n(deletes)} deletes; a second call ${warmMs.toFixed(1)} ms`,
        ...notes
      ].join('; '),
      target: '≤ 200 ms',
      result: verdict({ time: ms <= 200, plan: notes.length === 0 })
    })
  })

  // ---------------------------------------------------------------------------------------------
  // A 1,000-file repository (1,000 Markdown files in scope, 50 other files) and its later pushes.

  if (wanted(1, 2, 3, 7, 8)) {
    const [small, c0, c1, c2, c3, c4, c5] = setup('1,000-file repository', () => {
      const { origin, work } = createOrigin()
      const docs = Object.fromEntries(range(0, 1000).map(i => [page(i), `# Page ${i}\n\nText.\n`]))
      const code = Object.fromEntries(
        range(0, 50).map(i => [`src/mod-${i}.ts`, `export const x${i} = 1\n`])
      )
      const shas = [
        work.commit('1,000 pages', { ...docs, ...code }),
        work.commit('edit 5', edit(range(0, 5), 'c1')),
        work.commit('edit 150', edit(range(5, 155), 'c2')),
        work.commit('edit 1,000', edit(range(0, 1000), 'c3')),
        work.commit('edit 400', edit(range(0, 400), 'c4')),
        work.commit('edit 500', edit(range(500, 1000), 'c5'))
      ] as const
      work.push()
      const repo: Repo = { name: 'bench', id: 7, origin }
      emu.addRepo({ owner: ORG, name: repo.name, id: repo.id, dir: origin.dir })
      return [repo, ...shas] as const
    })
    const allPages = range(0, 1000).map(page)

    const push = (before: string, after: string) => ({
      eventName: 'push',
      sha: after,
      payload: { before, after, ref: 'refs/heads/main', repository: repository(small) }
    })

    // Case 1: initial sync with a checkout, and batch-size: 1 on a 10-file sample for the ratio.
    for (const type of TYPES) {
      const name = `initial sync, 1,000 files, ${type}, checkout, write-interval 1`
      let batched: Measured | undefined
      await attempt(1, name, async () => {
        const m = await measure({
          repo: small,
          sha: c0,
          eventName: 'workflow_dispatch',
          workspace: checkoutAt(small, c0),
          with: {
            'space-number': String(newSpace(name)),
            'resource-type': type,
            'write-interval': '1'
          }
        })
        batched = m
        const notes = unexpected(m, { created: 1000 })
        add(
          1,
          name,
          m,
          [counts(m), ...notes].join('; '),
          '≤ 15 writes, ≤ 20,000 ms',
          verdict({ writes: m.writes <= 15, wall: m.ms <= 20_000, outputs: notes.length === 0 })
        )
      })
      const sampleName = `  same, batch-size: 1, 10-file sample, projected to 1,000`
      await attempt(1, sampleName, async () => {
        const m = await measure({
          repo: small,
          sha: c0,
          eventName: 'workflow_dispatch',
          workspace: checkoutAt(small, c0),
          with: {
            'space-number': String(newSpace(sampleName)),
            'resource-type': type,
            'write-interval': '1',
            'batch-size': '1',
            files: 'docs/page-000[0-9].md'
          }
        })
        const p = project(m, 1000)
        const s = (ms: number) => `${n(Math.round(ms / 1000))} s`
        const ratio = batched
          ? `; vs batched: writes ×${(1000 / batched.writes).toFixed(0)}, wall ×${(p.paced / batched.ms).toFixed(0)} (×${(p.limited / batched.ms).toFixed(0)} with the hourly limit)`
          : ''
        const notes = unexpected(m, { created: 10 })
        add(
          1,
          sampleName,
          m,
          `${n(m.writes)} writes, ${n(Math.round(p.pace))} ms apart → 1,000 files: 1,000 writes, ≈ ${s(p.paced)} paced, ≥ ${s(p.limited)} under 500 writes/h${ratio}` +
            notes.map(x => `; ${x}`).join(''),
          'ratio (no target)',
          notes.length === 0 ? 'info' : 'MISSED (outputs)'
        )
      })
    }

    // Case 2: the same initial sync without a checkout (the action reads through the REST API).
    for (const type of TYPES) {
      const name = `initial sync, 1,000 files, ${type}, no checkout, write-interval 1`
      await attempt(2, name, async () => {
        const m = await measure({
          repo: small,
          sha: c0,
          eventName: 'workflow_dispatch',
          workspace: noCheckout(),
          with: {
            'space-number': String(newSpace(name)),
            'resource-type': type,
            'write-interval': '1'
          }
        })
        const notes = unexpected(m, { created: 1000 })
        add(
          2,
          name,
          m,
          [counts(m), `reads: ${m.readsBy}`, ...notes].join('; '),
          '≤ 15 writes, ≤ 10 reads',
          verdict({ writes: m.writes <= 15, reads: m.reads <= 10, outputs: notes.length === 0 })
        )
      })
    }

    // Case 3: pushes changing k files, one after the other on one Space (seeded as synced at c0).
    if (wanted(3)) {
      const space = newSpace('pushes')
      seedGithubFiles(space, small, allPages, c0)
      const pushes = [
        { k: 5, before: c0, after: c1 },
        { k: 150, before: c1, after: c2 },
        { k: 1000, before: c2, after: c3 }
      ]
      for (const { k, before, after } of pushes) {
        const name = `push changing ${n(k)} of 1,000 files, github_file, checkout`
        await attempt(3, name, async () => {
          const m = await measure({
            repo: small,
            ...push(before, after),
            workspace: checkoutAt(small, after),
            with: { 'space-number': String(space), 'write-interval': '1' }
          })
          const bound = Math.ceil(k / BATCH) + 1
          const notes = unexpected(m, { updated: k })
          add(
            3,
            name,
            m,
            [counts(m), ...notes].join('; '),
            `≤ ⌈${n(k)}/${BATCH}⌉+1 = ${bound} writes`,
            verdict({ writes: m.writes <= bound, outputs: notes.length === 0 })
          )
        })
      }
    }

    // Case 7: 400 of 1,000 files edited in one push (past the compare API's 300 files), then a full
    // reconcile without a checkout: only the 400 should be updated.
    await attempt(
      7,
      'full reconcile after 400 of 1,000 files edited, github_file, no checkout',
      async () => {
        const space = newSpace('after 400 edits')
        seedGithubFiles(space, small, allPages, c3)
        const m = await measure({
          repo: small,
          sha: c4,
          eventName: 'workflow_dispatch',
          workspace: noCheckout(),
          with: { 'space-number': String(space), 'write-interval': '1', sync: 'full' }
        })
        const updated = Number(m.run.outputs.updated)
        const bound = Math.ceil(400 / BATCH) + 1
        const notes = unexpected(m, { updated: 400, unchanged: 600 })
        add(
          7,
          'full reconcile after 400 of 1,000 files edited, github_file, no checkout',
          m,
          [
            `${n(updated)} resources updated for 400 files changed, in ${n(m.writes)} write requests`,
            `reads: ${m.readsBy}`,
            ...notes
          ].join('; '),
          `updated = 400 (files changed), ≤ ${bound} write requests`,
          verdict({
            updated: updated === 400,
            writes: m.writes <= bound,
            outputs: notes.length === 0
          })
        )
      }
    )

    // Case 8: pin: false, a push editing 500 files in scope (no addition, removal or rename).
    if (wanted(8)) {
      const space = newSpace('unpinned')
      seedGithubFiles(space, small, allPages)
      for (const checkout of [true, false]) {
        const name = `push editing 500 files, pin: false, ${checkout ? 'checkout' : 'no checkout'}`
        await attempt(8, name, async () => {
          const m = await measure({
            repo: small,
            ...push(c4, c5),
            workspace: checkout ? checkoutAt(small, c5) : noCheckout(),
            with: { 'space-number': String(space), 'write-interval': '1', pin: 'false' }
          })
          const spaceRequests = m.spaceReads + m.spaceWrites
          const notes = unexpected(m, { created: 0, updated: 0, deleted: 0 }).filter(
            // An idle run (nothing to sync) sets no counts at all.
            x => !(spaceRequests === 0 && x.includes('(none)'))
          )
          add(
            8,
            name,
            m,
            [
              `${n(spaceRequests)} Space requests, ${n(m.reads + m.writes)} in all`,
              counts(m),
              ...(m.reads > 0 ? [`reads: ${m.readsBy}`] : []),
              ...notes
            ].join('; '),
            checkout ? '0 Space requests' : '(figure only)',
            checkout
              ? verdict({ 'Space requests': spaceRequests === 0, outputs: notes.length === 0 })
              : notes.length
                ? 'MISSED (outputs)'
                : 'info'
          )
        })
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Case 9: a config file with two Spaces (one by number, github_file; one by name, created by the
  // first run, free_text), synced once, then run again with nothing changed.

  if (wanted(9)) {
    await attempt(9, 'config of two Spaces, no-op run', async () => {
      const docs = newSpace('config: docs')
      const config = [
        'spaces:',
        `  - space-number: ${docs}`,
        '    files: docs/**',
        '  - space-name: Bench handbook',
        '    create-space: true',
        '    resource-type: free_text',
        '    files: handbook/**',
        ''
      ].join('\n')
      const [repo, sha] = setup('repository with a config file', () => {
        const files = Object.fromEntries([
          ...range(0, 50).map(i => [`docs/p-${i}.md`, `# Doc ${i}\n`]),
          ...range(0, 20).map(i => [`handbook/h-${i}.md`, `# Rule ${i}\n`]),
          ['.github/copilot-spaces.yml', config]
        ])
        const { origin, shas } = importRepo([{ files }])
        const r: Repo = { name: 'configured', id: 10, origin }
        emu.addRepo({ owner: ORG, name: r.name, id: r.id, dir: origin.dir })
        return [r, shas[0]!] as const
      })
      const step = {
        repo,
        sha,
        eventName: 'workflow_dispatch',
        workspace: checkoutAt(repo, sha),
        with: { config: '.github/copilot-spaces.yml', 'owner-type': 'org', 'write-interval': '1' }
      }
      const first = await measure(step)
      const firstNotes = unexpected(first, { created: 70 })
      const m = await measure({ ...step, workspace: checkoutAt(repo, sha) })
      const notes = [...firstNotes, ...unexpected(m, { unchanged: 70, created: 0 })]
      add(
        9,
        'config of two Spaces (by number; by name, created by the first run), no-op run, checkout',
        m,
        [
          `${n(m.reads + m.writes)} requests; ${counts(m)}`,
          `reads: ${m.readsBy}`,
          `first run: ${n(first.reads)} reads, ${n(first.writes)} writes`,
          ...notes
        ].join('; '),
        '0 writes; reads: one listing a Space + the name lookup',
        verdict({ requests: m.writes === 0 && m.reads === 3, outputs: notes.length === 0 })
      )
    })
  }

  // ---------------------------------------------------------------------------------------------
  // Case 10: a pull request previewing 5 new files in a 1,000-file Space, with the preview comment
  // (first run, then the same plan again) and without it.

  if (wanted(10)) {
    await attempt(10, 'pull request preview, comment on and off', async () => {
      const [repo, base, head] = setup('repository with a pull request', () => {
        const files = Object.fromEntries(range(0, 1000).map(i => [`docs/p-${i}.md`, `# ${i}\n`]))
        const added = Object.fromEntries(range(0, 5).map(i => [`docs/new-${i}.md`, `# new ${i}\n`]))
        const { origin, shas } = importRepo([{ files }, { files: added }])
        const r: Repo = { name: 'reviewed', id: 11, origin }
        emu.addRepo({ owner: ORG, name: r.name, id: r.id, dir: origin.dir })
        return [r, shas[0]!, shas[1]!] as const
      })
      const space = newSpace('reviewed')
      seedGithubFiles(
        space,
        repo,
        range(0, 1000).map(i => `docs/p-${i}.md`),
        base
      )
      const step = (comment: string) => ({
        repo,
        sha: head,
        eventName: 'pull_request',
        payload: { pull_request: { number: 7, base: { sha: base }, head: { sha: head } } },
        workspace: checkoutAt(repo, head),
        githubToken: JOB_TOKEN,
        with: { 'space-number': String(space), 'owner-type': 'org', comment }
      })
      for (const [name, comment] of [
        ['comment on, first run', 'auto'],
        ['comment on, same plan again', 'auto'],
        ['comment: false', 'false']
      ] as const) {
        const m = await measure(step(comment))
        const notes = unexpected(m, { created: 5, unchanged: 0 })
        const commentId = m.run.outputs['comment-id']
        if (comment === 'auto' && !commentId) notes.push('no comment-id')
        if (comment === 'false' && commentId) notes.push('a comment with comment: false')
        add(
          10,
          `pull request preview, 5 of 1,005 files new, ${name}, checkout`,
          m,
          [`${n(m.reads + m.writes)} requests`, `reads: ${m.readsBy}`, ...notes].join('; '),
          '(figure only)',
          notes.length ? 'MISSED (outputs)' : 'info'
        )
      }
    })
  }

  // ---------------------------------------------------------------------------------------------
  // Case 5: dry-run of 10,000 creates with a checkout (a 10,000-file repository, an empty Space).

  await attempt(5, 'dry-run of 10,000 creates, github_file, checkout', async () => {
    const [mid, sha] = setup('10,000-file repository', () => {
      const files = Object.fromEntries(
        range(0, 10_000).map(i => [
          `docs/s-${String(i % 10)}/p-${String(i).padStart(5, '0')}.md`,
          `# Page ${i}\n`
        ])
      )
      const { origin, shas } = importRepo([{ files }])
      const repo: Repo = { name: 'mid', id: 8, origin }
      emu.addRepo({ owner: ORG, name: repo.name, id: repo.id, dir: origin.dir })
      return [repo, shas[0]!] as const
    })
    const m = await measure({
      repo: mid,
      sha,
      eventName: 'workflow_dispatch',
      workspace: checkoutAt(mid, sha),
      with: { 'space-number': String(newSpace('dry-run')), 'dry-run': 'true' }
    })
    const notes = unexpected(m, { created: 10_000 })
    if (m.writes > 0) notes.push(`${m.writes} writes on a dry run`)
    add(
      5,
      'dry-run of 10,000 creates, github_file, checkout',
      m,
      [`${counts(m)} (preview)`, ...notes].join('; '),
      '≤ 3,000 ms',
      verdict({ wall: m.ms <= 3000, outputs: notes.length === 0 })
    )
  })

  // ---------------------------------------------------------------------------------------------
  // Case 4: no-op full reconcile of 100,000 files (100 folders of 1,000), the Space holding the
  // 100,000 current resources; then one stale resource of ours, for a path deleted since, added.

  /** Case 4's no-op rows are each run this many times, their median wall time shown. */
  const RUNS_OF_4 = 5
  await attempt(4, 'no-op full reconcile, 100,000 files', async () => {
    const FILES = 100_000
    const path = (i: number) =>
      `docs/s-${String(Math.floor(i / 1000)).padStart(2, '0')}/p-${String(i).padStart(6, '0')}.md`
    const removed = 'docs/s-00/removed.md'
    const [big, before, head] = setup('100,000-file repository', () => {
      const files = Object.fromEntries(range(0, FILES).map(i => [path(i), `# Page ${i}\n`]))
      const { origin, shas } = importRepo([
        { files: { ...files, [removed]: '# Removed\n' } },
        { files: {}, deleted: [removed] }
      ])
      const repo: Repo = { name: 'big', id: 9, origin }
      emu.addRepo({ owner: ORG, name: repo.name, id: repo.id, dir: origin.dir })
      return [repo, shas[0]!, shas[1]!] as const
    })
    const workspace = checkoutAt(big, head)
    // GitHub's archive host keeps the archives it made; the emulator makes one with git archive
    // and gzip, seconds at this size on this machine: the server's cost, not the action's. It is
    // made here, so that the runs time the action's download and reading of it.
    await setupAsync('archive of big at head', async () => {
      const res = await fetch(`${emu.url}${CODELOAD_PATH}${ORG}/${big.name}/legacy.tar.gz/${head}`)
      if (!res.ok) throw new Error(`the emulator's archive answered ${res.status}`)
      await res.arrayBuffer()
    })
    // So are trees (a tree's sha names its content): the emulator builds each answer once, the
    // recursive one here, the folders the runs list on the first run without a checkout.
    await setupAsync('recursive tree of big at head', async () => {
      const res = await fetch(`${emu.url}/repos/${ORG}/${big.name}/git/trees/${head}?recursive=1`, {
        headers: { authorization: `Bearer ${TOKEN}`, 'x-github-api-version': API_VERSION }
      })
      if (!res.ok) throw new Error(`the emulator's tree answered ${res.status}`)
      await res.arrayBuffer()
    })
    const space = newSpace('100,000')
    seedGithubFiles(space, big, range(0, FILES).map(path), head)
    // Likewise the listing: GitHub answers it from its store; the emulator encodes it once and
    // keeps it until the resources change (the ↳ row's added resource makes it encode again).
    await setupAsync('listing of the 100,000-resource Space', async () => {
      const res = await fetch(`${emu.url}/orgs/${ORG}/copilot-spaces/${space}/resources`, {
        headers: { authorization: `Bearer ${TOKEN}`, 'x-github-api-version': API_VERSION }
      })
      if (!res.ok) throw new Error(`the emulator's listing answered ${res.status}`)
      await res.arrayBuffer()
    })
    // owner-type given, as a workflow at this scale would set it: `auto` adds one request (the
    // owner lookup) to every run.
    const w = { 'space-number': String(space), 'write-interval': '1', 'owner-type': 'org' }
    const dispatch = { repo: big, sha: head, eventName: 'workflow_dispatch' }

    // The floor: what any action must do to know nothing changed (scripts/floor.cjs). Each run of
    // it comes just before a run of the action with a checkout, so that their ratio does not
    // depend on the machine's speed, which drifts from one minute to the next.
    const floorMs: number[] = []
    let floorRss = 0
    const floor = async () => {
      const rssFile = join(temp, `rss-floor-${floorMs.length}`)
      const started = performance.now()
      // Not execFileSync: the emulator answering the floor's request lives in this process.
      await promisify(execFile)(
        process.execPath,
        [
          join(PROJECT_ROOT, 'scripts', 'floor.cjs'),
          `${emu.url}/orgs/${ORG}/copilot-spaces/${space}/resources`,
          TOKEN,
          workspace,
          head
        ],
        {
          env: {
            ...process.env,
            NODE_OPTIONS: `--require ${JSON.stringify(PROBE)}`,
            RSS_PROBE_FILE: rssFile
          }
        }
      )
      floorMs.push(performance.now() - started)
      floorRss = Math.max(floorRss, Number(readFileSync(rssFile, 'utf8')) / 1024)
    }
    const median = (list: readonly number[]) =>
      [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]

    for (const checkout of [true, false]) {
      const name = `no-op full reconcile, 100,000 files, github_file, owner-type org, ${checkout ? 'checkout' : 'no checkout'}`
      await attempt(4, name, async () => {
        const m = await measureMedian(
          { ...dispatch, workspace: checkout ? workspace : noCheckout(), with: w },
          RUNS_OF_4,
          checkout ? floor : undefined
        )
        const floorMedian = median(floorMs)
        if (checkout && floorMedian !== undefined) {
          rows.push({
            section: 4,
            name: '  floor: fetch and JSON.parse of the listing, git ls-tree, lookups (scripts/floor.cjs)',
            requests: '1 / 0',
            ms: n(Math.round(floorMedian)),
            rss: n(Math.round(floorRss)),
            detail: `wall ms of the ${RUNS_OF_4} runs: ${floorMs.map(ms => n(Math.round(ms))).join(', ')} (median shown), each just before one of the row below; no inputs, plan, report or outputs`,
            target: '',
            result: 'info'
          })
        }
        const [maxRequests, maxMs] = checkout ? [3, 1500] : [5, 3000]
        const requests = m.reads + m.writes
        const notes = unexpected(m, { unchanged: FILES, created: 0, updated: 0, deleted: 0 })
        if (m.rssMiB === undefined) notes.push('peak RSS not recorded')
        if (!m.same) notes.push('the runs did not send the same requests')
        add(
          4,
          name,
          m,
          [
            `${n(requests)} requests; ${counts(m)}`,
            `wall ms of the ${RUNS_OF_4} runs: ${m.samples.map(n).join(', ')} (median shown)`,
            ...(checkout && floorMedian !== undefined
              ? [
                  `${(m.ms / floorMedian).toFixed(2)}× the floor's wall time, ${(m.rssMiB! / floorRss).toFixed(2)}× its RSS`
                ]
              : []),
            `reads: ${m.readsBy}`,
            `the emulator answering ${n(Math.round(m.serverMs))} ms of it`,
            ...notes
          ].join('; '),
          `≤ ${maxRequests} requests, ≤ ${n(maxMs)} ms, ≤ ${MIB} MiB`,
          verdict({
            requests: requests <= maxRequests,
            wall: m.ms <= maxMs,
            RSS: (m.rssMiB ?? Infinity) <= MIB,
            outputs: notes.length === 0
          })
        )
      })
    }

    const name = '  same, no checkout, + 1 stale resource of ours (path deleted): pruning'
    await attempt(4, name, async () => {
      const stale = emu.addResource('org', ORG, space, {
        resource_type: 'github_file',
        metadata: { repository_id: big.id, file_path: removed, sha: before }
      })
      const m = await measure({ ...dispatch, workspace: noCheckout(), with: w })
      const left = emu.resources('org', ORG, space)
      const notes = unexpected(m, { unchanged: FILES, deleted: 1, created: 0, updated: 0 })
      if (left.some(r => r.id === stale.id)) notes.push('the stale resource is still in the Space')
      if (left.length !== FILES)
        notes.push(`${n(left.length)} resources left, expected ${n(FILES)}`)
      add(
        4,
        name,
        m,
        [
          `${counts(m)}; ${n(left.length)} resources left`,
          `reads: ${m.readsBy}`,
          `the emulator answering ${n(Math.round(m.serverMs))} ms of it`,
          ...notes
        ].join('; '),
        `deletes exactly the stale one (≤ ${MIB} MiB)`,
        verdict({ pruning: notes.length === 0, RSS: (m.rssMiB ?? Infinity) <= MIB })
      )
    })
  })
} finally {
  await emu.close()
  setup('removing the repositories', () => {
    if (checkouts.length > 0) execFileSync('rm', ['-rf', '--', ...checkouts])
    removeRepos()
    rmSync(temp, { recursive: true, force: true })
  })
}

// ---------------------------------------------------------------------------------------------
// Report

const totalMs = performance.now() - benchStart
const header = ['case', 'reads / writes', 'wall ms', 'peak RSS MiB', 'measured', 'target', 'result']
const escape = (s: string) => s.replace(/\|/g, '\\|')
console.log(`
Legend. Every figure is from this run. The action is the committed dist/index.js, run as the Actions
runner runs it (scripts/runner.ts), against the emulator with GitHub's content-creation limits on
(80 writes/min, 500/h; the primary budget is raised to 100,000/h since the bench packs an hour's
runs into minutes). Inputs are the defaults (owner-type auto: one GET /users/{owner} per run;
batch-size 100; write-interval 1, GitHub's real pacing) unless a case says otherwise. Scratch
files (repositories, checkouts, the runner's temp) are in ${tmpdir()}.
  reads / writes  requests the emulator received during the run: GET = read, anything else = write
  wall ms         the action's process, spawn to exit; setup (repositories, checkouts, seeding
                  the Space through the emulator's seeding API) is not included
  peak RSS MiB    maxRSS of the action's process, written at exit by scripts/rss-probe.cjs
  result          pass; MISSED (the checks that failed); info (a figure with no target); FAILED
                  (the action exited non-zero: then the bench exits 1)
  1  initial sync: empty Space, workflow_dispatch at the first commit of a repository with 1,000
     pages in scope and 50 other files, depth-1 checkout. The ↳ row: batch-size 1 on 10 of the
     pages, its measured write pace projected to 1,000 files, with and without GitHub's 500/h
  2  the same without a checkout: the workspace is an empty folder, the action reads via REST
  3  pushes on one Space seeded with the 1,000 resources pinned at the first commit: 5 files
     edited, then 150, then all 1,000; depth-1 checkout of the pushed commit (the action fetches
     the before commit); checks updated = k
  4  100,000 files (100 folders of 1,000); the Space seeded with 100,000 github_file resources
     pinned at the head commit; workflow_dispatch at head; checks unchanged = 100,000. ↳ row: one
     resource of ours for a file deleted since (pinned at the commit before) added to that Space;
     it must be the only one deleted. "The emulator answering" is the part of the wall time with a
     request in the emulator's hands (listing 100,000 resources costs it that much). The archive
     (for the runs without a checkout) is made in setup, as GitHub's archive host keeps the
     archives it made; the listing and the recursive tree are encoded once in setup (the emulator
     keeps a listing until the resources change, and a tree by its sha, which names its content);
     their download and reading are the action's. The two no-op rows are each run 5 times: wall ms
     is the median (every run's figure is in "measured"), peak RSS the highest of the five. The
     floor row (scripts/floor.cjs) is run 5 times too, each just before a run with a checkout
  5  10,000 files, empty Space, dry-run: true: every file planned as a create, nothing written
  6  plan() from src/sync/plan.ts called in the bench's own process on synthetic input (no action
     run): a push whose 40,000 renames all leave the globs, 40,000 owned github_file resources at
     the old paths; one cold call timed
  7  Space seeded with 1,000 github_file resources pinned at commit A; commit B edits 400 of the
     files (more than the 300 the compare API lists); sync: full on workflow_dispatch at B,
     without a checkout: only the 400 should be updated
  8  Space seeded with 1,000 unpinned github_file resources; a push editing 500 of the files
     (no addition, removal or rename), pin: false, the payload naming main as default branch.
     "Space requests" are those to /copilot-spaces endpoints
  9  a config file declaring two Spaces: one by number (github_file, docs/**: 50 files), one by
     name with create-space (free_text, handbook/**: 20 files); the first run creates the second
     Space and syncs both, the measured run follows with nothing changed
 10  pull_request adding 5 files to a repository of 1,000 already in the Space (owner-type org):
     the preview with its comment (GITHUB_TOKEN as github-actions[bot]), the same run again,
     and comment: false
`)
console.log(`| ${header.join(' | ')} |`)
console.log(`|${header.map(() => ' --- |').join('')}`)
for (const r of [...rows].sort((a, b) => a.section - b.section)) {
  const cells = [
    `${r.section}. ${r.name.startsWith(' ') ? `↳ ${r.name.trim()}` : r.name}`,
    r.requests,
    r.ms,
    r.rss,
    r.detail,
    r.target,
    r.result
  ]
  console.log(`| ${cells.map(escape).join(' | ')} |`)
}
const missed = rows.filter(r => r.result.startsWith('MISSED')).length
console.log(
  `\n${rows.filter(r => r.result === 'pass').length} pass, ${missed} MISSED, ${failures.length} FAILED. ` +
    `Bench: ${n(Math.round(totalMs / 1000))} s in all, of which action runs ${n(Math.round(runsMs / 1000))} s, ` +
    `setup (repositories, checkouts, seeding) ${n(Math.round(setupMs / 1000))} s.`
)
if (failures.length > 0) {
  console.error(`\nRuns that failed unexpectedly:\n\n${failures.join('\n\n')}`)
  process.exitCode = 1
}
