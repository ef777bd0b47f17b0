/**
 * A long history replayed through the committed dist/index.js, as the Actions runner runs it: a
 * generated repository (120 commits of adds, edits, renames, moves between folders,
 * folder moves, renames into and out of Markdown and deletions over a couple of thousand files,
 * deterministic from SEED) is pushed one to five commits at a time, with now and then a force
 * push back to an earlier commit and forward again; once with a shallow checkout (the action
 * fetches `before` itself) and once without one (the action reads through the REST API), each
 * into its own Space.
 *
 * After every push, against what git says (never the action's code):
 * - the Space holds exactly one github_file of ours per in-scope file at `after`, pinned at a
 *   commit where the file's blob is the blob at `after`, and nothing of ours for any other path;
 *   every resource the push did not change kept its id and its commit, an updated one kept its id
 *   (a renamed file's resource moves), and the resources attached by hand are untouched;
 * - the run created, updated and deleted exactly the in-scope paths `git diff -M before after`
 *   names (a rename once, as an update that moves the resource), in its outputs and in the Space;
 * - it sent each of the k writes once, in at most ⌈k / 100⌉ + 1 requests (batch-size 100, a
 *   first batch of 10; a batch of one goes through the resource's own endpoint), none for none;
 *   with a checkout it read nothing of the repository through the API.
 *
 * The two replays run at once, each against its own emulator (each mostly waits for its action
 * process); a push that differs is recorded and its replay goes on, and each test shows the first
 * few such pushes with what differed and the action's scope lines.
 *
 * Replay another history: SEED=123 npm run jest -- __tests__/history.slow.test.ts
 * A longer one: HISTORY_COMMITS=400 npm run jest -- __tests__/history.slow.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator, ResourceRecord } from '../emulator/index.js'
import { runAction, type ActionRun } from '../scripts/runner.js'
import { NULL_SHA, removeRepos } from './helpers/git-repo.js'
import {
  contractViolations,
  ORG,
  REPO,
  REPO_ID,
  startGitHub,
  TOKEN,
  writesOf
} from './helpers/github.js'
import {
  blobsAt,
  generateHistory,
  inScope,
  lsTree,
  nameStatus,
  pushSchedule,
  shallowClone,
  type History
} from './helpers/history.js'
import { pushPayload } from './helpers/payloads.js'

const SEED = Number(process.env.SEED ?? 20260301)
/** Sized for about 3 minutes on 2 cores; HISTORY_COMMITS=400 replays a longer history. */
const COMMITS = Number(process.env.HISTORY_COMMITS ?? 120)
const INITIAL_FILES = 1700
/** The action's defaults: a push deleting more than this is refused, so the history stays within. */
const MAX_DELETIONS = 50
const BATCH_SIZE = 100
const SET_SPACE = 'PUT /orgs/{org}/copilot-spaces/{space_number}'
/** The endpoints of one resource: what a batch of one goes through. */
const ONE_RESOURCE = new Set([
  'POST /orgs/{org}/copilot-spaces/{space_number}/resources',
  'PUT /orgs/{org}/copilot-spaces/{space_number}/resources/{space_resource_id}',
  'DELETE /orgs/{org}/copilot-spaces/{space_number}/resources/{space_resource_id}'
])
/** The reads a run with a checkout makes: owner-type auto, then the Space's listing. */
const CHECKOUT_READS = new Set([
  'GET /users/{username}',
  'GET /orgs/{org}/copilot-spaces/{space_number}/resources'
])

let history: History
let generatedIn = 0

afterAll(() => removeRepos())

const short = (sha: string) => sha.slice(0, 7)
const sorted = (items: Iterable<string>) => [...items].sort()

/** In-scope files at a commit, path -> blob; the same commits come back often. */
const trees = new Map<string, Promise<Map<string, string>>>()
function markdownAt(commit: string): Promise<Map<string, string>> {
  let files = trees.get(commit)
  if (!files) {
    files = lsTree(history.origin, commit).then(
      all => new Map([...all].filter(([path]) => inScope(path)))
    )
    trees.set(commit, files)
  }
  return files
}

/** What a push must write, from git alone: `git diff -M` filtered by the globs. */
interface Expected {
  created: string[]
  /** A renamed file's resource moves: `from` is its old path. */
  updated: { path: string; from?: string }[]
  deleted: string[]
}

async function expectedWrites(before: string, after: string, renames = '-M'): Promise<Expected> {
  const e: Expected = { created: [], updated: [], deleted: [] }
  if (before === NULL_SHA) {
    e.created = sorted((await markdownAt(after)).keys())
    return e
  }
  for (const c of await nameStatus(history.origin, before, after, renames)) {
    const was = c.from ?? c.path
    if (c.status === 'R' && inScope(was) && inScope(c.path))
      e.updated.push({ path: c.path, from: was })
    else if (c.status === 'R') {
      if (inScope(was)) e.deleted.push(was)
      if (inScope(c.path)) e.created.push(c.path)
    } else if (!inScope(c.path)) continue
    else if (c.status === 'A') e.created.push(c.path)
    else if (c.status === 'D') e.deleted.push(c.path)
    else if (c.status === 'M' || c.status === 'T') e.updated.push({ path: c.path })
    else throw new Error(`unexpected diff status ${c.status} for ${c.path}`)
  }
  return e
}

/** Expected writes by push; the schedule asks first (for max-deletions), the checks later. */
const expectations = new Map<string, Promise<Expected>>()
function expectedFor(before: string, after: string): Promise<Expected> {
  const key = `${before} ${after}`
  let e = expectations.get(key)
  if (!e) {
    e = expectedWrites(before, after)
    expectations.set(key, e)
  }
  return e
}

/** A resource of ours as the checks see it. */
interface Synced {
  id: number
  path: string
  sha: string
}

/** Resources a person attached by hand: never touched. */
function seedHandMade(emu: Emulator, space: number): ResourceRecord[] {
  return [
    emu.addResource('org', ORG, space, {
      resource_type: 'free_text',
      metadata: { name: 'docs/notes.md', text: 'A note that shares a path-like name.' }
    }),
    emu.addResource('org', ORG, space, {
      resource_type: 'github_file',
      metadata: { repository_id: 999, file_path: 'README.md', sha: 'f'.repeat(40) }
    }),
    emu.addResource('org', ORG, space, {
      resource_type: 'github_file',
      metadata: { repository_id: REPO_ID, file_path: 'src/attached.ts', sha: 'e'.repeat(40) }
    })
  ]
}

interface Tally {
  pushes: number
  /** Pushes whose run or Space differed; the first few are in `failures`. */
  differed: number
  forced: number
  writes: number
  requests: number
  reads: number
  seconds: number
}

/** A push whose run or Space differed from git's answer, and how. */
interface Failure {
  push: string
  problems: string[]
  /** The action's scope and fetch lines, and the write requests it sent. */
  log: string[]
}

/** The failing pushes a replay describes in full; it counts the rest. */
const SHOWN_FAILURES = 3

/**
 * Replays the whole schedule into a new Space of its own emulator, checking every push. A push
 * that differs is recorded and the replay goes on from the Space as it is, so that one report
 * shows how often and where.
 */
async function replay(
  label: string,
  checkout: boolean,
  scheduleSeed: number
): Promise<{ tally: Tally; failures: Failure[] }> {
  const started = Date.now()
  const emu = await startGitHub()
  try {
    return await replayInto(emu, label, checkout, scheduleSeed, started)
  } finally {
    await emu.close()
  }
}

async function replayInto(
  emu: Emulator,
  label: string,
  checkout: boolean,
  scheduleSeed: number,
  started: number
): Promise<{ tally: Tally; failures: Failure[] }> {
  const { origin, commits } = history
  emu.addRepo({ owner: ORG, name: REPO, id: REPO_ID, dir: origin.dir })
  const space = emu.createSpace('org', ORG, { name: `History (${label})` }).number
  const handMade = seedHandMade(emu, space)
  const handMadeIds = new Set(handMade.map(r => r.id))
  const pushes = await pushSchedule(commits, {
    seed: scheduleSeed,
    maxStep: 5,
    forceEvery: 12,
    maxBack: 4,
    accept: async (before, after) =>
      (await expectedFor(before, after)).deleted.length <= MAX_DELETIONS
  })
  const failures: Failure[] = []
  const tally: Tally = {
    pushes: 0,
    differed: 0,
    forced: 0,
    writes: 0,
    requests: 0,
    reads: 0,
    seconds: 0
  }
  const position = new Map(commits.map((c, i) => [c, i]))
  const name = (sha: string) => (sha === NULL_SHA ? 'none' : `#${position.get(sha)} ${short(sha)}`)

  let prior = new Map<string, Synced>()
  for (const [n, push] of pushes.entries()) {
    const where =
      `seed ${SEED}, ${label}, push ${n + 1} of ${pushes.length}: ` +
      `${name(push.before)} -> ${name(push.after)}${push.forced ? ' (forced)' : ''}`
    let expected = await expectedFor(push.before, push.after)
    let workspace: string
    let done: () => void
    if (checkout) {
      // What actions/checkout leaves: a depth-1 clone of the branch, now at `after`.
      origin.git('update-ref', 'refs/heads/main', push.after)
      const clone = await shallowClone(origin.url)
      workspace = clone.dir
      done = () => clone.remove()
    } else {
      workspace = mkdtempSync(join(tmpdir(), 'css-history-'))
      done = () => rmSync(workspace, { recursive: true, force: true })
    }
    emu.clearLog()
    let result: ActionRun
    try {
      result = await runAction({
        repository: `${ORG}/${REPO}`,
        apiUrl: emu.url,
        eventName: 'push',
        payload: pushPayload(push.before, push.after, { forced: push.forced }),
        workspace,
        sha: push.after,
        with: { token: TOKEN, 'space-number': String(space), 'write-interval': '0' },
        // A replay's first push syncs every file: room for a busy machine.
        timeoutMs: 300_000
      })
    } finally {
      done()
    }

    // Without a checkout, a push the compare API cannot answer is read by comparing trees, which
    // pairs only exact renames (same content): against that, a rename with edits is a deletion
    // and a creation, as `git diff -M100%` says.
    if (result.stdout.includes("compared the two commits' trees instead")) {
      expected = await expectedWrites(push.before, push.after, '-M100%')
    }

    // What differed: the run as a whole first, then path by path (the first 20 of those).
    const problems: string[] = []
    const problem = (text: string) => problems.push(text)
    const details: string[] = []
    const detail = (text: string) => details.push(text)
    if (result.code !== 0) problem(`exit code ${result.code}: ${result.stderr.slice(0, 500)}`)
    for (const l of result.stdout.split('\n')) {
      if (/^::(warning|error)/.test(l)) problem(`logged ${l.slice(0, 300)}`)
    }

    // The Space, against the tree at `after` and the Space before the push.
    const stored = emu.resources('org', ORG, space)
    for (const r of handMade) {
      const now = stored.find(s => s.id === r.id)
      if (JSON.stringify(now) !== JSON.stringify(r)) problem(`hand-made resource ${r.id} changed`)
    }
    const now = new Map<string, Synced>()
    for (const r of stored.filter(s => !handMadeIds.has(s.id))) {
      const m = r.metadata
      const path = m.file_path
      if (
        r.resource_type !== 'github_file' ||
        m.repository_id !== REPO_ID ||
        typeof path !== 'string' ||
        typeof m.sha !== 'string'
      ) {
        problem(`unexpected resource ${JSON.stringify(r)}`)
      } else if (now.has(path)) {
        detail(`two resources for ${path}: ${now.get(path)!.id} and ${r.id}`)
      } else {
        now.set(path, { id: r.id, path, sha: m.sha })
      }
    }
    const tree = await markdownAt(push.after)
    for (const path of tree.keys()) if (!now.has(path)) detail(`no resource for ${path}`)
    for (const path of now.keys()) {
      if (!tree.has(path)) detail(`a resource for ${path}, which is not in scope at after`)
    }
    const listed = [...now.values()].filter(r => tree.has(r.path))
    const pinned = await blobsAt(
      origin,
      listed.map(r => [r.sha, r.path] as const)
    )
    listed.forEach((r, i) => {
      if (pinned[i] !== tree.get(r.path)) {
        detail(
          `${r.path} is pinned at ${name(r.sha)}, whose blob ${pinned[i] ?? '(none)'} is not ${tree.get(r.path)}, the blob at after`
        )
      }
    })

    // Every resource kept its id and commit, but for what the push changed.
    const moved = new Map(expected.updated.map(u => [u.path, u.from ?? u.path]))
    const created = new Set(expected.created)
    const priorIds = new Set([...prior.values()].map(r => r.id))
    for (const r of now.values()) {
      const was = prior.get(moved.get(r.path) ?? r.path)
      if (created.has(r.path)) {
        if (priorIds.has(r.id)) detail(`${r.path}: created, yet has an old id, ${r.id}`)
        if (r.sha !== push.after) detail(`${r.path}: created at ${name(r.sha)}, not at after`)
      } else if (moved.has(r.path)) {
        if (r.id !== was?.id) detail(`${r.path}: updated, yet its id went ${was?.id} -> ${r.id}`)
        if (r.sha !== push.after) detail(`${r.path}: updated at ${name(r.sha)}, not at after`)
      } else if (r.id !== was?.id || r.sha !== was.sha) {
        detail(
          `${r.path}: not changed by the push, yet ${was ? `${was.id} at ${name(was.sha)}` : 'none'} -> ${r.id} at ${name(r.sha)}`
        )
      }
    }

    // The outputs: exactly the writes git's diff calls for.
    const outputs = result.outputs
    const counts = ['created', 'updated', 'deleted', 'skipped', 'failed'].map(
      k => `${k} ${outputs[k]}`
    )
    const wantCounts = [
      `created ${expected.created.length}`,
      `updated ${expected.updated.length}`,
      `deleted ${expected.deleted.length}`,
      'skipped 0',
      'failed 0'
    ]
    if (counts.join(', ') !== wantCounts.join(', '))
      problem(`outputs ${counts.join(', ')}; expected ${wantCounts.join(', ')}`)
    if (outputs['resources-truncated'] !== 'false')
      problem(`resources-truncated: ${outputs['resources-truncated']}`)
    type Entry = {
      path: string
      action: string
      resource_id: number | null
      previous_path?: string
      reason?: string
    }
    let entries: Entry[] = []
    try {
      entries = JSON.parse(outputs.resources ?? '') as Entry[]
    } catch {
      problem(`the resources output is not JSON: ${(outputs.resources ?? '').slice(0, 200)}`)
    }
    const idAt = (path: string) => now.get(path)?.id
    const reasons = new Map(
      (Array.isArray(entries) ? entries : [])
        .filter(e => e.action !== 'unchanged')
        .map(e => [
          `${e.action} ${e.previous_path ? `${e.previous_path} -> ` : ''}${e.path} #${e.resource_id}`,
          e.reason
        ])
    )
    const reported = sorted(reasons.keys())
    const wanted = sorted([
      ...expected.created.map(p => `created ${p} #${idAt(p)}`),
      ...expected.updated.map(
        u => `updated ${u.from ? `${u.from} -> ` : ''}${u.path} #${idAt(u.path)}`
      ),
      ...expected.deleted.map(p => `deleted ${p} #${prior.get(p)?.id}`)
    ])
    const extra = reported.filter(x => !wanted.includes(x))
    const missing = wanted.filter(x => !reported.includes(x))
    if (extra.length + missing.length > 0) {
      problem(
        `the resources output differs from git's diff: ${extra.length} entries not expected, ${missing.length} missing`
      )
    }
    for (const x of extra) detail(`reported, not expected: ${x} (${reasons.get(x)})`)
    for (const x of missing) detail(`expected, not reported: ${x}`)

    // The requests: batched writes, as few as batch-size allows (a batch of one goes through
    // the resource's own endpoint), every write in exactly one of them.
    const k = expected.created.length + expected.updated.length + expected.deleted.length
    const writes = writesOf(emu)
    const reads = emu.requests.filter(r => r.method === 'GET').map(r => `GET ${r.route}`)
    const most = k === 0 ? 0 : Math.ceil(k / BATCH_SIZE) + 1
    if (writes.length > most || writes.length < Math.ceil(k / BATCH_SIZE))
      problem(`${writes.length} write requests for ${k} writes (at most ${most})`)
    let sent = 0
    let single = 0
    for (const w of writes) {
      const route = `${w.method} ${w.route}`
      if (route === SET_SPACE) {
        const body = w.requestBody as { resources_attributes?: unknown[] } | undefined
        sent += body?.resources_attributes?.length ?? 0
      } else if (ONE_RESOURCE.has(route)) {
        sent++
        single++
      } else problem(`a write to ${route}`)
    }
    if (sent !== k) problem(`${sent} writes sent in all, for ${k} writes`)
    if (single > 1) problem(`${single} writes sent one request per resource`)
    if (checkout) {
      for (const r of new Set(reads))
        if (!CHECKOUT_READS.has(r)) problem(`with a checkout, read ${r}`)
    }
    for (const v of contractViolations(emu.requests).slice(0, 5)) problem(`contract: ${v}`)

    if (details.length > 0) {
      problem(`${details.length} differences path by path, the first 20:`)
      problems.push(...details.slice(0, 20))
    }
    if (problems.length > 0) {
      const log = [
        ...result.stdout
          .split('\n')
          .filter(l => /Scope:|cannot diff|fetch|could not be compared/.test(l)),
        ...writes.map(w => {
          const body = w.requestBody as { resources_attributes?: unknown[] } | undefined
          const entries = body?.resources_attributes?.length
          return `${w.method} ${w.path} ${w.status}${entries === undefined ? '' : ` (${entries} entries)`}`
        })
      ]
      tally.differed++
      if (failures.length < SHOWN_FAILURES) {
        failures.push({ push: where, problems, log: log.slice(0, 40) })
      }
    }
    tally.pushes++
    if (push.forced) tally.forced++
    tally.writes += sent
    tally.requests += writes.length
    tally.reads += reads.length
    prior = now
  }
  tally.seconds = (Date.now() - started) / 1000
  const last = commits[commits.length - 1]!
  const figure = (n: number) => n.toLocaleString('en-US')
  console.log(
    `history (${label}): seed ${SEED}, ${figure(commits.length)} commits, ${tally.pushes} pushes, ` +
      `${tally.forced} force pushes${tally.differed ? ` (${tally.differed} pushes DIFFERED)` : ''}, ${figure((await markdownAt(last)).size)} Markdown files of ` +
      `${figure((await lsTree(origin, last)).size)} at the end, ${figure(tally.writes)} writes in ` +
      `${tally.requests} requests, ${figure(tally.reads)} reads, ${tally.seconds.toFixed(0)} s ` +
      `(history generated in ${(generatedIn / 1000).toFixed(1)} s, both replays running at once)`
  )
  return { tally, failures }
}

/** Both replays run at once (each mostly waits on its own action process); each test awaits one. */
let replays: Record<'checkout' | 'api', Promise<{ tally: Tally; failures: Failure[] }>>

beforeAll(() => {
  const started = Date.now()
  history = generateHistory({ seed: SEED, commits: COMMITS, initialFiles: INITIAL_FILES })
  generatedIn = Date.now() - started
  replays = {
    checkout: replay('checkout', true, SEED + 1),
    api: replay('no checkout', false, SEED + 2)
  }
  // Awaited by the tests; handled here so that one failing while the other test waits is no
  // unhandled rejection.
  for (const p of Object.values(replays)) p.catch(() => {})
}, 60_000)

describe('a long history replayed push by push through dist/index.js', () => {
  it('with a shallow checkout: the Space follows git exactly, in batched writes', async () => {
    const { tally, failures } = await replays.checkout
    expect({ differed: tally.differed, failures }).toEqual({ differed: 0, failures: [] })
    expect(tally.forced).toBeGreaterThan(0)
  }, 400_000)

  it('without a checkout (REST): the Space follows git exactly, in batched writes', async () => {
    const { tally, failures } = await replays.api
    expect({ differed: tally.differed, failures }).toEqual({ differed: 0, failures: [] })
    expect(tally.forced).toBeGreaterThan(0)
  }, 400_000)
})
