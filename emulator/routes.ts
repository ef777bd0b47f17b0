import type { Answer } from './http.js'
import type { State, Token } from './state.js'
import type { NestedAttributes } from './types.js'

export interface Ctx {
  state: State
  /** The emulator's base URL, for the URLs inside answers. */
  base: string
  method: string
  /** Path parameters, percent-decoded. */
  params: Record<string, string>
  query: Record<string, string>
  /** The path as received, still percent-encoded (used to build Link headers). */
  rawPath: string
  body: unknown
  token: Token
  treeLimit: number
  treeBytesLimit: number
  resourcesPageSize?: number
  storeText?: (text: string) => string
  nestedAttributes?: NestedAttributes
}

export type Handler = (ctx: Ctx) => Answer | Promise<Answer>

export interface Route {
  method: string
  /** The OpenAPI path template, recorded in the log. */
  template: string
  /**
   * Scopes a classic token needs: every group must be satisfied by one of its scopes (a scope
   * also satisfies the scopes it implies, see auth.ts).
   */
  scopes?: string[][]
  /** The fine-grained permission the endpoint needs (`=read` for GET, else `=write`). */
  permission?: string
  /** User-owned space endpoints do not work with fine-grained or installation tokens. */
  classicOnly?: boolean
  handler: Handler
}

/**
 * Parameters that may span several segments: branch names contain slashes, and so do file paths.
 * Only `path` may be empty (`/contents` lists the root directory).
 */
const MULTI_SEGMENT = new Set(['path', 'basehead', 'tree_sha'])

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function matchTemplate(template: string, rawPath: string): Record<string, string> | undefined {
  const want = template.split('/').slice(1)
  const got = rawPath.split('/').slice(1)
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const part = want[i] as string
    const name = /^\{(\w+)\}$/.exec(part)?.[1]
    if (name === undefined) {
      if (got[i] !== part) return undefined
      continue
    }
    if (i === want.length - 1 && MULTI_SEGMENT.has(name)) {
      const rest = got.slice(i).map(decode).join('/')
      if (rest === '' && name !== 'path') return undefined
      params[name] = rest
      return params
    }
    const segment = got[i]
    if (segment === undefined || segment === '') return undefined
    params[name] = decode(segment)
  }
  return got.length === want.length ? params : undefined
}

export function matchRoute(
  routes: Route[],
  method: string,
  rawPath: string
): { route: Route; params: Record<string, string> } | undefined {
  const path = rawPath.length > 1 ? rawPath.replace(/\/$/, '') : rawPath
  for (const route of routes) {
    if (route.method !== method) continue
    const params = matchTemplate(route.template, path)
    if (params) return { route, params }
  }
  return undefined
}
