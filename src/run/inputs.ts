/**
 * Turns the raw action inputs into one settings object, or fails before any request with a
 * message that names the input, the value given and what is accepted.
 */
import * as core from '@actions/core'
import type { OwnerType } from '../github/client.js'
import {
  isCanonicalPath,
  OWNERSHIPS,
  type Ownership,
  type ResourceType
} from '../space/resource.js'
import { BASE_ROLES, type BaseRole } from '../space/settings.js'
import { compileGlobs, type GlobSet } from '../repository/globs.js'
import type { SyncMode } from '../repository/scope.js'

export type { ResourceType }

export interface Settings {
  /** Empty only on a pull request (`previewWithoutToken`): nothing is then read or written. */
  token: string
  owner: string
  ownerType: OwnerType | 'auto'
  /** The Space by its number, or (exactly one of the two) by its name. */
  spaceNumber?: number
  spaceName?: string
  /** A YAML file in the repository declaring the Spaces instead (`spacesFromConfig`). */
  config?: string
  /** For a Space of a config file: the file and the entry, to name them in errors. */
  origin?: string
  /** Create the Space named `spaceName` when the owner has none by that name. */
  createSpace: boolean
  /** The Space's own settings, each left as it is when undefined. */
  spaceSettings: SpaceSettingsInput
  globs: GlobSet
  /** Which resources of this repository are ours: those `files` matches, or all of them. */
  ownership: Ownership
  resourceType: ResourceType
  sync: SyncMode
  prune: boolean
  /** github_file: pin each file at the synced commit (true), or follow the default branch (false). */
  pin: boolean
  dryRun: boolean
  apiUrl: string
  namePrefix: string
  /** Milliseconds between write requests. */
  writeIntervalMs: number
  /** A run that would delete more of our resources than this is refused before any write. */
  maxDeletions: number
  /** Creates, updates and deletes per Set Space request; 1 sends one request per resource. */
  batchSize: number
  /** Keep the notes of the last this many published releases as free_text resources. */
  releaseNotes: number
  /** On pull requests, keep one preview comment per Space (`comment: auto`). */
  comment: boolean
  /** The token for that comment (`github-token`, GITHUB_TOKEN by default); never the Spaces token. */
  githubToken?: string
  /** The login the comments are written as, when the API cannot tell (a GitHub App's token). */
  commentAuthor?: string
  /** Inputs that are valid but have no effect, said once; the caller prints them. */
  warnings: string[]
}

export interface SpaceSettingsInput {
  description?: string
  /** A path in the repository, read at the synced commit. */
  instructionsFile?: string
  /** Organization Spaces only. */
  baseRole?: BaseRole
}

export class InputError extends Error {
  override readonly name = 'InputError'
}

/** Reads one input; `trim: false` keeps surrounding whitespace (core.getInput trims by default). */
export type ReadInput = (name: string, trim?: boolean) => string

function invalid(name: string, given: string, accepted: string): InputError {
  return new InputError(`Input '${name}' must be ${accepted}; got ${JSON.stringify(given)}.`)
}

function oneOf<T extends string>(
  read: ReadInput,
  name: string,
  options: readonly T[],
  fallback: T
): T {
  const raw = read(name)
  if (raw === '') return fallback
  const value = raw.toLowerCase()
  if ((options as readonly string[]).includes(value)) return value as T
  throw invalid(name, raw, `one of ${options.map(o => `'${o}'`).join(', ')}`)
}

// The YAML 1.2 core schema booleans, as core.getBooleanInput accepts them.
function boolean(read: ReadInput, name: string, fallback: boolean): boolean {
  const raw = read(name)
  if (raw === '') return fallback
  if (['true', 'True', 'TRUE'].includes(raw)) return true
  if (['false', 'False', 'FALSE'].includes(raw)) return false
  throw invalid(name, raw, "'true' or 'false'")
}

// C0 and C1 controls and DEL: none may appear in an HTTP header value.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/

/**
 * The runner masks a secret line by line, so a token that holds a line break is masked whole
 * and also piece by piece: each run of text between control characters is a secret of its own.
 */
function maskToken(token: string, mask: Mask): void {
  mask(token)
  if (!CONTROL.test(token)) return
  for (const piece of token.split(CONTROLS)) {
    if (piece.trim() !== '') mask(piece)
  }
}

// GitHub logins: alphanumerics and single hyphens, not at either end, at most 39 characters.
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i

/** The URL as given, with any `user:password@` and any query or fragment replaced by `***`. */
function redactUrl(raw: string): string {
  return raw
    .replace(/^([^:/?#]*:\/\/)([^/?#]*)@/, (_whole, scheme: string, userinfo: string) =>
      userinfo.includes(':') ? `${scheme}***:***@` : `${scheme}***@`
    )
    .replace(/\?[^#]*/, '?***')
    .replace(/#.*$/s, '#***')
}

/**
 * `api-url` receives the token with every request: no credentials of its own (they would be
 * printed), no query or fragment (the client appends paths), and https unless on this machine.
 */
function checkApiUrl(raw: string, mask: Mask): void {
  const shown = redactUrl(raw)
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {
    url = undefined
  }
  const credentials = url
    ? [url.username, url.password].filter(Boolean)
    : (/^[^:/?#]*:\/\/([^/?#]*)@/.exec(raw)?.[1]?.split(':') ?? [])
  for (const part of credentials) {
    if (part === '') continue
    mask(part)
    try {
      const decoded = decodeURIComponent(part)
      if (decoded !== part) mask(decoded)
    } catch {
      // not percent-encoded: masked as given
    }
  }
  if (credentials.length > 0 || /^[^:/?#]*:\/\/[^/?#]*@/.test(raw)) {
    throw invalid(
      'api-url',
      shown,
      "a URL without credentials (no user:password@; the action authenticates with the 'token' input), such as https://api.github.com or https://HOST/api/v3"
    )
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalid(
      'api-url',
      shown,
      'an http(s) URL such as https://api.github.com or https://HOST/api/v3'
    )
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(raw)) {
    throw invalid(
      'api-url',
      shown,
      'a URL without a query (?…) or a fragment (#…), such as https://api.github.com or https://HOST/api/v3'
    )
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOST.test(url.hostname)) {
    throw invalid(
      'api-url',
      shown,
      'an https:// URL, such as https://api.github.com or https://HOST/api/v3 (plain http:// would send the token in clear; it is accepted only for a loopback host: localhost, 127.0.0.0/8 or [::1])'
    )
  }
}

/** Registers a secret with the runner, which then shows it as `***` (core.setSecret by default). */
export type Mask = (secret: string) => void

/**
 * Reads every input through `read` (core.getInput by default, which trims) and validates it,
 * masking secrets through `mask`. Defaults mirror action.yml so the function also works when an
 * input is absent.
 */
/** The step's inputs, as the runner passes them. */
export const actionInput: ReadInput = (name, trim) =>
  core.getInput(name, { trimWhitespace: trim !== false })
export const actionMask: Mask = secret => core.setSecret(secret)

/** What the run's context supplies: defaults of inputs left empty, and the event. */
export interface RunnerDefaults {
  /** The repository's owner: the default of 'owner'. */
  repoOwner?: string
  /** GITHUB_API_URL: the default of 'api-url'. */
  apiUrl?: string
  /** The event: a pull request may run without 'token' (a fork's gets no secrets). */
  eventName?: string
}

export function readSettings(
  read: ReadInput = actionInput,
  mask: Mask = actionMask,
  runner: RunnerDefaults = {}
): Settings {
  const token = readToken(read, mask, runner.eventName ?? '')
  const owner = readOwner(read, runner.repoOwner)
  const config = readPath(read, 'config', '.github/copilot-spaces.yml')
  const { spaceNumber, spaceName } = readSpace(read, config)
  const createSpace = boolean(read, 'create-space', false)
  // With a config file, the step's create-space is the default of its entries.
  if (createSpace && spaceName === undefined && config === undefined) {
    throw new InputError(
      "Input 'create-space' is true, but the Space is named by 'space-number'; 'create-space' needs 'space-name' (the name a created Space gets). Remove 'create-space', or name the Space by 'space-name'."
    )
  }
  const ownerType = oneOf(read, 'owner-type', ['auto', 'org', 'user'] as const, 'auto')
  const spaceSettings = readSpaceSettings(read, ownerType)
  const globs = readGlobs(read)
  const apiUrl = readApiUrl(read, mask, runner.apiUrl)
  const namePrefix = readNamePrefix(read)
  const resourceType = oneOf(
    read,
    'resource-type',
    ['github_file', 'free_text'] as const,
    'github_file'
  )
  const warnings: string[] = []
  if (namePrefix !== '' && resourceType === 'github_file') {
    warnings.push(
      `Input 'name-prefix' (${JSON.stringify(namePrefix)}) is ignored: it names free_text resources, and 'resource-type' is github_file (a github_file resource is named by its path).`
    )
  }
  const pin = boolean(read, 'pin', true)
  if (!pin && resourceType === 'free_text') {
    warnings.push(
      "Input 'pin' (false) is ignored: it is about github_file resources, and 'resource-type' is free_text (a free_text resource holds the file's text as synced)."
    )
  }
  return {
    token,
    owner,
    ownerType,
    spaceNumber,
    spaceName,
    config,
    createSpace,
    spaceSettings,
    globs,
    ownership: oneOf(read, 'ownership', OWNERSHIPS, 'files'),
    resourceType,
    sync: oneOf(read, 'sync', ['auto', 'changed', 'full'] as const, 'auto'),
    prune: boolean(read, 'prune', true),
    pin,
    dryRun: boolean(read, 'dry-run', false),
    apiUrl,
    namePrefix,
    writeIntervalMs: readWriteInterval(read),
    maxDeletions: readMaxDeletions(read),
    batchSize: readBatchSize(read),
    releaseNotes: readReleaseNotes(read),
    comment: oneOf(read, 'comment', ['auto', 'true', 'false'] as const, 'auto') !== 'false',
    githubToken: readCommentToken(read, mask),
    commentAuthor: readCommentAuthor(read),
    warnings
  }
}

/**
 * The event whose runs get no secrets for a fork's pull request. pull_request_target runs get
 * them, forks included: an empty token there is a missing secret, an input error.
 */
const NO_SECRETS_EVENT = 'pull_request'

/**
 * Why this step previews nothing, or undefined: on a pull request, an empty `token` is what a
 * fork's pull request gets (no secrets), not a mistake to fail on. Elsewhere it is an input error.
 */
export function previewWithoutToken(settings: Settings, eventName: string): string | undefined {
  if (settings.token !== '' || eventName !== NO_SECRETS_EVENT) return undefined
  return (
    `Input 'token' is empty on this ${eventName} event, so there is no preview: it needs a token that can read the Space. ` +
    'Pull requests from forks get no secrets. Nothing was read or written. ' +
    'To skip this step on forks, add to it: if: github.event.pull_request.head.repo.full_name == github.repository'
  )
}

function readToken(read: ReadInput, mask: Mask, eventName: string): string {
  const token = read('token')
  if (token === '' && eventName === NO_SECRETS_EVENT) return ''
  if (token === '') {
    throw new InputError(
      "Input 'token' is required; got an empty value. Pass a GitHub App installation token or a personal access token with access to the Space (see README: Token)."
    )
  }
  maskToken(token, mask)
  if (CONTROL.test(token)) {
    // The value is never shown, not even in part: it is a secret, and masking may have missed it.
    throw new InputError(
      "Input 'token' holds a line break or another control character, which no HTTP header may carry; its value is not shown. " +
        'Pass the token alone, on one line: check that the secret holds only the token (no trailing line, no second value pasted after it).'
    )
  }
  return token
}

function readOwner(read: ReadInput, repoOwner = ''): string {
  const owner = read('owner') || repoOwner
  if (!LOGIN.test(owner)) {
    throw invalid(
      'owner',
      owner,
      'a GitHub organization or user login (letters, digits and single hyphens, at most 39 characters)'
    )
  }
  return owner
}

function readSpace(
  read: ReadInput,
  config: string | undefined
): { spaceNumber?: number; spaceName?: string } {
  const number = read('space-number')
  const name = read('space-name')
  if (config !== undefined) {
    const [input, given] = number !== '' ? ['space-number', number] : ['space-name', name]
    if (given === '') return {}
    throw new InputError(
      `Input 'config' (${JSON.stringify(config)}) and input '${input}' (${JSON.stringify(given)}) are both set; a config file names its Spaces itself. Remove '${input}', or move the Space into the file.`
    )
  }
  if (number !== '' && name !== '') {
    throw new InputError(
      `Input 'space-number' (${JSON.stringify(number)}) and input 'space-name' (${JSON.stringify(name)}) are both set; set exactly one: the number names one Space, the name is looked up among the owner's Spaces.`
    )
  }
  if (name !== '') {
    if (CONTROL.test(name)) throw invalid('space-name', name, 'a single line of text')
    return { spaceName: name }
  }
  if (number === '') {
    throw new InputError(
      "Input 'space-number' or 'space-name' is required; got neither. Give the Space's number (the last part of github.com/copilot/spaces/OWNER/NUMBER) or its name (with 'create-space: true' to create it when missing)."
    )
  }
  return { spaceNumber: readSpaceNumber(number) }
}

function readSpaceSettings(read: ReadInput, ownerType: string): SpaceSettingsInput {
  const settings: SpaceSettingsInput = {}
  const description = read('description')
  if (description !== '') settings.description = description
  const instructions = readPath(read, 'instructions-file', '.github/copilot-instructions.md')
  if (instructions !== undefined) settings.instructionsFile = instructions
  const role = read('base-role')
  if (role !== '') {
    if (!(BASE_ROLES as readonly string[]).includes(role)) {
      throw invalid('base-role', role, `one of ${BASE_ROLES.join(', ')}`)
    }
    if (ownerType === 'user') {
      throw new InputError(
        `Input 'base-role' (${JSON.stringify(role)}) is for organization Spaces only; 'owner-type' is user. Remove 'base-role' for a user's Space.`
      )
    }
    settings.baseRole = role as BaseRole
  }
  return settings
}

/** A file's path in the repository, or undefined when the input is empty. */
function readPath(read: ReadInput, name: string, example: string): string | undefined {
  const given = read(name)
  if (given === '') return undefined
  const path = given.replace(/^\.\//, '')
  if (CONTROL.test(path) || !isCanonicalPath(path)) {
    throw invalid(
      name,
      given,
      `a file's path in the repository, relative to its root and without '..' (e.g. ${example})`
    )
  }
  return path
}

function readSpaceNumber(raw: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw invalid(
      'space-number',
      raw,
      "a positive whole number (the number in the Space's URL, e.g. 3 for github.com/copilot/spaces/octo-org/3)"
    )
  }
  return Number(raw)
}

function readGlobs(read: ReadInput): GlobSet {
  try {
    return compileGlobs(read('files') || '**/*.md')
  } catch (error) {
    throw new InputError(`Input 'files' ${(error as Error).message}`)
  }
}

function readApiUrl(read: ReadInput, mask: Mask, runnerApiUrl = ''): string {
  const raw = read('api-url') || runnerApiUrl || 'https://api.github.com'
  checkApiUrl(raw, mask)
  return raw.replace(/\/+$/, '')
}

function readNamePrefix(read: ReadInput): string {
  // A prefix such as 'docs: ' ends in a space that matters.
  const namePrefix = read('name-prefix', false)
  if (/[\r\n]/.test(namePrefix)) {
    throw invalid('name-prefix', namePrefix, 'a single line of text')
  }
  return namePrefix
}

/** Milliseconds. */
function readWriteInterval(read: ReadInput): number {
  const raw = read('write-interval')
  if (raw !== '' && (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > 60)) {
    throw invalid(
      'write-interval',
      raw,
      'a number of seconds from 0 to 60, decimals allowed (default 1)'
    )
  }
  return Math.round(Number(raw === '' ? '1' : raw) * 1000)
}

export const MAX_BATCH_SIZE = 1000

function readBatchSize(read: ReadInput): number {
  const raw = read('batch-size')
  if (raw !== '' && (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_BATCH_SIZE)) {
    throw invalid(
      'batch-size',
      raw,
      `a whole number from 1 to ${MAX_BATCH_SIZE} (default 100; 1 sends one request per resource)`
    )
  }
  return raw === '' ? 100 : Number(raw)
}

function readCommentToken(read: ReadInput, mask: Mask): string | undefined {
  const token = read('github-token')
  if (token === '') return undefined
  maskToken(token, mask)
  if (CONTROL.test(token)) {
    throw new InputError(
      "Input 'github-token' holds a line break or another control character; pass the token alone (e.g. ${{ github.token }})."
    )
  }
  return token
}

function readCommentAuthor(read: ReadInput): string | undefined {
  const login = read('comment-author')
  if (login === '') return undefined
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(\[bot\])?$/.test(login)) {
    throw invalid(
      'comment-author',
      login,
      "a GitHub login, e.g. 'my-app[bot]' for a GitHub App's token"
    )
  }
  return login
}

/** At most this many release notes: one page of the releases listing holds them. */
export const MAX_RELEASE_NOTES = 100

function readReleaseNotes(read: ReadInput): number {
  const raw = read('release-notes')
  if (raw !== '' && (!/^\d{1,3}$/.test(raw) || Number(raw) > MAX_RELEASE_NOTES)) {
    throw invalid(
      'release-notes',
      raw,
      `a whole number from 0 to ${MAX_RELEASE_NOTES} (default 0: no release notes)`
    )
  }
  return raw === '' ? 0 : Number(raw)
}

function readMaxDeletions(read: ReadInput): number {
  const raw = read('max-deletions')
  if (raw !== '' && !/^\d{1,9}$/.test(raw)) {
    throw invalid('max-deletions', raw, 'a whole number, 0 or more (default 50)')
  }
  return raw === '' ? 50 : Number(raw)
}
