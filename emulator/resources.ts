import { fail, isObject, notFound, ok, validationFailed } from './http.js'
import type { Answer, FieldError } from './http.js'
import { cursorPage, linkHeader } from './pagination.js'
import type { Ctx } from './routes.js'
import { loadSpace, parseId } from './space-access.js'
import { copyResource, iso, newResource, resourcesChanged, type StoredSpace } from './state.js'
import type { OwnerType, ResourceRecord } from './types.js'

/** The types the API creates; `media_content` and `uploaded_text_file` only come from the web UI. */
export const CREATABLE_TYPES = [
  'repository',
  'github_file',
  'free_text',
  'github_issue',
  'github_pull_request'
]

type Rule = 'integer' | 'name' | 'string' | 'optional-string'

/** Required metadata per type, as the seed documents describe each type's fields. */
const METADATA_RULES: Record<string, Record<string, Rule>> = {
  repository: { repository_id: 'integer' },
  github_file: { repository_id: 'integer', file_path: 'name', sha: 'optional-string' },
  free_text: { name: 'name', text: 'string' },
  github_issue: { repository_id: 'integer', number: 'integer' },
  github_pull_request: { repository_id: 'integer', number: 'integer' }
}

const RESOURCE = 'CopilotSpaceResource'

function checkValue(rule: Rule, value: unknown): 'missing_field' | 'invalid' | undefined {
  if (value === undefined || (value === null && rule !== 'optional-string')) {
    return rule === 'optional-string' ? undefined : 'missing_field'
  }
  switch (rule) {
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'invalid'
    case 'name':
      return typeof value === 'string' && value.trim() !== '' ? undefined : 'invalid'
    case 'string':
      return typeof value === 'string' ? undefined : 'invalid'
    case 'optional-string':
      return value === null || typeof value === 'string' ? undefined : 'invalid'
  }
}

/**
 * Checks metadata for a resource type. Keys beyond the rules are kept as given: the documents do
 * not say GitHub drops them, and `metadata` is a free-form object in the schema.
 */
export function validateMetadata(type: string, metadata: unknown, prefix = ''): FieldError[] {
  if (metadata === undefined || metadata === null) {
    return [{ resource: RESOURCE, field: `${prefix}metadata`, code: 'missing_field' }]
  }
  if (!isObject(metadata)) {
    return [
      {
        resource: RESOURCE,
        field: `${prefix}metadata`,
        code: 'invalid',
        message: 'metadata must be an object'
      }
    ]
  }
  const errors: FieldError[] = []
  for (const [key, rule] of Object.entries(METADATA_RULES[type] ?? {})) {
    const code = checkValue(rule, metadata[key])
    if (code) {
      errors.push({
        resource: RESOURCE,
        field: `${prefix}metadata.${key}`,
        code,
        message:
          code === 'missing_field'
            ? `metadata.${key} is required for ${type} resources`
            : `metadata.${key} must be ${rule === 'integer' ? 'an integer' : rule === 'name' ? 'a non-empty string' : 'a string'}`
      })
    }
  }
  return errors
}

export function validateType(type: unknown, prefix = ''): FieldError[] {
  if (type === undefined || type === null) {
    return [{ resource: RESOURCE, field: `${prefix}resource_type`, code: 'missing_field' }]
  }
  if (typeof type !== 'string' || !CREATABLE_TYPES.includes(type)) {
    return [
      {
        resource: RESOURCE,
        field: `${prefix}resource_type`,
        code: 'invalid',
        message: `resource_type must be one of: ${CREATABLE_TYPES.join(', ')}`
      }
    ]
  }
  return []
}

export function validateNewResource(type: unknown, metadata: unknown, prefix = ''): FieldError[] {
  const typeErrors = validateType(type, prefix)
  if (typeErrors.length > 0) return typeErrors
  return validateMetadata(type as string, metadata, prefix)
}

function sameFile(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return (
    a.repository_id === b.repository_id &&
    a.file_path === b.file_path &&
    (a.sha ?? null) === (b.sha ?? null)
  )
}

function findResource(ctx: Ctx, space: StoredSpace): ResourceRecord {
  const id = parseId(ctx.params.space_resource_id)
  const resource = space.resources.find(r => r.id === id)
  if (!resource) fail(notFound())
  return resource
}

/** Metadata as the server keeps it: a `free_text` text through the server's normalisation. */
export function stored(
  ctx: Ctx,
  type: unknown,
  metadata: Record<string, unknown>
): Record<string, unknown> {
  if (type !== 'free_text' || !ctx.storeText || typeof metadata.text !== 'string') return metadata
  return { ...metadata, text: ctx.storeText(metadata.text) }
}

export function listResources(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const { space } = loadSpace(ctx, type, 'read')
    const size = ctx.resourcesPageSize
    if (size === undefined) {
      space.listing ??= Buffer.from(JSON.stringify({ resources: space.resources }))
      return { status: 200, payload: space.listing }
    }
    const sorted = [...space.resources].sort((a, b) => a.id - b.id)
    const page = cursorPage(sorted, r => r.id, { per_page: String(size), ...ctx.query })
    const link = linkHeader(ctx.base, ctx.rawPath, ctx.query, {
      next: page.next === undefined ? undefined : { after: page.next },
      prev: page.prev === undefined ? undefined : { before: page.prev }
    })
    return {
      status: 200,
      body: { resources: page.items.map(copyResource) },
      headers: link ? { link } : undefined
    }
  }
}

export function createResource(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const { space } = loadSpace(ctx, type, 'write')
    const body = isObject(ctx.body) ? ctx.body : {}
    const errors = validateNewResource(body.resource_type, body.metadata)
    if (errors.length > 0) return validationFailed(errors)
    const metadata = stored(ctx, body.resource_type, body.metadata as Record<string, unknown>)
    if (body.resource_type === 'github_file') {
      const existing = space.resources.find(
        r => r.resource_type === 'github_file' && sameFile(r.metadata, metadata)
      )
      if (existing) return ok(copyResource(existing), 200, false)
    }
    const resource = newResource(ctx.state, body.resource_type as string, metadata)
    space.resources.push(resource)
    resourcesChanged(space)
    return ok(copyResource(resource), 201, true)
  }
}

export function getResource(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const { space } = loadSpace(ctx, type, 'read')
    return ok(copyResource(findResource(ctx, space)))
  }
}

/**
 * `metadata` REPLACES the stored metadata (it is not merged key by key): the document calls it
 * "Updated resource-specific metadata" and validates it as a whole for the resource's type. A body
 * without `metadata` changes nothing.
 */
export function setResource(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const { space } = loadSpace(ctx, type, 'write')
    const resource = findResource(ctx, space)
    const body = isObject(ctx.body) ? ctx.body : {}
    if (body.metadata === undefined) return ok(copyResource(resource), 200, false)
    const errors = validateMetadata(resource.resource_type, body.metadata)
    if (errors.length > 0) return validationFailed(errors)
    resource.metadata = stored(
      ctx,
      resource.resource_type,
      structuredClone(body.metadata as Record<string, unknown>)
    )
    resource.updated_at = iso(ctx.state.now())
    resourcesChanged(space)
    return ok(copyResource(resource), 200, true)
  }
}

export function deleteResource(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const { space } = loadSpace(ctx, type, 'write')
    const resource = findResource(ctx, space)
    space.resources = space.resources.filter(r => r !== resource)
    resourcesChanged(space)
    return { status: 204, applied: true }
  }
}
