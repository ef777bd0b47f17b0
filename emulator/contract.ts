/**
 * Checks recorded exchanges against the slice of GitHub's OpenAPI description vendored in
 * openapi/copilot-spaces.json (regenerate with `npm run vendor-openapi`), so that the emulator and
 * the action cannot drift into agreeing with each other on something GitHub would not accept.
 */
import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { Exchange } from './exchange.js'
import { API_VERSION } from './http.js'

export interface ContractChecker {
  /** Human-readable violations of GitHub's description by one exchange; empty when it conforms. */
  check(exchange: Exchange): string[]
}

const FIXTURE_URL = new URL('./openapi/copilot-spaces.json', import.meta.url)
// Any absolute URI works; it only has to let compiled schemas `$ref` into the registered components.
const FIXTURE_ID = 'https://copilot-space-sync.invalid/openapi/copilot-spaces.json'
const SPACES_PATH = /^\/(?:orgs|users)\/[^/]+\/copilot-spaces(?:\/|$)/
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

type JsonObject = { [key: string]: unknown }

interface Parameter {
  name: string
  in: string
  required?: boolean
  schema?: JsonObject
  'x-multi-segment'?: boolean
}
interface MediaType {
  schema?: JsonObject
}
interface RequestBody {
  required?: boolean
  content?: Record<string, MediaType>
}
interface Response {
  content?: Record<string, MediaType>
}
interface Operation {
  parameters?: JsonObject[]
  requestBody?: JsonObject
  responses?: Record<string, JsonObject>
}
interface Route {
  template: string
  pattern: RegExp
  names: string[]
  literalSegments: number
}
interface Match {
  route: Route
  operation: Operation
  parameters: Parameter[]
}

export function createContractChecker(): ContractChecker {
  const document = JSON.parse(readFileSync(FIXTURE_URL, 'utf8')) as JsonObject
  applyBreakingChanges(document, API_VERSION)
  const paths = (document.paths ?? {}) as Record<string, JsonObject>
  const components = (document.components ?? {}) as Record<string, Record<string, unknown>>

  // OpenAPI 3.0 leaves `format` open-ended (int64, int32, ...): formats ajv-formats does not know
  // are accepted as-is rather than making ajv reject the schema or warn on every compile.
  const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true })
  addFormatsModule.default(ajv)
  const registerFormats = (formats: Set<string>) => {
    for (const format of formats) if (!ajv.formats[format]) ajv.addFormat(format, true)
  }
  const componentFormats = new Set<string>()
  const schemas = Object.fromEntries(
    Object.entries(components.schemas ?? {}).map(([name, schema]) => [
      name,
      toJsonSchema(schema, componentFormats)
    ])
  )
  registerFormats(componentFormats)
  ajv.addSchema({ $id: FIXTURE_ID, components: { schemas } })

  const validators = new WeakMap<object, ValidateFunction>()
  const validatorFor = (schema: JsonObject): ValidateFunction => {
    let validate = validators.get(schema)
    if (!validate) {
      const formats = new Set<string>()
      const converted = toJsonSchema(schema, formats) as JsonObject
      registerFormats(formats)
      validate = ajv.compile(converted)
      validators.set(schema, validate)
    }
    return validate
  }

  const routes = Object.keys(paths).map(template => routeFor(template, paths[template] ?? {}))
  const resolve = <T>(value: unknown): T | undefined => resolveRef(document, value) as T | undefined

  const findOperation = (exchange: Exchange, method: string): Match | undefined => {
    let candidates: Route[]
    if (exchange.route !== undefined) {
      candidates = routes.filter(route => route.template === exchange.route)
    } else {
      // Without the emulator's own routing, the most specific template wins, so that
      // `/repos/o/r/contents/a/b` is not taken for `/repos/{owner}/{repo}` with a long repo name.
      candidates = routes
        .filter(route => route.pattern.test(exchange.path))
        .sort((a, b) => b.literalSegments - a.literalSegments)
        .slice(0, 1)
    }
    const route = candidates[0]
    const item = route && paths[route.template]
    const operation = item?.[method] as Operation | undefined
    if (!route || !item || !operation) return undefined
    // Operation-level parameters override path-level ones with the same name and location.
    const parameters = new Map<string, Parameter>()
    for (const raw of [
      ...((item.parameters as unknown[]) ?? []),
      ...(operation.parameters ?? [])
    ]) {
      const parameter = resolve<Parameter>(raw)
      if (parameter) parameters.set(`${parameter.in}:${parameter.name}`, parameter)
    }
    return { route, operation, parameters: [...parameters.values()] }
  }

  const check = (exchange: Exchange): string[] => {
    const method = exchange.method.toLowerCase()
    const label = `${exchange.method.toUpperCase()} ${exchange.path}`
    const match = findOperation(exchange, method)
    if (!match) {
      return SPACES_PATH.test(exchange.path)
        ? [
            `${label}: unknown endpoint, GitHub's description has no such Copilot Spaces operation${exchange.route ? ` (route ${exchange.route})` : ''}`
          ]
        : []
    }
    const violations: string[] = []
    const report = (where: string, errors: ErrorObject[] | null | undefined) => {
      for (const message of new Set((errors ?? []).map(describeError))) {
        violations.push(`${where}: ${message}`)
      }
    }

    const pathValues = match.route.pattern.exec(exchange.path)
    if (!pathValues) {
      violations.push(`${label}: path does not match route ${match.route.template}`)
    }
    for (const parameter of match.parameters) {
      let raw: string | undefined
      if (parameter.in === 'path' && pathValues) {
        raw = pathValues[match.route.names.indexOf(parameter.name) + 1]
      } else if (parameter.in === 'query') {
        raw = exchange.query[parameter.name]
      } else continue
      const where = `${label} ${parameter.in} parameter ${parameter.name}`
      if (raw === undefined) {
        if (parameter.required && parameter.in === 'query') violations.push(`${where}: missing`)
        continue
      }
      if (!parameter.schema) continue
      const validate = validatorFor(parameter.schema)
      if (!validate(coerce(raw, parameter.schema))) report(where, validate.errors)
    }

    const requestBody = resolve<RequestBody>(match.operation.requestBody)
    if (requestBody) {
      const schema = jsonSchemaOf(requestBody.content)
      if (exchange.requestBody === undefined) {
        if (requestBody.required) violations.push(`${label} request body: missing`)
      } else if (schema) {
        const validate = validatorFor(schema)
        if (!validate(exchange.requestBody)) report(`${label} request body`, validate.errors)
      }
    }

    // Injected faults are off-contract on purpose; what was sent is still the action's doing.
    if (exchange.fault) return violations
    const responses = match.operation.responses ?? {}
    const status = String(exchange.status)
    const documented =
      responses[status] ??
      responses[`${status[0]}XX`] ??
      responses[`${status[0]}xx`] ??
      responses.default
    const where = `${label} ${status} response`
    if (!documented) {
      // GitHub answers 401 on every authenticated endpoint, and 404 for a repository or ref it
      // cannot find on every repository endpoint, but documents them only here and there.
      if (exchange.status !== 401 && exchange.status !== 404) {
        violations.push(
          `${where}: status not documented for this operation (documented: ${Object.keys(responses).join(', ')})`
        )
      }
      return violations
    }
    const response = resolve<Response>(documented)
    const schema = jsonSchemaOf(response?.content)
    if (exchange.status === 204) {
      if (exchange.responseBody !== undefined) violations.push(`${where} body: must be empty`)
    } else if (schema) {
      if (exchange.responseBody === undefined) {
        violations.push(`${where} body: missing`)
      } else {
        const validate = validatorFor(schema)
        if (!validate(exchange.responseBody)) report(`${where} body`, validate.errors)
      }
    }
    return violations
  }

  return { check }
}

/**
 * The package ships one description for all API versions; what changed in a later version is
 * recorded where it applies as `x-github-breaking-changes`, either a JSON merge patch (RFC 7396)
 * or a JSON Patch (RFC 6902) on the object that carries it.
 */
function applyBreakingChanges(node: unknown, version: string): void {
  if (Array.isArray(node)) {
    for (const item of node) applyBreakingChanges(item, version)
    return
  }
  if (!isObject(node)) return
  const changes = node['x-github-breaking-changes']
  if (Array.isArray(changes)) {
    for (const change of changes) {
      if (!isObject(change) || typeof change.version !== 'string' || change.version > version) {
        continue
      }
      if (Array.isArray(change.patch)) jsonPatch(node, change.patch)
      else mergePatch(node, change.patch)
    }
  }
  for (const [key, child] of Object.entries(node)) {
    if (key !== 'x-github-breaking-changes') applyBreakingChanges(child, version)
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch
  const result = isObject(target) ? target : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = mergePatch(result[key], value)
  }
  return result
}

function jsonPatch(target: JsonObject, operations: unknown[]): void {
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation.path !== 'string') continue
    const tokens = pointerTokens(operation.path)
    const last = tokens.pop()
    const parent = tokens.reduce<unknown>(
      (node, token) =>
        isObject(node) || Array.isArray(node) ? (node as JsonObject)[token] : undefined,
      target
    )
    if (last === undefined || !(isObject(parent) || Array.isArray(parent))) {
      throw new Error(`breaking-change patch path ${operation.path} does not exist`)
    }
    if (operation.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else delete parent[last]
    } else if (operation.op === 'add' || operation.op === 'replace') {
      if (Array.isArray(parent) && operation.op === 'add') {
        parent.splice(last === '-' ? parent.length : Number(last), 0, operation.value)
      } else (parent as JsonObject)[last] = operation.value
    } else {
      throw new Error(`unsupported breaking-change patch operation ${String(operation.op)}`)
    }
  }
}

function pointerTokens(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map(token => token.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function resolveRef(document: JsonObject, value: unknown): unknown {
  const seen = new Set<string>()
  while (isObject(value) && typeof value.$ref === 'string') {
    const ref = value.$ref
    if (!ref.startsWith('#/') || seen.has(ref)) throw new Error(`cannot resolve $ref ${ref}`)
    seen.add(ref)
    value = pointerTokens(ref.slice(1)).reduce<unknown>(
      (node, token) => (isObject(node) ? node[token] : undefined),
      document
    )
    if (value === undefined) throw new Error(`dangling $ref ${ref}`)
  }
  return value
}

/**
 * OpenAPI 3.0 schemas are not JSON Schema: `nullable` instead of a `null` type, and `$ref` that
 * overrides its siblings. The conversion also points `$ref`s at the registered components.
 */
function toJsonSchema(schema: unknown, formats: Set<string>): unknown {
  if (!isObject(schema)) return schema
  if (typeof schema.$ref === 'string') {
    return { $ref: schema.$ref.startsWith('#') ? FIXTURE_ID + schema.$ref : schema.$ref }
  }
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(schema)) {
    if (
      key === 'nullable' ||
      key === 'example' ||
      key === 'discriminator' ||
      key.startsWith('x-')
    ) {
      continue
    }
    if ((key === 'properties' || key === 'patternProperties') && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, toJsonSchema(child, formats)])
      )
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = toJsonSchema(value, formats)
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map(child => toJsonSchema(child, formats))
    } else if (
      (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') &&
      typeof value === 'boolean'
    ) {
      // 3.0 has draft-4 style booleans; draft-07 wants the bound itself.
      const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum'
      if (value && typeof schema[bound] === 'number') out[key] = schema[bound]
    } else {
      if (key === 'format' && typeof value === 'string') formats.add(value)
      out[key] = value
    }
  }
  for (const key of ['exclusiveMinimum', 'exclusiveMaximum'] as const) {
    const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum'
    if (typeof out[key] === 'number' && schema[key] === true) delete out[bound]
  }
  if (schema.nullable !== true) return out
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null']
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null]
    return out
  }
  return { anyOf: [{ type: 'null' }, out] }
}

function jsonSchemaOf(content: Record<string, MediaType> | undefined): JsonObject | undefined {
  if (!content) return undefined
  const type =
    'application/json' in content
      ? 'application/json'
      : Object.keys(content).find(name => /^application\/(?:[\w.-]+\+)?json\b/.test(name))
  return type ? content[type]?.schema : undefined
}

function routeFor(template: string, item: JsonObject): Route {
  const multiSegment = new Set<string>()
  for (const method of HTTP_METHODS) {
    const operation = item[method] as Operation | undefined
    for (const parameter of [
      ...((item.parameters as unknown[]) ?? []),
      ...(operation?.parameters ?? [])
    ]) {
      // GitHub marks the parameters whose values may contain slashes (file paths, refs).
      if (isObject(parameter) && parameter['x-multi-segment'] === true) {
        multiSegment.add(String(parameter.name))
      }
    }
  }
  const names: string[] = []
  let literalSegments = 0
  const source = template
    .split('/')
    .map(segment => {
      if (!segment.includes('{')) {
        if (segment) literalSegments++
        return escapeRegExp(segment)
      }
      return segment
        .split(/(\{[^}]+\})/)
        .map(part => {
          const name = /^\{([^}]+)\}$/.exec(part)?.[1]
          if (!name) return escapeRegExp(part)
          names.push(name)
          return multiSegment.has(name) ? '(.+)' : '([^/]+)'
        })
        .join('')
    })
    .join('/')
  return { template, pattern: new RegExp(`^${source}$`), names, literalSegments }
}

/** Path and query values arrive as strings; the schema says what they must parse as. */
function coerce(raw: string, schema: JsonObject): unknown {
  const type = schema.type
  if ((type === 'integer' || type === 'number') && /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(raw)) {
    return Number(raw)
  }
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true'
  return raw
}

function describeError(error: ErrorObject): string {
  let message = `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`
  const params = error.params as Record<string, unknown>
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    message += `: ${params.allowedValues.map(value => JSON.stringify(value)).join(', ')}`
  } else if (error.keyword === 'additionalProperties') {
    message += `: '${String(params.additionalProperty)}'`
  }
  return message
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
