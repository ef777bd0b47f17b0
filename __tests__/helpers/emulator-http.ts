/**
 * Plain-fetch helpers for the emulator's own tests: they talk HTTP exactly as written, without any
 * client library in between, and check recorded exchanges against GitHub's OpenAPI description.
 */
import { createContractChecker } from '../../emulator/contract.js'
import type { Exchange } from '../../emulator/exchange.js'
import {
  API_VERSION,
  startEmulator,
  type Emulator,
  type EmulatorOptions
} from '../../emulator/index.js'
import { ORG, USER } from './constants.js'

export { ORG, USER }
/** The API version the emulator serves, sent by `call`. */
export const VERSION = API_VERSION
/** Classic token acting as octocat: admin of octo-org (and, as its owner, of octocat's spaces). */
export const ADMIN = 'ghp_admin'
/** Classic token acting as `writer`: write on octo-org and on octocat's spaces. */
export const WRITER = 'ghp_writer'
/** Classic token acting as `reader`: read on octo-org and on octocat's spaces. */
export const READER = 'ghp_reader'
/** Classic token with no grant at all. */
export const STRANGER = 'ghp_stranger'

export async function seeded(options: EmulatorOptions = {}): Promise<Emulator> {
  const emu = await startEmulator(options)
  emu.addOrg(ORG, 1)
  emu.addUser(USER, 2)
  emu.addUser('writer', 3)
  emu.addUser('reader', 4)
  emu.addToken(ADMIN, { login: USER, access: { [ORG]: 'admin' } })
  emu.addToken(WRITER, { login: 'writer', access: { [ORG]: 'write', [USER]: 'write' } })
  emu.addToken(READER, { login: 'reader', access: { [ORG]: 'read', [USER]: 'read' } })
  emu.addToken(STRANGER, { login: 'stranger', access: {} })
  return emu
}

export interface Reply {
  status: number
  headers: Headers
  // Tests read arbitrary JSON.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

export interface CallOptions {
  token?: string | null
  body?: unknown
  raw?: string
  headers?: Record<string, string>
}

export async function call(
  emu: Emulator,
  method: string,
  path: string,
  options: CallOptions = {}
): Promise<Reply> {
  const token = options.token === undefined ? ADMIN : options.token
  const headers: Record<string, string> = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': VERSION,
    ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    ...options.headers
  }
  let body: string | undefined = options.raw
  const bodyless = method === 'GET' || method === 'HEAD'
  if (body === undefined && options.body !== undefined && !bodyless)
    body = JSON.stringify(options.body)
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(emu.url + path, { method, headers, body })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined
  }
}

const checker = createContractChecker()

/**
 * What GitHub's description says about the emulator's answers. Requests the tests make invalid on
 * purpose are not the emulator's doing, and statuses the brief asks for that GitHub does not
 * document for the operation (400 for bad JSON, 403 from limits and scopes, 422 for a bad cursor)
 * are listed separately by `undocumented`.
 */
export function responseViolations(exchanges: readonly Exchange[]): string[] {
  return exchanges
    .flatMap(e => checker.check(e))
    .filter(v => / \d{3} response/.test(v) && !v.includes('status not documented'))
}

export function undocumented(exchanges: readonly Exchange[]): string[] {
  return exchanges.flatMap(e => checker.check(e)).filter(v => v.includes('status not documented'))
}

export function allViolations(exchanges: readonly Exchange[]): string[] {
  return exchanges.flatMap(e => checker.check(e))
}
