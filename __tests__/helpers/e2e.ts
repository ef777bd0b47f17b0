/**
 * What the end-to-end suites share: the emulator with the test repository registered (started
 * before the suite, closed after it, every exchange checked against the contract after each
 * test), and how a run of dist/index.js is read.
 */
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { runAction, type ActionRun, type RunActionOptions } from '../../scripts/runner.js'
import { cloneRepo, createOrigin, removeRepos, type TestRepo } from './git-repo.js'
import { expectConforming, ORG, REPO, REPO_ID, startGitHub, TOKEN } from './github.js'
import { repository } from './payloads.js'

export interface EmulatedRepo {
  emu: Emulator
  /** A work tree whose `push` goes to the repository the emulator serves. */
  work: TestRepo
  /** Its origin, for checkouts. */
  originUrl: string
}

/** The suite's emulator and repository; the fields are set once `beforeAll` has run. */
export function useEmulatedRepo(): EmulatedRepo {
  const shared = {} as EmulatedRepo
  beforeAll(async () => {
    shared.emu = await startGitHub()
    const repos = createOrigin()
    shared.work = repos.work
    shared.originUrl = repos.origin.url
    shared.emu.addRepo({ owner: ORG, name: REPO, id: REPO_ID, dir: repos.origin.dir })
  })
  afterAll(async () => {
    await shared.emu.close()
    removeRepos()
  })
  afterEach(() => {
    expectConforming(shared.emu)
  })
  return shared
}

/**
 * A `workflow_dispatch` run at `sha` on a fresh depth-1 clone of the suite's repository, the
 * emulator's log cleared first; `with` goes over the token, owner-type org and no write pacing.
 */
export function dispatchRun(
  github: EmulatedRepo,
  sha: string,
  options: Partial<RunActionOptions> = {}
): Promise<ActionRun> {
  github.emu.clearLog()
  return runAction({
    repository: `${ORG}/${REPO}`,
    apiUrl: github.emu.url,
    eventName: 'workflow_dispatch',
    payload: { repository },
    workspace: cloneRepo(github.originUrl, { depth: 1 }).dir,
    sha,
    ...options,
    with: { token: TOKEN, 'owner-type': 'org', 'write-interval': '0', ...options.with }
  })
}

/** The count outputs of a run, as numbers. */
export function counts(result: ActionRun): Record<string, number> {
  const keys = ['created', 'updated', 'deleted', 'unchanged', 'skipped', 'failed'] as const
  return Object.fromEntries(keys.map(k => [k, Number(result.outputs[k])]))
}

export function expectSuccess(result: ActionRun): void {
  if (result.code !== 0)
    throw new Error(`action failed (${result.code}):\n${result.stdout}\n${result.stderr}`)
}

/** The failure's message as the runner shows it: the `::error::` line of a failed run. */
export function errorLine(result: ActionRun): string {
  expect(result.code).not.toBe(0)
  const line = result.stdout.split('\n').find(l => l.startsWith('::error::'))
  expect(line).toBeDefined()
  return line!
}
