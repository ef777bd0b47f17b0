/**
 * Seeded random runs of the whole sync against the emulator: a Space pre-seeded with a mix of our
 * resources (current, stale, duplicated, of the other type, for removed files, missing) and
 * hand-made ones, random faults (5xx and lost connections, applied or not, secondary limits,
 * a primary limit that resets soon, latency), a random resource type, sync mode, event, glob
 * set and reader. After the run (and, when it reported failures, a second run without faults,
 * as a re-run of the job would do) the Space must hold exactly one of our resources per in-scope
 * text file, with the right content, every hand-made resource untouched, and no request may
 * have written to a resource that is not ours.
 *
 * Replay one run: SEED=123 npm run jest -- __tests__/randomized.slow.test.ts
 * More runs: RUNS=1000 npm run jest -- __tests__/randomized.slow.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Exchange } from '../emulator/exchange.js'
import type { EmulatorOptions, Fault, ResourceRecord } from '../emulator/index.js'
import { API_VERSION } from '../src/github/transport.js'
import { compileGlobs, type GlobSet } from '../src/repository/globs.js'
import type { ResourceType } from '../src/run/inputs.js'
import { readMarker, withMarker } from '../src/space/marker.js'
import type { SyncMode } from '../src/repository/scope.js'
import { createOrigin, removeRepos, type FileEdits, type TestRepo } from './helpers/git-repo.js'
import { contractViolations } from './helpers/github.js'
import {
  isWrite,
  noCheckout,
  ORG,
  REPO_ID,
  runSync,
  START,
  startHarness,
  TOKEN,
  type Harness,
  type SyncInput,
  type SyncRun
} from './helpers/sync-harness.js'
import { pushPayload, repository } from './helpers/payloads.js'
import { mulberry32 } from './helpers/random.js'

const RUNS = Number(process.env.RUNS ?? 200)
const REPLAY = process.env.SEED === undefined ? undefined : Number(process.env.SEED)
const SEEDS = REPLAY !== undefined ? [REPLAY] : Array.from({ length: RUNS }, (_, i) => i + 1)
const BATCH = 50

interface Rng {
  next: () => number
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
  shuffle<T>(items: T[]): T[]
}

function rngFor(seed: number): Rng {
  const next = mulberry32(seed)
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: items => items[Math.floor(next() * items.length)]!,
    chance: p => next() < p,
    shuffle: items => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[items[i], items[j]] = [items[j]!, items[i]!]
      }
      return items
    }
  }
  return rng
}

// ---------------------------------------------------------------------------------------------
// One repository for every run: five commits with edits, additions, deletions, renames (one
// with an edit), a file that goes back to an earlier content, binaries, spaces and unicode.

const BINARY = (n: number) => Buffer.from([0x23, 0x20, 0x00, n, 0xff, 0x0a])
const HISTORY: FileEdits[] = [
  {
    'README.md': '# Readme\n',
    'CHANGELOG.md': '## 1.0\n',
    'docs/intro.md': 'Intro, first\n',
    'docs/guide.md': '# Guide\n\nHow to use it, at length.\n',
    'docs/a b c.md': 'spaces in the name\n',
    'docs/naïve café.md': 'unicode in the name\n',
    'docs/日本語 ファイル.md': 'こんにちは\n',
    'docs/emoji 🎉.md': 'party\n',
    'docs/empty.md': '',
    'docs/drafts/wip.md': 'work in progress\n',
    'docs/drafts/idea.md': 'an idea\n',
    'notes/todo.md': '- [ ] one\n',
    'notes/meeting 2026-01.md': '# January\n\nWe met and talked about many things.\n',
    'notes/todo.txt': 'plain text todo\n',
    'deep/a/b/c/d.md': 'deep\n',
    'deep/a/b/e.md': 'less deep\n',
    'api/v1.md': 'v1\n',
    'api/v2.md': 'v2\n',
    'faq.md': '# FAQ\n\nQ: why?\nA: because.\n',
    LICENSE: 'MIT\n',
    'src/index.ts': 'export {}\n',
    'src/util.ts': 'export const x = 1\n',
    'docs/logo.md': BINARY(1),
    'docs/blob.md': BINARY(2),
    'assets/img.png': BINARY(3)
  },
  {
    'docs/intro.md': 'Intro, second\n',
    'notes/todo.md': '- [x] one\n- [ ] two\n',
    'api/v1.md': 'v1, revised\n',
    'docs/new one.md': 'new in two\n',
    'notes/ünïcode.md': 'ü\n',
    'CHANGELOG.md': null,
    'docs/drafts/idea.md': null,
    'docs/guide.md': null,
    'guide/guide.md': '# Guide\n\nHow to use it, at length.\n',
    'faq.md': null,
    'docs/faq.md': '# FAQ\n\nQ: why?\nA: because.\n'
  },
  {
    'README.md': '# Readme\n\nMore.\n',
    'docs/a b c.md': 'spaces in the name, edited\n',
    'deep/a/b/e.md': 'less deep, edited\n',
    'api/v3.md': 'v3\n',
    'docs/drafts/next.md': 'next\n',
    'api/v2.md': null,
    'notes/meeting 2026-01.md': null,
    'notes/meetings/2026-01.md': '# January\n\nWe met and talked about many things!\n',
    'docs/empty.md': 'no longer empty\n',
    'src/index.ts': 'export const y = 2\n'
  },
  {
    'docs/intro.md': 'Intro, first\n',
    'docs/naïve café.md': 'unicode in the name, edited\n',
    'CHANGELOG.md': '## 2.0\n',
    'deep/a/b/c/d.md': null,
    'notes/todo.txt': 'plain text todo, edited\n'
  },
  {
    'docs/new one.md': 'new in two, edited in five\n',
    'docs/日本語 ファイル.md': 'こんばんは\n',
    'notes/late.md': 'late\n',
    'docs/drafts/wip.md': null
  }
]

const GLOBS = [
  '**/*.md',
  '**/*.md\n!docs/drafts/**',
  'docs/**\nnotes/**',
  '**/*.md\n**/*.txt'
] as const

interface Commit {
  sha: string
  /** path → blob sha */
  blobs: Map<string, string>
}

let origin: TestRepo
let work: TestRepo
const commits: Commit[] = []
const blobText = new Map<string, Buffer>()

beforeAll(() => {
  const repos = createOrigin()
  origin = repos.origin
  work = repos.work
  for (const [i, edits] of HISTORY.entries()) {
    const sha = work.commit(`commit ${i + 1}`, edits)
    const blobs = new Map<string, string>()
    const listing = work.gitRaw('ls-tree', '-r', '-z', '--full-tree', sha).toString('utf8')
    for (const record of listing.split('\0').filter(Boolean)) {
      const [meta, path] = record.split('\t') as [string, string]
      blobs.set(path, meta.split(' ')[2]!)
    }
    commits.push({ sha, blobs })
  }
  work.push()
  for (const c of commits) {
    for (const blob of c.blobs.values()) {
      if (!blobText.has(blob)) blobText.set(blob, work.gitRaw('cat-file', 'blob', blob))
    }
  }
})

afterAll(removeRepos)

// ---------------------------------------------------------------------------------------------
// What a run looks like

interface Scenario {
  seed: number
  resourceType: ResourceType
  sync: SyncMode
  event: 'push' | 'workflow_dispatch'
  base: number
  target: number
  files: string
  globs: GlobSet
  prune: boolean
  namePrefix: string
  checkout: boolean
  latencyMs: number
  secondaryRateLimit?: EmulatorOptions['secondaryRateLimit']
  /** Writes per Set Space request (1: one request per resource). */
  batchSize: number
  faults: { fault: Fault; flush: { method: string; path: string } }[]
}

const isText = (blob: string) => !blobText.get(blob)!.includes(0)

/** In-scope text files at the target commit: the ones that must end up in the Space. */
function desired(s: Scenario): Map<string, string> {
  const out = new Map<string, string>()
  for (const [path, blob] of commits[s.target]!.blobs) {
    if (s.globs.matches(path) && isText(blob)) out.set(path, blob)
  }
  return out
}

/**
 * Paths a changed-scope run decides (both sides of every change between base and target), and
 * the old paths of renames.
 */
function changedPaths(s: Scenario): { paths: Set<string>; renamedFrom: Set<string> } {
  const key = `${s.base}..${s.target}`
  const known = diffs.get(key)
  if (known) return known
  const out = work.gitRaw(
    'diff',
    '--name-status',
    '-z',
    '-M',
    '-l10000',
    '--no-relative',
    commits[s.base]!.sha,
    commits[s.target]!.sha,
    '--'
  )
  const fields = out.toString('utf8').split('\0').filter(Boolean)
  const paths = new Set<string>()
  const renamedFrom = new Set<string>()
  for (let i = 0; i < fields.length;) {
    const status = fields[i++]!
    const path = fields[i++]!
    paths.add(path)
    if (/^[RC]/.test(status)) {
      paths.add(fields[i++]!)
      if (status.startsWith('R')) renamedFrom.add(path)
    }
  }
  diffs.set(key, { paths, renamedFrom })
  return { paths, renamedFrom }
}
const diffs = new Map<string, ReturnType<typeof changedPaths>>()

function isChangedScope(s: Scenario): boolean {
  return s.event === 'push' && s.sync !== 'full'
}

function makeScenario(seed: number, rng: Rng): Scenario {
  const target = rng.chance(0.5) ? commits.length - 1 : rng.int(1, commits.length - 1)
  const files = rng.pick(GLOBS)
  const scenario: Scenario = {
    seed,
    resourceType: rng.pick(['github_file', 'free_text'] as const),
    sync: rng.pick(['auto', 'changed', 'full'] as const),
    event: rng.chance(0.6) ? 'push' : 'workflow_dispatch',
    base: rng.int(0, target - 1),
    target,
    files,
    globs: compileGlobs(files),
    prune: rng.chance(0.8),
    namePrefix: rng.pick(['', '', 'repo: ']),
    checkout: rng.chance(0.85),
    latencyMs: rng.chance(0.1) ? 1 : 0,
    secondaryRateLimit: rng.chance(0.15) ? { maxWrites: 4, windowMs: 10_000 } : undefined,
    batchSize: 1,
    faults: []
  }
  // Drawn before the faults: a fault on Set Space only makes sense when batches are sent.
  scenario.batchSize = rng.pick([1, 1, 2, 5, 100])
  const count = rng.pick([0, 1, 1, 2, 2, 3, 4])
  for (let i = 0; i < count; i++) scenario.faults.push(randomFault(rng, scenario))
  return scenario
}

const SPACE_RESOURCES = /\/copilot-spaces\/\d+\/resources$/
const SPACE_RESOURCE = /\/copilot-spaces\/\d+\/resources\/\d+$/
const SPACE = /\/copilot-spaces\/\d+$/

/** A fault, and a request that matches it without touching the Space, to use it up. */
function randomFault(rng: Rng, s: Scenario): Scenario['faults'][number] {
  const targets = [
    { method: 'POST', path: SPACE_RESOURCES, flush: `/orgs/${ORG}/copilot-spaces/0/resources` },
    { method: 'PUT', path: SPACE_RESOURCE, flush: `/orgs/${ORG}/copilot-spaces/0/resources/1` },
    { method: 'DELETE', path: SPACE_RESOURCE, flush: `/orgs/${ORG}/copilot-spaces/0/resources/1` },
    { method: 'GET', path: SPACE_RESOURCES, flush: `/orgs/${ORG}/copilot-spaces/0/resources` },
    ...(s.batchSize > 1
      ? [{ method: 'PUT', path: SPACE, flush: `/orgs/${ORG}/copilot-spaces/0` }]
      : []),
    ...(s.checkout
      ? []
      : [
          { method: 'GET', path: /\/git\/blobs\//, flush: '/repos/nobody/none/git/blobs/0' },
          { method: 'GET', path: /\/git\/trees\//, flush: '/repos/nobody/none/git/trees/0' },
          { method: 'GET', path: /\/compare\//, flush: '/repos/nobody/none/compare/a...b' }
        ])
  ]
  const t = rng.pick(targets)
  const write = t.method !== 'GET'
  const base: Fault = { method: t.method, path: t.path, nth: rng.int(1, 4), times: rng.int(1, 2) }
  const kind = rng.pick([
    '5xx',
    '5xx',
    'reset',
    'reset',
    'secondary',
    'secondary',
    'primary',
    'fatal'
  ])
  let fault: Fault
  if (kind === '5xx') {
    fault = { ...base, status: rng.pick([500, 502, 503, 504]), apply: write && rng.chance(0.5) }
  } else if (kind === 'reset') {
    fault = { ...base, reset: true, apply: write && rng.chance(0.5) }
  } else if (kind === 'secondary') {
    const headers = rng.pick<Record<string, string>>([
      { 'retry-after': String(rng.int(1, 90)) },
      {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(START / 1000 + rng.int(10, 300))
      },
      {}
    ])
    fault = {
      ...base,
      status: rng.pick([403, 429]),
      headers,
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' }
    }
  } else if (kind === 'primary') {
    // Exhausted, resetting within the budget the action waits for.
    fault = {
      ...base,
      status: 403,
      headers: {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(START / 1000 + rng.int(10, 300))
      },
      body: { message: 'API rate limit exceeded for user ID 1.' }
    }
  } else {
    // More than the retries allow: the request (or the run, for a read) fails.
    fault = { ...base, times: 5, status: 502, apply: write && rng.chance(0.5) }
  }
  return { fault, flush: { method: t.method, path: t.flush } }
}

// ---------------------------------------------------------------------------------------------
// Seeding the Space

interface Seed {
  handMade: ResourceRecord[]
  /** Ours at paths that must not survive a pruning run: kept as they are when prune is false. */
  oursElsewhere: ResourceRecord[]
}

function githubFile(path: string, sha: string | null | undefined) {
  return {
    resource_type: 'github_file',
    metadata: {
      repository_id: REPO_ID,
      file_path: path,
      ...(sha === undefined ? {} : { sha })
    }
  }
}

function freeText(s: Scenario, path: string, blob: string, name = s.namePrefix + path) {
  return {
    resource_type: 'free_text',
    metadata: {
      name,
      text: withMarker(blobText.get(blob)!.toString('utf8'), {
        repositoryId: REPO_ID,
        path,
        blobSha: blob
      })
    }
  }
}

type NewResource = { resource_type: string; metadata: Record<string, unknown> }

/** Commits where `path` has content `blob` (or other content, with `same` false). */
function commitsWith(path: string, blob: string, same: boolean): string[] {
  return commits
    .filter(c => c.blobs.has(path) && (c.blobs.get(path) === blob) === same)
    .map(c => c.sha)
}

function current(
  s: Scenario,
  rng: Rng,
  path: string,
  blob: string,
  type = s.resourceType
): NewResource {
  if (type === 'free_text') return freeText(s, path, blob)
  // Mostly the commits a run knows anyway; sometimes any other commit with the same content.
  const usual = [commits[s.target]!.sha, commits[s.base]!.sha].filter(sha =>
    commitsWith(path, blob, true).includes(sha)
  )
  return githubFile(
    path,
    rng.chance(0.7) && usual.length > 0 ? rng.pick(usual) : rng.pick(commitsWith(path, blob, true))
  )
}

function stale(
  s: Scenario,
  rng: Rng,
  path: string,
  blob: string,
  type = s.resourceType
): NewResource {
  const older = commits
    .filter(c => c.blobs.has(path) && c.blobs.get(path) !== blob && isText(c.blobs.get(path)!))
    .map(c => c.blobs.get(path)!)
  if (type === 'free_text') {
    if (older.length > 0 && rng.chance(0.7)) return freeText(s, path, rng.pick(older))
    return freeText(s, path, blob, `renamed by hand: ${path}`)
  }
  const others = commitsWith(path, blob, false)
  const r = rng.next()
  if (others.length > 0 && r < 0.8) return githubFile(path, rng.pick(others))
  if (r < 0.9) return githubFile(path, rng.pick([undefined, null]))
  return githubFile(path, 'dead'.repeat(10))
}

/** Our resource for a path that should have none: a file removed, renamed away, or never there. */
function orphan(s: Scenario, rng: Rng, path: string): NewResource {
  const blobs = commits.map(c => c.blobs.get(path)).filter((b): b is string => !!b && isText(b))
  const type = rng.chance(0.8) ? s.resourceType : other(s.resourceType)
  if (type === 'free_text') {
    return blobs.length > 0
      ? freeText(s, path, rng.pick(blobs))
      : {
          resource_type: 'free_text',
          metadata: {
            name: path,
            text: withMarker('gone\n', { repositoryId: REPO_ID, path, blobSha: 'a'.repeat(40) })
          }
        }
  }
  const shas = commits.filter(c => c.blobs.has(path)).map(c => c.sha)
  return githubFile(path, shas.length > 0 ? rng.pick(shas) : commits[0]!.sha)
}

const other = (t: ResourceType): ResourceType => (t === 'github_file' ? 'free_text' : 'github_file')

function handMade(s: Scenario, rng: Rng, paths: string[]): NewResource[] {
  const path = () => rng.pick(paths)
  const catalog: (() => NewResource)[] = [
    () => ({ resource_type: 'free_text', metadata: { name: path(), text: 'A hand-written note' } }),
    () => {
      const p = path()
      const text = withMarker('synced by another repository\n', {
        repositoryId: 999,
        path: p,
        blobSha: 'b'.repeat(40)
      })
      return { resource_type: 'free_text', metadata: { name: p, text } }
    },
    () => ({
      resource_type: 'free_text',
      metadata: {
        name: 'src/index.ts',
        text: withMarker('out of scope\n', {
          repositoryId: REPO_ID,
          path: 'src/index.ts',
          blobSha: 'c'.repeat(40)
        })
      }
    }),
    () => ({
      resource_type: 'free_text',
      metadata: { name: path(), text: 'looks like ours\n<!-- copilot-space-sync: {not json} -->\n' }
    }),
    () => ({
      resource_type: 'github_file',
      metadata: { repository_id: 999, file_path: path(), sha: 'f'.repeat(40) }
    }),
    () => ({
      resource_type: 'github_file',
      metadata: { repository_id: REPO_ID, file_path: 'src/util.ts', sha: commits[0]!.sha }
    }),
    () => ({ resource_type: 'repository', metadata: { repository_id: REPO_ID } }),
    () => ({ resource_type: 'github_issue', metadata: { repository_id: REPO_ID, number: 7 } })
  ]
  return Array.from({ length: rng.int(2, 6) }, () => rng.pick(catalog)())
}

function seedSpace(h: Harness, s: Scenario, rng: Rng): Seed {
  const want = desired(s)
  const everyPath = [...new Set(commits.flatMap(c => [...c.blobs.keys()]))]
  const inScopeText = everyPath.filter(
    p => s.globs.matches(p) && commits.some(c => c.blobs.has(p) && isText(c.blobs.get(p)!))
  )
  const decided = isChangedScope(s) ? changedPaths(s).paths : undefined
  const mayDisturb = (path: string) => decided === undefined || decided.has(path)
  // How far the Space is from the repository: from nearly in sync to mostly wrong.
  const disturb = rng.pick([0.1, 0.25, 0.4, 0.7])
  const ours: NewResource[] = []
  const elsewhere: NewResource[] = []

  for (const [path, blob] of want) {
    if (!mayDisturb(path)) {
      // A changed-scope run leaves this path alone: it must already be right.
      ours.push(current(s, rng, path, blob))
      continue
    }
    const state = rng.chance(disturb)
      ? rng.pick(['missing', 'stale', 'stale', 'duplicates', 'other type'])
      : 'current'
    if (state === 'current') ours.push(current(s, rng, path, blob))
    if (state === 'stale') ours.push(stale(s, rng, path, blob))
    if (state === 'duplicates') {
      for (let i = rng.int(2, 3); i > 0; i--) {
        ours.push(rng.chance(0.5) ? current(s, rng, path, blob) : stale(s, rng, path, blob))
      }
    }
    if (state === 'other type') {
      ours.push(current(s, rng, path, blob, other(s.resourceType)))
      if (rng.chance(0.5)) ours.push(current(s, rng, path, blob))
    }
  }
  const gone = [...inScopeText.filter(p => !want.has(p) && mayDisturb(p)), 'ghost/never there.md']
  for (const path of gone) {
    if (decided && !decided.has(path)) continue
    if (rng.chance(disturb / 2)) elsewhere.push(orphan(s, rng, path))
  }
  const hands = handMade(s, rng, [...want.keys(), 'ghost/never there.md'])
  const all = rng.shuffle([
    ...ours.map(r => ({ r, kind: 'ours' })),
    ...elsewhere.map(r => ({ r, kind: 'elsewhere' })),
    ...hands.map(r => ({ r, kind: 'hand' }))
  ])
  const seed: Seed = { handMade: [], oursElsewhere: [] }
  for (const { r, kind } of all) {
    const added = h.emu.addResource('org', ORG, h.space, r)
    if (kind === 'hand') seed.handMade.push(added)
    if (kind === 'elsewhere') seed.oursElsewhere.push(added)
  }
  return seed
}

// ---------------------------------------------------------------------------------------------
// Checking the Space

interface Ours {
  record: ResourceRecord
  type: ResourceType
  path: string
}

/** The resources the action may manage, by the same definition it uses (README: ownership). */
function classify(resources: ResourceRecord[], globs: GlobSet): Ours[] {
  const ours: Ours[] = []
  for (const r of resources) {
    const m = r.metadata
    if (r.resource_type === 'github_file') {
      if (
        m.repository_id === REPO_ID &&
        typeof m.file_path === 'string' &&
        globs.matches(m.file_path)
      )
        ours.push({ record: r, type: 'github_file', path: m.file_path })
    } else if (r.resource_type === 'free_text') {
      const marker = readMarker(m.text)
      if (marker?.repositoryId === REPO_ID && globs.matches(marker.path))
        ours.push({ record: r, type: 'free_text', path: marker.path })
    }
  }
  return ours
}

function problems(h: Harness, s: Scenario, seed: Seed, requests: Exchange[]): string[] {
  const found: string[] = []
  const resources = h.emu.resources('org', ORG, h.space)
  const ours = classify(resources, s.globs)
  const want = desired(s)
  for (const [path, blob] of want) {
    const here = ours.filter(o => o.path === path)
    if (here.length !== 1 || here[0]!.type !== s.resourceType) {
      found.push(`${path}: ${here.length} resources of ours (${here.map(o => o.type).join(', ')})`)
      continue
    }
    const m = here[0]!.record.metadata
    if (s.resourceType === 'github_file') {
      const at = commits.find(c => c.sha === m.sha)
      if (at?.blobs.get(path) !== blob) found.push(`${path}: github_file at ${String(m.sha)}`)
    } else {
      const text = withMarker(blobText.get(blob)!.toString('utf8'), {
        repositoryId: REPO_ID,
        path,
        blobSha: blob
      })
      if (m.text !== text) found.push(`${path}: free_text holds ${JSON.stringify(m.text)}`)
      if (m.name !== s.namePrefix + path) found.push(`${path}: named ${JSON.stringify(m.name)}`)
    }
  }
  const kept = new Map(seed.oursElsewhere.map(r => [r.id, r]))
  // Even with prune false, a changed-scope run deletes the resource of a renamed file's old
  // path when the new path has its own (the plan calls it stale, not pruned).
  const renamedFrom = isChangedScope(s) ? changedPaths(s).renamedFrom : new Set<string>()
  for (const o of ours.filter(o => !want.has(o.path))) {
    const was = kept.get(o.record.id)
    if (s.prune || !was) found.push(`${o.path}: resource ${o.record.id} should not be there`)
    else if (JSON.stringify(was) !== JSON.stringify(o.record))
      found.push(`${o.path}: resource ${o.record.id} changed though prune is false`)
  }
  if (!s.prune) {
    for (const r of seed.oursElsewhere) {
      const path = classify([r], s.globs)[0]?.path
      if (
        path !== undefined &&
        !want.has(path) &&
        !renamedFrom.has(path) &&
        !resources.some(x => x.id === r.id)
      )
        found.push(`${path}: resource ${r.id} deleted though prune is false`)
    }
  }
  for (const r of seed.handMade) {
    const now = resources.find(x => x.id === r.id)
    if (!now) found.push(`hand-made resource ${r.id} was deleted: ${JSON.stringify(r)}`)
    else if (JSON.stringify(now) !== JSON.stringify(r))
      found.push(`hand-made resource ${r.id} changed: ${JSON.stringify(now)}`)
  }
  const foreign = new Set(seed.handMade.map(r => r.id))
  const space = `/orgs/${ORG}/copilot-spaces/${h.space}/resources/`
  for (const e of requests) {
    if (!isWrite(e) || !e.path.startsWith(space)) continue
    const id = Number(e.path.slice(space.length))
    if (foreign.has(id)) found.push(`${e.method} ${e.path} wrote to hand-made resource ${id}`)
  }
  return found
}

// ---------------------------------------------------------------------------------------------
// Running

/** Send requests that match each fault until it is used up, so a re-run sees none. */
async function flushFaults(h: Harness, s: Scenario): Promise<void> {
  for (const { fault, flush } of s.faults) {
    for (let i = 0; i < (fault.nth ?? 1) + (fault.times ?? 1); i++) {
      await fetch(h.emu.url + flush.path, {
        method: flush.method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'x-github-api-version': API_VERSION,
          'content-type': 'application/json'
        },
        body: flush.method === 'GET' || flush.method === 'DELETE' ? undefined : '{}'
      }).catch(() => undefined)
    }
  }
}

function inputFor(h: Harness, s: Scenario, rng: Rng): SyncInput {
  const target = commits[s.target]!.sha
  const ctx =
    s.event === 'push'
      ? {
          eventName: 'push',
          payload: pushPayload(commits[s.base]!.sha, target)
        }
      : { eventName: 'workflow_dispatch', payload: { repository } }
  return {
    files: s.files,
    settings: {
      resourceType: s.resourceType,
      sync: s.sync,
      prune: s.prune,
      namePrefix: s.namePrefix,
      maxDeletions: 1000,
      batchSize: s.batchSize
    },
    ctx: { ...ctx, sha: target, workspace: s.checkout ? work.dir : noCheckout() },
    random: rng.next
  }
}

const reported = (run: SyncRun) => run.error !== undefined || run.failed.length > 0

function describeScenario(s: Scenario): string {
  return JSON.stringify({
    ...s,
    globs: undefined,
    faults: s.faults.map(f => ({ ...f.fault, path: String(f.fault.path) }))
  })
}

interface RunResult {
  seed: number
  firstTime: boolean
  converged: boolean
  wallMs: number
  problems: string[]
}

async function runOne(seed: number): Promise<RunResult> {
  const started = performance.now()
  const rng = rngFor(seed)
  const s = makeScenario(seed, rng)
  const h = await startHarness({
    origin: origin.dir,
    workspace: work.dir,
    sha: commits[s.target]!.sha,
    emulator: { latencyMs: s.latencyMs, secondaryRateLimit: s.secondaryRateLimit }
  })
  try {
    const seeded = seedSpace(h, s, rng)
    for (const f of s.faults) h.emu.injectFault(f.fault)
    const input = inputFor(h, s, rng)
    const first = await runSync(h, input)
    const firstTime = !reported(first)
    let last = first
    const runs = [first]
    if (!firstTime) {
      await flushFaults(h, s)
      last = await runSync(h, input)
      runs.push(last)
    }
    const sent = runs.flatMap(r => r.requests)
    const found = problems(h, s, seeded, sent)
    if (reported(last)) {
      found.unshift(
        `the run without faults still failed: ${last.error?.message ?? JSON.stringify(last.failed)}`
      )
    }
    found.push(...contractViolations(sent))
    if (found.length > 0) {
      const lines = runs.flatMap((r, i) => [`--- run ${i + 1} log:`, ...r.log])
      found.push(`scenario: ${describeScenario(s)}`, ...lines)
    }
    return {
      seed,
      firstTime: firstTime && found.length === 0,
      converged: found.length === 0,
      wallMs: performance.now() - started,
      problems: found
    }
  } finally {
    await h.close()
  }
}

const results: RunResult[] = []

afterAll(() => {
  if (results.length === 0) return
  const first = results.filter(r => r.firstTime).length
  const total = results.filter(r => r.converged).length
  const slowest = results.reduce((a, b) => (b.wallMs > a.wallMs ? b : a))
  console.log(
    `randomized: ${results.length} runs, ${first} converged on the first attempt, ${total} in total; ` +
      `slowest run ${Math.round(slowest.wallMs)} ms (seed ${slowest.seed})`
  )
})

const batches: number[][] = []
for (let i = 0; i < SEEDS.length; i += BATCH) batches.push(SEEDS.slice(i, i + BATCH))

describe('seeded random runs converge', () => {
  it.each(batches.map(b => [b[0]!, b.at(-1)!, b] as const))(
    'seeds %i to %i',
    async (_from, _to, seeds) => {
      const failed: RunResult[] = []
      for (const seed of seeds) {
        const result = await runOne(seed)
        results.push(result)
        if (!result.converged) failed.push(result)
      }
      const report = failed.map(
        r =>
          `seed ${r.seed} (replay: SEED=${r.seed} npm run jest -- __tests__/randomized.slow.test.ts):\n  ` +
          r.problems.slice(0, 60).join('\n  ')
      )
      expect(report).toEqual([])
    },
    60_000
  )
})
