/**
 * End to end, the Space itself: found by name, created when asked, its description, instructions
 * and base role written from the repository only when they differ. Through the committed
 * dist/index.js against the emulator, with a real git repository as the workspace.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../emulator/index.js'
import { runAction, type ActionRun } from '../scripts/runner.js'
import { errorLine, expectSuccess, useEmulatedRepo } from './helpers/e2e.js'
import { cloneRepo, type TestRepo } from './helpers/git-repo.js'
import { ORG, REPO, TOKEN, USER, writesOf } from './helpers/github.js'
import { pushPayload, repository } from './helpers/payloads.js'

const ADMIN_TOKEN = 'ghp_spaceadmin0000000000000000000000000'
const READ_TOKEN = 'ghp_spacereader000000000000000000000000'

const github = useEmulatedRepo()
let emu: Emulator
let work: TestRepo
let originUrl: string
let first: string

beforeAll(() => {
  ;({ emu, work, originUrl } = github)
  emu.addToken(ADMIN_TOKEN, { login: USER, access: { [ORG]: 'admin', [USER]: 'admin' } })
  first = work.commit('docs', {
    'docs/a.md': 'A\n',
    'docs/b.md': 'B\n',
    '.github/space-instructions.md': 'Answer from the docs.\n'
  })
  work.push()
})

interface Run {
  with: Record<string, string>
  eventName?: string
  payload?: Record<string, unknown>
  sha?: string
  /** A depth-1 checkout of `sha` (the default), or none: the action reads through the API. */
  checkout?: boolean
}

async function run(r: Run): Promise<ActionRun> {
  emu.clearLog()
  const sha = r.sha ?? first
  return runAction({
    repository: `${ORG}/${REPO}`,
    apiUrl: emu.url,
    eventName: r.eventName ?? 'workflow_dispatch',
    payload: r.payload ?? { repository },
    sha,
    workspace:
      r.checkout === false
        ? mkdtempSync(join(tmpdir(), 'css-empty-'))
        : cloneRepo(originUrl, { depth: 1 }).dir,
    with: { token: TOKEN, 'owner-type': 'org', 'write-interval': '0', ...r.with }
  })
}

/** Writes to the Space itself (creation, settings), not its resources (batches name those). */
const spaceWrites = () =>
  writesOf(emu).filter(
    w =>
      /\/copilot-spaces(\/\d+)?$/.test(w.path) &&
      (w.requestBody as { resources_attributes?: unknown }).resources_attributes === undefined
  )
const spaceNamed = (name: string) => emu.spaces('org', ORG).filter(s => s.name === name)

describe('space-name', () => {
  it('finds the Space on the second page of 150', async () => {
    for (let i = 0; i < 149; i++) emu.createSpace('org', ORG, { name: `Filler ${i}` })
    const target = emu.createSpace('org', ORG, { name: 'Handbook' })
    const result = await run({ with: { 'space-name': 'Handbook' } })
    expectSuccess(result)
    const pages = emu.requests.filter(r => r.route === '/orgs/{org}/copilot-spaces')
    expect(pages).toHaveLength(2)
    expect(pages.map(p => p.query.per_page)).toEqual(['100', '100'])
    expect(result.outputs['space-number']).toBe(String(target.number))
    expect(result.outputs['space-url']).toBe(
      `https://github.com/copilot/spaces/${ORG}/${target.number}`
    )
    const paths = emu.resources('org', ORG, target.number).map(r => r.metadata.file_path)
    expect(paths.sort()).toEqual(['.github/space-instructions.md', 'docs/a.md', 'docs/b.md'])
  })

  it('fails before any write when no Space has the name, naming the input, the owner and create-space', async () => {
    const result = await run({ with: { 'space-name': 'Nowhere' } })
    const message = errorLine(result)
    expect(message).toContain("Input 'space-name'")
    expect(message).toContain(ORG)
    expect(message).toContain('"Nowhere"')
    expect(message).toContain("'create-space: true'")
    expect(message).toContain('can read')
    expect(writesOf(emu)).toEqual([])
    expect(result.summary).toContain('Copilot Space sync failed')
  })

  it('refuses a name two Spaces share, naming both numbers', async () => {
    const a = emu.createSpace('org', ORG, { name: 'Twin' })
    const b = emu.createSpace('org', ORG, { name: 'Twin' })
    const message = errorLine(await run({ with: { 'space-name': 'Twin' } }))
    expect(message).toContain(`numbers ${a.number}, ${b.number}`)
    expect(writesOf(emu)).toEqual([])
  })
})

describe('create-space', () => {
  it('previews the creation on a pull request: nothing is created', async () => {
    const result = await run({
      with: { 'space-name': 'Preview only', 'create-space': 'true', description: 'Docs' },
      eventName: 'pull_request',
      payload: {
        pull_request: { number: 3, base: { sha: first }, head: { sha: first } },
        repository
      }
    })
    expectSuccess(result)
    expect(writesOf(emu)).toEqual([])
    expect(spaceNamed('Preview only')).toEqual([])
    expect(result.summary).toContain('Would create the Space')
    expect(result.summary).toMatch(/\| Would set \| `description` \|/)
    expect(result.outputs['space-number']).toBe('')
  })

  it('creates the Space once, with its settings, and finds it on the next run', async () => {
    const w = {
      'space-name': 'Team docs',
      'create-space': 'true',
      description: 'What the team wrote down',
      'instructions-file': '.github/space-instructions.md'
    }
    const created = await run({ with: w })
    expectSuccess(created)
    const [space] = spaceNamed('Team docs')
    expect(space).toMatchObject({
      description: 'What the team wrote down',
      general_instructions: 'Answer from the docs.\n'
    })
    expect(spaceWrites().map(x => x.method)).toEqual(['POST'])
    expect(created.outputs['space-number']).toBe(String(space!.number))
    expect(created.stdout).toContain(`space-number: ${space!.number}`)
    expect(created.summary).toContain(`Created this Space`)
    expect(Number(created.outputs.created)).toBe(3)

    const again = await run({ with: w })
    expectSuccess(again)
    expect(spaceNamed('Team docs')).toHaveLength(1)
    expect(writesOf(emu)).toEqual([])
    expect(again.outputs['space-number']).toBe(String(space!.number))
  })

  it('a token that may not create Spaces gets a message naming the permission', async () => {
    emu.addToken(READ_TOKEN, { login: USER, access: { [ORG]: 'read' } })
    const result = await run({
      with: { token: READ_TOKEN, 'space-name': 'Not allowed', 'create-space': 'true' }
    })
    const message = errorLine(result)
    expect(message).toContain(`POST /orgs/${ORG}/copilot-spaces answered 403`)
    expect(message).toContain('Copilot Spaces')
    expect(message).toMatch(/write/)
    expect(spaceNamed('Not allowed')).toEqual([])
  })

  it('a create whose answer was lost is not sent twice', async () => {
    emu.injectFault({
      method: 'POST',
      path: `/orgs/${ORG}/copilot-spaces`,
      apply: true,
      reset: true
    })
    const result = await run({ with: { 'space-name': 'Lost answer', 'create-space': 'true' } })
    expectSuccess(result)
    expect(spaceNamed('Lost answer')).toHaveLength(1)
    expect(spaceWrites().filter(w => w.method === 'POST')).toHaveLength(1)
  })
})

describe('settings of a Space named by number', () => {
  it('instructions from a file: written once, unchanged on a re-run, updated by a push of that file alone', async () => {
    const space = emu.createSpace('org', ORG, { name: 'Instructions' }).number
    const w = {
      'space-number': String(space),
      'instructions-file': '.github/space-instructions.md',
      files: 'docs/**'
    }
    const firstRun = await run({ with: w })
    expectSuccess(firstRun)
    expect(spaceWrites().map(x => x.requestBody)).toEqual([
      { general_instructions: 'Answer from the docs.\n' }
    ])
    expect(firstRun.summary).toMatch(
      /\| Set \| `general_instructions` \| `instructions-file` \| unset \| 22 characters \|/
    )

    const rerun = await run({ with: w })
    expectSuccess(rerun)
    expect(writesOf(emu)).toEqual([])

    const edited = work.commit('instructions', {
      '.github/space-instructions.md': 'Answer from the docs, and cite them.\n'
    })
    work.push()
    const push = await run({
      with: w,
      eventName: 'push',
      payload: pushPayload(first, edited),
      sha: edited
    })
    expectSuccess(push)
    expect(writesOf(emu).map(x => x.requestBody)).toEqual([
      { general_instructions: 'Answer from the docs, and cite them.\n' }
    ])
    expect(emu.spaces('org', ORG).find(s => s.number === space)?.general_instructions).toBe(
      'Answer from the docs, and cite them.\n'
    )
    // Without a checkout, the file is read through the API at the same commit: nothing differs.
    const api = await run({ with: w, sha: edited, checkout: false })
    expectSuccess(api)
    expect(writesOf(emu)).toEqual([])
  })

  it('refuses instructions over 4000 characters before any request', async () => {
    const long = work.commit('long instructions', { '.github/long.md': 'é'.repeat(4001) })
    work.push()
    const space = emu.createSpace('org', ORG, { name: 'Too long' }).number
    const result = await run({
      with: { 'space-number': String(space), 'instructions-file': '.github/long.md' },
      sha: long
    })
    const message = errorLine(result)
    expect(message).toContain("Input 'instructions-file'")
    expect(message).toContain('4,001 characters')
    expect(message).toContain('at most 4,000')
    expect(emu.requests).toEqual([])
  })

  it('a missing instructions file is an input error naming the path', async () => {
    const space = emu.createSpace('org', ORG, { name: 'No file' }).number
    const message = errorLine(
      await run({ with: { 'space-number': String(space), 'instructions-file': 'nope.md' } })
    )
    expect(message).toContain('"nope.md"')
    expect(writesOf(emu)).toEqual([])
  })

  it('description and base-role: written when they differ, with admin access', async () => {
    const space = emu.createSpace('org', ORG, { name: 'Roles', description: 'old' }).number
    const w = { 'space-number': String(space), description: 'new', 'base-role': 'reader' }
    const refused = await run({ with: w })
    const message = errorLine(refused)
    expect(message).toContain('403')
    expect(message).toContain("'base-role'")
    expect(message).toContain('admin')
    expect(emu.spaces('org', ORG).find(s => s.number === space)).toMatchObject({
      description: 'old',
      base_role: 'no_access'
    })

    const admin = await run({ with: { ...w, token: ADMIN_TOKEN } })
    expectSuccess(admin)
    expect(spaceWrites().map(x => x.requestBody)).toEqual([
      { description: 'new', base_role: 'reader' }
    ])
    expect(emu.spaces('org', ORG).find(s => s.number === space)).toMatchObject({
      description: 'new',
      base_role: 'reader'
    })
    const again = await run({ with: { ...w, token: ADMIN_TOKEN } })
    expectSuccess(again)
    expect(writesOf(emu)).toEqual([])
  })

  it('base-role on a user Space is an input error, before any request', async () => {
    const space = emu.createSpace('user', USER, { name: 'Mine' }).number
    const result = await run({
      with: {
        owner: USER,
        'owner-type': 'user',
        'space-number': String(space),
        'base-role': 'reader'
      }
    })
    const message = errorLine(result)
    expect(message).toContain("Input 'base-role'")
    expect(message).toContain('organization Spaces only')
    expect(emu.requests).toEqual([])
  })
})
