/**
 * `npm run bench`: runs the committed dist/index.js against the emulator and counts the API
 * requests (reads and writes) and wall time of typical runs. Request counts are what GitHub's
 * rate limits charge, so they are the figures that matter; times are for orientation only.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cloneRepo, createOrigin, removeRepos } from '../__tests__/helpers/git-repo.js'
import { startEmulator } from '../emulator/index.js'
import { runAction } from './runner.js'

const ORG = 'octo-org'
const REPO = 'bench'
const REPO_ID = 7
const TOKEN = 'ghp_bench0000000000000000000000000000'
const FILES = Number(process.env.BENCH_FILES ?? 100)
const CHANGED = 5

interface Row {
  scenario: string
  reads: number
  writes: number
  created: string
  updated: string
  deleted: string
  unchanged: string
  ms: number
}

const rows: Row[] = []
const emu = await startEmulator()
try {
  emu.addOrg(ORG)
  emu.addToken(TOKEN, { login: 'octocat', access: { [ORG]: 'write' } })
  const { origin, work } = createOrigin()
  emu.addRepo({ owner: ORG, name: REPO, id: REPO_ID, dir: origin.dir })
  const files = Object.fromEntries(
    Array.from({ length: FILES }, (_, i) => [
      `docs/page-${String(i).padStart(3, '0')}.md`,
      `# Page ${i}\n`
    ])
  )
  const first = work.commit('docs', { ...files, 'src/app.ts': 'export {}\n' })
  work.push()
  const edits = Object.fromEntries(
    Object.keys(files)
      .slice(0, CHANGED)
      .map(p => [p, `# Edited ${p}\n`])
  )
  const second = work.commit(`edit ${CHANGED}`, edits)
  work.push()

  const repository = { id: REPO_ID, name: REPO, full_name: `${ORG}/${REPO}` }
  async function measure(
    scenario: string,
    step: {
      sha: string
      eventName: string
      payload: object
      checkout: boolean
      with: Record<string, string>
    }
  ) {
    emu.clearLog()
    const run = await runAction({
      // Without the 1 s pacing of writes (write-interval), which would dominate the times.
      with: { token: TOKEN, 'owner-type': 'org', 'write-interval': '0', ...step.with },
      eventName: step.eventName,
      payload: { repository, ...step.payload },
      workspace: step.checkout
        ? cloneRepo(origin.url, { depth: 1 }).dir
        : mkdtempSync(join(tmpdir(), 'bench-')),
      sha: step.sha,
      repository: `${ORG}/${REPO}`,
      apiUrl: emu.url
    })
    if (run.code !== 0) throw new Error(`${scenario} failed:\n${run.stdout}\n${run.stderr}`)
    const writes = emu.requests.filter(r => r.method !== 'GET').length
    rows.push({
      scenario,
      reads: emu.requests.length - writes,
      writes,
      created: run.outputs.created ?? '',
      updated: run.outputs.updated ?? '',
      deleted: run.outputs.deleted ?? '',
      unchanged: run.outputs.unchanged ?? '',
      ms: run.durationMs
    })
  }

  for (const type of ['github_file', 'free_text'] as const) {
    for (const checkout of [true, false]) {
      const space = emu.createSpace('org', ORG, { name: `${type} ${checkout}` }).number
      const w = { 'space-number': String(space), 'resource-type': type }
      const where = `${type}, ${checkout ? 'checkout' : 'no checkout'}`
      await measure(`full sync of ${FILES} files (${where})`, {
        sha: first,
        eventName: 'workflow_dispatch',
        payload: {},
        checkout,
        with: w
      })
      await measure(`push changing ${CHANGED} of them (${where})`, {
        sha: second,
        eventName: 'push',
        payload: { before: first, after: second, ref: 'refs/heads/main' },
        checkout,
        with: w
      })
      await measure(`full sync again, nothing changed (${where})`, {
        sha: second,
        eventName: 'workflow_dispatch',
        payload: {},
        checkout,
        with: w
      })
    }
  }

  // pin: false: an edit needs no write; a real push payload names the default branch.
  for (const checkout of [true, false]) {
    const space = emu.createSpace('org', ORG, { name: `unpinned ${checkout}` }).number
    const w = { 'space-number': String(space), pin: 'false' }
    const where = `github_file, pin: false, ${checkout ? 'checkout' : 'no checkout'}`
    const repository = { default_branch: 'main' }
    await measure(`full sync of ${FILES} files (${where})`, {
      sha: first,
      eventName: 'workflow_dispatch',
      payload: { repository },
      checkout,
      with: w
    })
    await measure(`push changing ${CHANGED} of them (${where})`, {
      sha: second,
      eventName: 'push',
      payload: { before: first, after: second, ref: 'refs/heads/main', repository },
      checkout,
      with: w
    })
  }
} finally {
  await emu.close()
  removeRepos()
}

const header = [
  'scenario',
  'reads',
  'writes',
  'created',
  'updated',
  'deleted',
  'unchanged',
  'ms'
] as const
console.log(`| ${header.join(' | ')} |`)
console.log(`|${header.map(() => ' --- |').join('')}`)
for (const r of rows) console.log(`| ${header.map(h => r[h]).join(' | ')} |`)
