/**
 * End to end, several Spaces from one `config` file: validated before any request, planned, then
 * written, one failing Space not stopping the others; a section per Space in the summary.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../emulator/index.js'
import { runAction, type ActionRun } from '../scripts/runner.js'
import { errorLine, expectSuccess, useEmulatedRepo } from './helpers/e2e.js'
import { cloneRepo, type TestRepo } from './helpers/git-repo.js'
import { ORG, REPO, TOKEN, writesOf } from './helpers/github.js'
import { repository } from './helpers/payloads.js'

const CONFIG = '.github/copilot-spaces.yml'

const github = useEmulatedRepo()
let emu: Emulator
let work: TestRepo
let originUrl: string
let base: string
let runs = 0

beforeAll(() => {
  ;({ emu, work, originUrl } = github)
  base = work.commit('start', { 'notes.txt': 'start\n' })
  work.commit('docs', {
    'docs/a.md': 'A\n',
    'docs/b.md': 'B\n',
    'handbook/intro.md': 'Intro\n',
    'handbook/rules.md': 'Rules\n',
    '.github/handbook-instructions.md': 'Cite the handbook.\n'
  })
  work.push()
})

/** Commits `config` as the config file and runs the step at that commit. */
async function runWith(
  config: string,
  extra: {
    eventName?: string
    payload?: (sha: string) => Record<string, unknown>
    with?: Record<string, string>
  } = {}
): Promise<ActionRun> {
  // A comment numbering the run: the same file twice is still a new commit.
  const sha = work.commit('config', { [CONFIG]: `${config}\n# run ${++runs}\n` })
  work.push()
  emu.clearLog()
  return runAction({
    repository: `${ORG}/${REPO}`,
    apiUrl: emu.url,
    eventName: extra.eventName ?? 'workflow_dispatch',
    payload: extra.payload?.(sha) ?? { repository },
    sha,
    workspace: cloneRepo(originUrl, { depth: 1 }).dir,
    with: {
      token: TOKEN,
      'owner-type': 'org',
      'write-interval': '0',
      config: CONFIG,
      ...extra.with
    }
  })
}

const paths = (number: number) =>
  emu
    .resources('org', ORG, number)
    .map(r => (r.metadata.file_path ?? r.metadata.name) as string)
    .sort()

describe('a config file with two Spaces', () => {
  let docs: number
  const config = (docsNumber: number) => `
spaces:
  - space-number: ${docsNumber}
    files: docs/**
  - space-name: Handbook
    create-space: true
    resource-type: free_text
    instructions-file: .github/handbook-instructions.md
    files:
      - handbook/**
`

  beforeAll(() => {
    docs = emu.createSpace('org', ORG, { name: 'Docs' }).number
  })

  it('previews both on a pull request: nothing written, nothing created', async () => {
    const result = await runWith(config(docs), {
      eventName: 'pull_request',
      payload: sha => ({
        pull_request: { number: 4, base: { sha: base }, head: { sha } },
        repository
      })
    })
    expectSuccess(result)
    expect(writesOf(emu)).toEqual([])
    expect(emu.spaces('org', ORG).map(s => s.name)).toEqual(['Docs'])
    expect(result.summary.match(/^## Copilot Space sync/gm)).toHaveLength(2)
    expect(result.summary).toContain('Would create the Space')
    expect(result.outputs.created).toBe('4')
  })

  it('syncs both in one run, each with its own files and resource type', async () => {
    const result = await runWith(config(docs))
    expectSuccess(result)
    expect(paths(docs)).toEqual(['docs/a.md', 'docs/b.md'])
    const handbook = emu.spaces('org', ORG).find(s => s.name === 'Handbook')!
    expect(handbook.general_instructions).toBe('Cite the handbook.\n')
    expect(paths(handbook.number)).toEqual(['handbook/intro.md', 'handbook/rules.md'])
    expect(emu.resources('org', ORG, handbook.number).map(r => r.resource_type)).toEqual([
      'free_text',
      'free_text'
    ])
    const spaces = JSON.parse(result.outputs.spaces!) as Record<string, unknown>[]
    expect(spaces).toEqual([
      expect.objectContaining({ owner: ORG, number: docs, created: 2, failed: 0 }),
      expect.objectContaining({ owner: ORG, number: handbook.number, created: 2 })
    ])
    expect(result.outputs['space-number']).toBe('')
    expect(result.outputs.created).toBe('4')
    const entries = JSON.parse(result.outputs.resources!) as { space: string; path: string }[]
    expect(entries.map(e => `${e.space} ${e.path}`)).toContain(`${ORG}/${docs} docs/a.md`)
    expect(result.summary.match(/^## Copilot Space sync/gm)).toHaveLength(2)

    // A no-op run of the same file: the listings (and the name lookup) only.
    const again = await runWith(config(docs))
    expectSuccess(again)
    expect(writesOf(emu)).toEqual([])
    expect(emu.requests.map(r => `${r.method} ${r.route}`)).toEqual([
      'GET /orgs/{org}/copilot-spaces/{space_number}/resources',
      'GET /orgs/{org}/copilot-spaces',
      'GET /orgs/{org}/copilot-spaces/{space_number}/resources'
    ])
  })

  it('one Space failing does not stop the other; the step fails naming it', async () => {
    const result = await runWith(`
spaces:
  - space-name: Nowhere
  - space-number: ${docs}
    files: docs/**
    description: The docs
`)
    expect(result.code).not.toBe(0)
    expect(emu.spaces('org', ORG).find(s => s.number === docs)?.description).toBe('The docs')
    expect(errorLine(result)).toContain('"Nowhere"')
    expect(result.stdout).toContain('1 of 2 Space(s) failed')
    expect(result.summary).toContain('Copilot Space sync failed')
  })
})

describe('an invalid config file is refused before any request', () => {
  it.each([
    [
      'an unknown key',
      'spaces:\n  - space-number: 1\n    colour: blue\n',
      "entry 1 (space-number 1): unknown key 'colour'; accepted keys: owner, owner-type"
    ],
    [
      'a wrong type',
      'spaces:\n  - space-name: Docs\n    prune: yes\n',
      `entry 1 ("Docs"): key 'prune' must be true or false; got "yes"`
    ],
    [
      'a wrong value',
      'spaces:\n  - space-name: Docs\n    resource-type: file\n',
      'key \'resource-type\' must be one of github_file, free_text; got "file"'
    ],
    [
      'neither name nor number',
      'spaces:\n  - files: docs/**\n',
      "entry 1: has neither of 'space-number' and 'space-name'"
    ],
    [
      'both name and number',
      'spaces:\n  - space-number: 2\n    space-name: Docs\n',
      `entry 1 ("Docs"): has both 'space-number' and 'space-name'`
    ],
    [
      'files of another kind',
      'spaces:\n  - space-number: 2\n    files: 3\n',
      "key 'files' must be a list of globs, or a block string with one glob a line; got 3"
    ],
    ['no spaces list', 'space-number: 2\n', "unknown top-level key 'space-number'"],
    [
      'an empty list',
      'spaces: []\n',
      "'spaces' must be a list with one entry per Space, at least one"
    ],
    ['not YAML', 'spaces: [\n', 'is not valid YAML'],
    [
      'a bad glob, as the input checks it',
      'spaces:\n  - space-number: 2\n    files: /docs/**\n',
      `entry 1 (space-number 2): key 'files' has a pattern starting with "/"`
    ],
    [
      'base-role on a user Space',
      'spaces:\n  - space-number: 2\n    owner-type: user\n    base-role: reader\n',
      'key \'base-role\' ("reader") is for organization Spaces only'
    ]
  ])('%s', async (_, text, message) => {
    const result = await runWith(text)
    expect(result.code).not.toBe(0)
    expect(errorLine(result)).toContain(`Config file "${CONFIG}"`)
    expect(errorLine(result)).toContain(message)
    expect(emu.requests).toEqual([])
  })

  it('config with space-number is an input error', async () => {
    const result = await runWith('spaces:\n  - space-number: 2\n', {
      with: { 'space-number': '2' }
    })
    expect(errorLine(result)).toContain(
      `Input 'config' ("${CONFIG}") and input 'space-number' ("2") are both set`
    )
    expect(emu.requests).toEqual([])
  })
})
