/**
 * End to end: file names and GitHub messages that try to act as workflow commands, through the
 * committed dist/index.js run as the runner runs it. The runner splits output at CR, LF and CRLF,
 * acts on `::command::` at a line's (trimmed) start and on `##[command]` anywhere in a line; every
 * run's stdout and stderr are read that way, and no command may come from data.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../emulator/index.js'
import { runAction, type ActionRun, type RunActionOptions } from '../scripts/runner.js'
import { cloneRepo, createOrigin, removeRepos, type TestRepo } from './helpers/git-repo.js'
import { expectConforming, ORG, REPO, REPO_ID, startGitHub, TOKEN } from './helpers/github.js'
import { repository } from './helpers/payloads.js'

/** Names git accepts and the runner would act on, each with a payload tagged INJECTED. */
const HOSTILE = [
  'docs/a\n::error::INJECTED-1.md',
  'docs/b\r::notice::INJECTED-2.md',
  'docs/c\r\n::warning file=x,line=1::INJECTED-3.md',
  'docs/##[set-output name=deleted;]999.md',
  'docs/d\n::stop-commands::INJECTED-4\n.md',
  'docs/e ##[error]INJECTED-5.md',
  '::notice::INJECTED-6.md'
]

/** A GitHub message with line breaks and commands, as a 422 body could hold. */
const HOSTILE_MESSAGE =
  'Validation failed\n::error::INJECTED-GH\r::stop-commands::INJECTED-GH2\n##[set-output name=failed;]0'

/** The commands the runner would act on in this output: [command, data] per line. */
function commands(output: string): { name: string; data: string; line: string }[] {
  const found: { name: string; data: string; line: string }[] = []
  for (const line of output.split(/\r\n|\r|\n/)) {
    const trimmed = line.trimStart()
    const v2 = /^::([^\s:]+)[^:]*::(.*)$/.exec(trimmed)
    if (v2) found.push({ name: v2[1]!, data: v2[2]!, line })
    else if (trimmed.startsWith('::')) found.push({ name: '?', data: trimmed, line })
    const legacy = line.indexOf('##[')
    if (legacy >= 0) found.push({ name: '##[', data: line.slice(legacy), line })
  }
  return found
}

/** No command comes from data: only the action's own, and none whose own payload is injected. */
function expectNoInjectedCommand(result: ActionRun): void {
  const all = [...commands(result.stdout), ...commands(result.stderr)]
  const allowed = new Set(['add-mask', 'group', 'endgroup', 'error', 'warning'])
  const foreign = all.filter(c => !allowed.has(c.name) || /^INJECTED/.test(c.data))
  expect(foreign).toEqual([])
  // A legacy command can only come from data: the action writes none.
  expect(all.filter(c => c.name === '##[')).toEqual([])
}

let emu: Emulator
let work: TestRepo
let originUrl: string
let base: string
let head: string

beforeAll(async () => {
  emu = await startGitHub()
  const repos = createOrigin()
  work = repos.work
  originUrl = repos.origin.url
  emu.addRepo({ owner: ORG, name: REPO, id: REPO_ID, dir: repos.origin.dir })
  base = work.commit('plain', { 'docs/plain.md': 'plain\n' })
  head = work.commit(
    'hostile names',
    Object.fromEntries(HOSTILE.map((name, i) => [name, `file ${i}\n`]))
  )
  work.push()
})
afterAll(async () => {
  await emu.close()
  removeRepos()
})
afterEach(() => expectConforming(emu))

function space(): number {
  return emu.createSpace('org', ORG, { name: 'Hostile' }).number
}

async function run(
  number: number,
  options: Partial<RunActionOptions> & { with?: Record<string, string> } = {}
): Promise<ActionRun> {
  emu.clearLog()
  const result = await runAction({
    repository: `${ORG}/${REPO}`,
    apiUrl: emu.url,
    eventName: 'workflow_dispatch',
    payload: { repository },
    workspace: cloneRepo(originUrl, { depth: 1 }).dir,
    sha: head,
    ...options,
    with: {
      token: TOKEN,
      'space-number': String(number),
      'owner-type': 'org',
      files: 'docs/**\n::notice::INJECTED-6.md',
      'write-interval': '0',
      ...options.with
    }
  })
  expect(result.stdout.split('\n')[0]).toBe(`::add-mask::${TOKEN}`)
  expectNoInjectedCommand(result)
  return result
}

const paths = (n: number) =>
  emu
    .resources('org', ORG, n)
    .map(r => r.metadata.file_path)
    .sort()

describe('no file name or GitHub message becomes a workflow command', () => {
  it('a full sync with a checkout, both resource types', async () => {
    for (const type of ['github_file', 'free_text']) {
      const n = space()
      const result = await run(n, { with: { 'resource-type': type } })
      expect(result.code).toBe(0)
      expect(result.outputs.created).toBe(String(HOSTILE.length + 1))
      expect(result.outputs.deleted).toBe('0')
      expect(emu.resources('org', ORG, n)).toHaveLength(HOSTILE.length + 1)
    }
  })

  it('a push, with a checkout and without one (compare API)', async () => {
    for (const workspace of [
      cloneRepo(originUrl, { depth: 1 }).dir,
      mkdtempSync(join(tmpdir(), 'css-empty-'))
    ]) {
      const n = space()
      const result = await run(n, {
        eventName: 'push',
        payload: { ref: 'refs/heads/main', before: base, after: head, repository },
        workspace
      })
      expect(result.code).toBe(0)
      expect(result.outputs.created).toBe(String(HOSTILE.length))
      expect(paths(n)).toEqual([...HOSTILE].sort())
    }
  })

  it('a pull_request_target preview', async () => {
    const n = space()
    const result = await run(n, {
      eventName: 'pull_request_target',
      payload: {
        number: 7,
        pull_request: { number: 7, base: { sha: base }, head: { sha: head } },
        repository
      },
      sha: base
    })
    expect(result.code).toBe(0)
    expect(result.outputs.created).toBe(String(HOSTILE.length))
    expect(emu.resources('org', ORG, n)).toEqual([])
  })

  it('a max-deletions refusal naming the paths', async () => {
    const n = space()
    for (const file_path of HOSTILE) {
      emu.addResource('org', ORG, n, {
        resource_type: 'github_file',
        metadata: { repository_id: REPO_ID, file_path, sha: head }
      })
    }
    const result = await run(n, { sha: base, with: { 'max-deletions': '1' } })
    expect(result.code).not.toBe(0)
    // The action's own failure is still shown: nothing stopped the runner from reading it.
    expect(result.stdout).toMatch(/^::error::Refusing to delete 7 resources/m)
    expect(paths(n)).toEqual([...HOSTILE].sort())
  })

  it('failing writes whose GitHub message holds line breaks and commands', async () => {
    const n = space()
    // Refused as a batch and one by one, GitHub's message each time.
    for (const path of [
      `/orgs/${ORG}/copilot-spaces/${n}/resources`,
      `/orgs/${ORG}/copilot-spaces/${n}`
    ]) {
      emu.injectFault({
        method: path.endsWith('/resources') ? 'POST' : 'PUT',
        path,
        times: 100,
        status: 422,
        body: { message: HOSTILE_MESSAGE, errors: [{ code: 'custom', message: HOSTILE_MESSAGE }] }
      })
    }
    const result = await run(n)
    expect(result.code).not.toBe(0)
    expect(result.outputs.failed).toBe(String(HOSTILE.length + 1))
    // One cause, one annotation with the count.
    const errors = result.stdout.split('\n').filter(l => l.startsWith('::error'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /^::error title=8 resources not synced to the Copilot Space::8 resource\(s\) failed: POST answered 422: Validation failed\\n::error::INJECTED-GH\\r/
    )
    expect(result.stdout).toContain('Validation failed\\n::error::INJECTED-GH\\r')
  })
})

describe('warnings about inputs, through the log', () => {
  it('name-prefix with github_file, and globs that match nothing', async () => {
    const n = space()
    const result = await run(n, { with: { files: 'nothing/**', 'name-prefix': 'docs: ' } })
    expect(result.code).toBe(0)
    const warnings = result.stdout.split('\n').filter(l => l.startsWith('::warning::'))
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('name-prefix')
    expect(warnings[1]).toContain("Input 'files' matches none")
  })
})
