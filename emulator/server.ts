import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  acceptedScopes,
  missingScopes,
  notAccessibleMessage,
  scopeError,
  tokenFrom
} from './auth.js'
import { ROUTES } from './endpoints.js'
import type { Exchange } from './exchange.js'
import { createFaults } from './faults.js'
import {
  ApiError,
  badCredentials,
  DOCS,
  forbidden,
  isObject,
  notFound,
  type Answer
} from './http.js'
import { primaryLimit, secondaryLimit } from './limits.js'
import { matchRoute, type Route } from './routes.js'
import { ROLES } from './spaces.js'
import {
  accountId,
  addAccount,
  addToken,
  copyResource,
  createState,
  findAccount,
  findSpace,
  insertSpace,
  iso,
  newResource,
  ownerType,
  repoKey,
  spaceRecord,
  type State
} from './state.js'
import type { BaseRole, Emulator, EmulatorOptions, Fault, OwnerType } from './types.js'

export const API_VERSION = '2026-03-10'
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const RATE_LIMIT_DOCS =
  'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting'
const SECONDARY_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'

/** GitHub's request ids look like `C0DE:1A2B3C:4D5E6F7:8A9B0C1:65F1A2B3`. */
function requestId(now: number): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase()
  return `${hex(2)}:${hex(3)}:${hex(4)}:${hex(4)}:${Math.floor(now / 1000)
    .toString(16)
    .toUpperCase()}`
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function parseBody(raw: Buffer): { value: unknown; malformed: boolean } {
  const text = raw.toString('utf8')
  if (text.trim() === '') return { value: undefined, malformed: false }
  try {
    return { value: JSON.parse(text), malformed: false }
  } catch {
    return { value: text, malformed: true }
  }
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath)
  } catch {
    return rawPath
  }
}

function lowerHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

const RATE_HEADERS = /^x-ratelimit-/

function faultAnswer(fault: Fault, rateHeaders: Record<string, string>): Answer {
  const status = fault.status ?? 500
  const body =
    status === 204 || status === 304
      ? undefined
      : fault.body !== undefined
        ? fault.body
        : { message: STATUS_CODES[status] ?? 'Error', documentation_url: DOCS }
  const headers: Record<string, string> = { ...rateHeaders }
  for (const [k, v] of Object.entries(fault.headers ?? {})) headers[k.toLowerCase()] = v
  return fault.rawBody === undefined
    ? { status, body, headers }
    : { status, raw: fault.rawBody, headers }
}

interface Incoming {
  id: string
  method: string
  rawPath: string
  query: Record<string, string>
  headers: Record<string, string>
  body: { value: unknown; malformed: boolean }
  match: { route: Route; params: Record<string, string> } | undefined
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const now = options.now ?? Date.now
  const state = createState(now)
  const primary = primaryLimit(options.rateLimit, now)
  const secondary = secondaryLimit(options.secondaryRateLimit, now)
  const faults = createFaults()
  const treeLimit = options.treeLimit ?? 100000
  let latency = options.latencyMs ?? 0
  const log: Exchange[] = []
  let seq = 0
  let base = ''

  function record(entry: Exchange): void {
    // Entries are kept in arrival order even when a slower request finishes later.
    let at = log.length
    while (at > 0 && (log[at - 1] as Exchange).seq > entry.seq) at--
    log.splice(at, 0, entry)
  }

  /** The API proper: version, credentials, limits, route, scopes, body, handler. */
  async function api(inc: Incoming, exhausted: boolean): Promise<Answer> {
    const extra: Record<string, string> = {}
    const withExtra = (a: Answer): Answer => ({ ...a, headers: { ...extra, ...a.headers } })
    const version = inc.headers['x-github-api-version']
    if (version !== undefined && version !== API_VERSION) {
      return {
        status: 400,
        body: { message: `API version ${version} is not supported.`, documentation_url: DOCS }
      }
    }
    const token = state.tokens.get(tokenFrom(inc.headers.authorization) ?? '')
    if (!token) return badCredentials()
    if (token.kind === 'classic') extra['x-oauth-scopes'] = token.scopes.join(', ')
    if (exhausted) {
      return withExtra({
        status: 403,
        body: {
          message:
            `API rate limit exceeded for user ID ${accountId(state, token.login)}. If you reach out to ` +
            `GitHub Support for help, please include the request ID ${inc.id} and timestamp ` +
            `${new Date(now())
              .toISOString()
              .replace('T', ' ')
              .replace(/\.\d+Z$/, ' UTC')}.`,
          documentation_url: RATE_LIMIT_DOCS
        }
      })
    }
    if (WRITE_METHODS.has(inc.method)) {
      const retryAfter = secondary.admit()
      if (retryAfter !== undefined) {
        return withExtra({
          status: 403,
          headers: { 'retry-after': String(retryAfter) },
          body: {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try ' +
              `again. If you reach out to GitHub Support for help, please include the request ID ${inc.id}.`,
            documentation_url: SECONDARY_DOCS
          }
        })
      }
    }
    if (!inc.match) return withExtra(notFound())
    const { route, params } = inc.match
    if (route.permission) {
      // Sent whatever the token kind, so a caller can tell which fine-grained permission fits.
      extra['x-accepted-github-permissions'] =
        `${route.permission}=${inc.method === 'GET' ? 'read' : 'write'}`
    }
    if (token.kind === 'classic') {
      extra['x-accepted-oauth-scopes'] = route.scopes ? acceptedScopes(route.scopes) : ''
      if (route.scopes && missingScopes(token, route.scopes).length > 0) {
        return withExtra(scopeError(token, route.scopes))
      }
    } else if (route.classicOnly) {
      return withExtra(forbidden(notAccessibleMessage(token)))
    }
    if (inc.body.malformed) {
      return withExtra({
        status: 400,
        body: { message: 'Problems parsing JSON', documentation_url: DOCS }
      })
    }
    if (
      WRITE_METHODS.has(inc.method) &&
      inc.body.value !== undefined &&
      !isObject(inc.body.value)
    ) {
      return withExtra({
        status: 422,
        body: {
          message: `Invalid request.\n\nFor 'links/0/schema', ${JSON.stringify(inc.body.value)} is not an object.`,
          documentation_url: DOCS
        }
      })
    }
    try {
      return withExtra(
        await route.handler({
          state,
          base,
          method: inc.method,
          params,
          query: inc.query,
          rawPath: inc.rawPath,
          body: inc.body.value,
          token,
          treeLimit,
          resourcesPageSize: options.resourcesPageSize,
          storeText: options.storeText
        })
      )
    } catch (error) {
      if (error instanceof ApiError) return withExtra(error.answer)
      throw error
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = now()
    const entrySeq = ++seq
    const raw = await readBody(req)
    const url = new URL(req.url ?? '/', base)
    const method = (req.method ?? 'GET').toUpperCase()
    const inc: Incoming = {
      id: requestId(startedAt),
      method,
      rawPath: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: lowerHeaders(req.headers),
      body: parseBody(raw),
      match: undefined
    }
    inc.match = matchRoute(ROUTES, method, inc.rawPath)
    const path = decodePath(inc.rawPath)
    if (latency > 0) await sleep(latency)

    const fault = faults.take(method, [path, inc.rawPath])
    let answer: Answer
    let applied: boolean | undefined
    if (fault && !fault.apply) {
      answer = faultAnswer(fault, primary.headers())
    } else {
      const counted = primary.consume()
      try {
        answer = await api(inc, counted.exhausted)
      } catch (error) {
        answer = {
          status: 500,
          body: { message: `Emulator error: ${(error as Error).message}`, documentation_url: DOCS }
        }
      }
      answer = { ...answer, headers: { ...counted.headers, ...answer.headers } }
      applied = answer.applied
      if (fault) {
        const rate = Object.fromEntries(
          Object.entries(answer.headers ?? {}).filter(([k]) => RATE_HEADERS.test(k))
        )
        answer = faultAnswer(fault, rate)
      }
    }
    if (WRITE_METHODS.has(method)) applied = applied === true
    else applied = undefined

    const headers: Record<string, string> = {
      'x-github-request-id': inc.id,
      'x-github-api-version-selected': API_VERSION,
      'x-github-media-type': 'github.v3; format=json'
    }
    for (const [k, v] of Object.entries(answer.headers ?? {})) headers[k.toLowerCase()] = v
    const hasBody =
      answer.status !== 204 &&
      answer.status !== 304 &&
      (answer.body !== undefined || answer.raw !== undefined)
    const payload = !hasBody ? '' : (answer.raw ?? JSON.stringify(answer.body))
    if (hasBody) {
      headers['content-type'] = 'application/json; charset=utf-8'
      headers['content-length'] = String(Buffer.byteLength(payload))
    }
    const reset = fault?.reset === true
    record({
      seq: entrySeq,
      method,
      path,
      route: inc.match?.route.template,
      query: inc.query,
      requestHeaders: inc.headers,
      requestBody: inc.body.value,
      status: reset ? 0 : answer.status,
      responseHeaders: reset ? {} : headers,
      responseBody: reset || !hasBody ? undefined : (answer.raw ?? JSON.parse(payload)),
      ...(fault ? { fault: reset ? 'reset' : 'status' } : {}),
      ...(applied !== undefined ? { applied } : {}),
      startedAt,
      endedAt: now()
    } as Exchange)
    if (reset) {
      req.socket.destroy()
      return
    }
    res.writeHead(answer.status, headers)
    res.end(payload)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(error => {
      res.destroy(error as Error)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url: base,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
    addOrg: (login, id) => void addAccount(state, login, 'Organization', id),
    addUser: (login, id) => void addAccount(state, login, 'User', id),
    addToken: (token, grant) => addToken(state, token, grant),
    addRepo: repo => {
      if (!existsSync(repo.dir)) throw new Error(`addRepo: ${repo.dir} does not exist`)
      state.repos.set(repoKey(repo.owner, repo.name), { ...repo, registered_at: iso(now()) })
    },
    createSpace: (type, owner, space) => {
      const account = ownerOf(state, type, owner)
      const role = (space.base_role ?? 'no_access') as BaseRole
      if (!ROLES[type].includes(role))
        throw new Error(`createSpace: base_role ${role} is not valid for a ${type}`)
      const stored = insertSpace(state, account, {
        ...space,
        base_role: role,
        creator: space.creator ?? defaultCreator(state, type, account.login)
      })
      return spaceRecord(stored)
    },
    addResource: (type, owner, number, r) => {
      const space = findSpace(state, ownerOf(state, type, owner).login, number)
      if (!space) throw new Error(`addResource: ${owner} has no space ${number}`)
      const resource = newResource(state, r.resource_type, r.metadata)
      space.resources.push(resource)
      return copyResource(resource)
    },
    resources: (type, owner, number) => {
      const space = findSpace(state, ownerOf(state, type, owner).login, number)
      if (!space) throw new Error(`resources: ${owner} has no space ${number}`)
      return space.resources.map(copyResource)
    },
    requests: log,
    clearLog: () => {
      log.length = 0
    },
    injectFault: fault => faults.add(fault),
    setLatency: ms => {
      latency = ms
    }
  }
}

function ownerOf(state: State, type: OwnerType, login: string) {
  const account = findAccount(state, login)
  if (!account || ownerType(account) !== type) {
    throw new Error(`${login} is not a registered ${type === 'org' ? 'organization' : 'user'}`)
  }
  return account
}

/** A user owns their spaces; an organization space seeded without a creator gets its first user. */
function defaultCreator(state: State, type: OwnerType, owner: string): string {
  if (type === 'user') return owner
  return [...state.accounts.values()].find(a => a.type === 'User')?.login ?? 'ghost'
}
