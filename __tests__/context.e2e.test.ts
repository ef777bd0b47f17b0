/**
 * End to end, the run's context: what the runner gives (GITHUB_* variables, the event file) is
 * read, its defaults fill empty inputs, and a context the action cannot trust fails before any
 * request with a message that says what to fix.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../emulator/index.js'
import type { RunActionOptions } from '../scripts/runner.js'
import { dispatchRun, errorLine, expectSuccess, useEmulatedRepo } from './helpers/e2e.js'
import { ORG } from './helpers/github.js'

const github = useEmulatedRepo()
let emu: Emulator
let head: string
let space: number

beforeAll(() => {
  emu = github.emu
  head = github.work.commit('docs', { 'docs/a.md': 'A\n' })
  github.work.push()
  space = emu.createSpace('org', ORG, { name: 'Context' }).number
})

function run(extra: Partial<RunActionOptions> = {}) {
  return dispatchRun(github, head, {
    ...extra,
    with: { 'space-number': String(space), files: 'docs/**', ...extra.with }
  })
}

function scratchFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'context-')), name)
  writeFileSync(path, text)
  return path
}

describe('the run context', () => {
  it("fills an empty 'owner' from the repository and an empty 'api-url' from GITHUB_API_URL", async () => {
    const result = await run({ with: { owner: '', 'api-url': '' } })
    expectSuccess(result)
    expect(result.outputs.created).toBe('1')
    expect(emu.resources('org', ORG, space).map(r => r.metadata.file_path)).toEqual(['docs/a.md'])
    // Every request went to GITHUB_API_URL (the emulator) and named the repository's owner.
    expect(emu.requests.length).toBeGreaterThan(0)
    expect(
      emu.requests
        .filter(e => e.path.includes('/copilot-spaces'))
        .every(e => e.path.includes(`/orgs/${ORG}/`))
    ).toBe(true)
  })

  it('fails before any request when the event file is not JSON, naming the file', async () => {
    const bad = scratchFile('event.json', '{"ref": "refs/heads/main",')
    const result = await run({ env: { GITHUB_EVENT_PATH: bad } })
    const line = errorLine(result)
    expect(line).toContain(`Could not read the event payload at ${bad}`)
    expect(line).toContain('JSON')
    expect(emu.requests).toEqual([])
  })

  it('fails before any request when the event file does not exist', async () => {
    const missing = join(tmpdir(), 'no-such-dir-for-context', 'event.json')
    const result = await run({ env: { GITHUB_EVENT_PATH: missing } })
    expect(errorLine(result)).toContain(
      `GITHUB_EVENT_PATH names ${JSON.stringify(missing)}, which does not exist`
    )
    expect(emu.requests).toEqual([])
  })

  it('fails before any request when the repository is unknown', async () => {
    const result = await run({ env: { GITHUB_REPOSITORY: '' }, payload: {} })
    expect(errorLine(result)).toContain('GITHUB_REPOSITORY must be "owner/name"; got ""')
    expect(emu.requests).toEqual([])
  })

  it('refuses a repository name that could not stand in a URL', async () => {
    const result = await run({ env: { GITHUB_REPOSITORY: `${ORG}/a b` } })
    expect(errorLine(result)).toContain(`GITHUB_REPOSITORY must be "owner/name"; got "${ORG}/a b"`)
    expect(emu.requests).toEqual([])
  })

  it('refuses a GITHUB_SHA that is not a commit SHA', async () => {
    const result = await run({ sha: 'main' })
    expect(errorLine(result)).toContain('GITHUB_SHA must be a commit SHA; got "main"')
    expect(emu.requests).toEqual([])
  })
})
