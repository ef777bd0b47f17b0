/**
 * A running emulator for a test file, with the one org, user, token and repository most tests
 * need, and the contract check: every exchange a test causes must conform to GitHub's OpenAPI
 * description.
 */
import { expect } from '@jest/globals'
import { ApiError } from '../../src/github/api.js'
import { createContractChecker } from '../../emulator/contract.js'
import type { Exchange } from '../../emulator/exchange.js'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js'
import { ORG, TOKEN, USER } from './constants.js'

// Re-exported for the suites that import them from here.
export { ORG, REPO, REPO_ID, TOKEN, USER } from './constants.js'

const checker = createContractChecker()

export function contractViolations(exchanges: readonly Exchange[]): string[] {
  return exchanges.flatMap(e => checker.check(e))
}

export async function startGitHub(options: EmulatorOptions = {}): Promise<Emulator> {
  const emu = await startEmulator(options)
  emu.addOrg(ORG)
  emu.addUser(USER)
  emu.addToken(TOKEN, { login: USER, access: { [ORG]: 'write', [USER]: 'write' } })
  return emu
}

/** Every exchange so far conforms to the contract; call it at the end of each test. */
export function expectConforming(emu: Emulator): void {
  expect(contractViolations(emu.requests)).toEqual([])
}

export const writesOf = (emu: Emulator) => emu.requests.filter(r => r.method !== 'GET')

/** The ApiError a request ends with; fails the test if it succeeds or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError)
    return error as ApiError
  }
  throw new Error('expected the request to fail')
}
