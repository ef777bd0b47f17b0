import { organizationSimple, simpleUser } from './accounts.js'
import { atLeast, ownerLevel, spaceLevel } from './auth.js'
import { fail, forbidden, isObject, notFound, ok, validationFailed } from './http.js'
import type { Answer, FieldError } from './http.js'
import { cursorPage, linkHeader } from './pagination.js'
import { stored, validateMetadata, validateNewResource, validateType } from './resources.js'
import type { Ctx } from './routes.js'
import { loadOwner, loadSpace, requireSpaceLevel } from './space-access.js'
import {
  accountId,
  copyResource,
  findAccount,
  insertSpace,
  iso,
  newResource,
  removeSpace,
  resourcesChanged,
  spacesOf,
  type StoredSpace
} from './state.js'
import type { BaseRole, OwnerType, ResourceRecord } from './types.js'

const SPACE = 'CopilotSpace'
export const ROLES: Record<OwnerType, BaseRole[]> = {
  org: ['reader', 'writer', 'admin', 'no_access'],
  user: ['reader', 'no_access']
}
export const MAX_INSTRUCTIONS = 4000

/**
 * The `copilot-space` schema (which allows no other keys). `resources_attributes` is left out of
 * list items, as in the documents' list examples.
 */
export function spaceJson(ctx: Ctx, space: StoredSpace, withResources: boolean): object {
  const owner = findAccount(ctx.state, space.owner)
  const ownerId = owner?.id ?? accountId(ctx.state, space.owner)
  return {
    id: space.id,
    number: space.number,
    name: space.name,
    description: space.description,
    general_instructions: space.general_instructions,
    base_role: space.base_role,
    owner:
      space.owner_type === 'org' && owner
        ? {
            ...organizationSimple(ctx.base, owner),
            html_url: `https://github.com/${owner.login}`,
            type: 'Organization'
          }
        : simpleUser(ctx.state, ctx.base, space.owner),
    creator: simpleUser(ctx.state, ctx.base, space.creator),
    created_at: space.created_at,
    updated_at: space.updated_at,
    html_url: `https://github.com/copilot/spaces/${encodeURIComponent(space.owner)}/${space.number}`,
    api_url:
      space.owner_type === 'org'
        ? `${ctx.base}/organizations/${ownerId}/copilot-spaces/${space.number}`
        : `${ctx.base}/user/${ownerId}/copilot-spaces/${space.number}`,
    ...(withResources ? { resources_attributes: space.resources.map(copyResource) } : {})
  }
}

function validateSpaceFields(
  body: Record<string, unknown>,
  type: OwnerType,
  creating: boolean
): FieldError[] {
  const errors: FieldError[] = []
  const { name, description, general_instructions: instructions, base_role: role } = body
  if (name === undefined || name === null) {
    if (creating) errors.push({ resource: SPACE, field: 'name', code: 'missing_field' })
  } else if (typeof name !== 'string' || name.trim() === '') {
    errors.push({
      resource: SPACE,
      field: 'name',
      code: creating && name === '' ? 'missing_field' : 'invalid',
      message: 'name must be a non-empty string'
    })
  }
  if (description !== undefined && description !== null && typeof description !== 'string') {
    errors.push({ resource: SPACE, field: 'description', code: 'invalid' })
  }
  if (instructions !== undefined && instructions !== null) {
    if (typeof instructions !== 'string') {
      errors.push({ resource: SPACE, field: 'general_instructions', code: 'invalid' })
    } else if ([...instructions].length > MAX_INSTRUCTIONS) {
      errors.push({
        resource: SPACE,
        field: 'general_instructions',
        code: 'invalid',
        message: `general_instructions is too long (maximum is ${MAX_INSTRUCTIONS} characters)`
      })
    }
  }
  if (role !== undefined && !ROLES[type].includes(role as BaseRole)) {
    errors.push({
      resource: SPACE,
      field: 'base_role',
      code: 'invalid',
      message: `base_role must be one of: ${ROLES[type].join(', ')}`
    })
  }
  return errors
}

interface NestedPlan {
  creates: { resource_type: string; metadata: Record<string, unknown> }[]
  updates: { resource: ResourceRecord; resource_type: string; metadata?: Record<string, unknown> }[]
  destroys: ResourceRecord[]
}

/** Rails casts these to false; any other present value marks the entry for destruction. */
const FALSE_VALUES: unknown[] = [false, 0, '0', 'f', 'F', 'false', 'FALSE', 'off', 'OFF', '']

function parseEntryId(value: unknown): number | undefined {
  if (Number.isSafeInteger(value)) return value as number
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return undefined
}

/**
 * `resources_attributes` with Rails nested-attributes semantics: no `id` creates, an `id` updates
 * that resource (its `metadata` replaced, `resource_type` changed if given), `id` plus a true
 * `_destroy` deletes it, and resources not named are left alone. Everything is validated here so
 * the caller can apply all or nothing. Choices where the documents are silent: an entry without
 * `id` but with `_destroy` is skipped (Rails ignores new records marked for destruction); an `id`
 * that is not a resource of this space, or appears twice, is 422; nested creates do not apply the
 * github_file duplicate rule of the create-resource endpoint.
 */
function planNested(
  value: unknown,
  existing: ResourceRecord[]
): { plan: NestedPlan; errors: FieldError[] } {
  const plan: NestedPlan = { creates: [], updates: [], destroys: [] }
  const errors: FieldError[] = []
  if (value === undefined || value === null) return { plan, errors }
  if (!Array.isArray(value)) {
    errors.push({
      resource: SPACE,
      field: 'resources_attributes',
      code: 'invalid',
      message: 'resources_attributes must be an array'
    })
    return { plan, errors }
  }
  const seen = new Set<number>()
  value.forEach((entry: unknown, i) => {
    const prefix = `resources_attributes[${i}].`
    if (!isObject(entry)) {
      errors.push({ resource: SPACE, field: `resources_attributes[${i}]`, code: 'invalid' })
      return
    }
    const destroy =
      entry._destroy !== undefined &&
      entry._destroy !== null &&
      !FALSE_VALUES.includes(entry._destroy)
    if (entry.id === undefined || entry.id === null) {
      if (destroy) return
      errors.push(...validateNewResource(entry.resource_type, entry.metadata, prefix))
      plan.creates.push({
        resource_type: entry.resource_type as string,
        metadata: entry.metadata as Record<string, unknown>
      })
      return
    }
    const id = parseEntryId(entry.id)
    const resource = existing.find(r => r.id === id)
    if (id === undefined || !resource || seen.has(id)) {
      errors.push({
        resource: 'CopilotSpaceResource',
        field: `${prefix}id`,
        code: 'invalid',
        message:
          id !== undefined && seen.has(id)
            ? `resource ${id} appears more than once`
            : `Couldn't find a resource with id ${JSON.stringify(entry.id)} in this space`
      })
      return
    }
    seen.add(id)
    if (destroy) {
      plan.destroys.push(resource)
      return
    }
    const typeGiven = entry.resource_type !== undefined && entry.resource_type !== null
    if (typeGiven) errors.push(...validateType(entry.resource_type, prefix))
    const resourceType = typeGiven ? (entry.resource_type as string) : resource.resource_type
    if (entry.metadata !== undefined) {
      errors.push(...validateMetadata(resourceType, entry.metadata, prefix))
    } else if (resourceType !== resource.resource_type) {
      errors.push(...validateMetadata(resourceType, resource.metadata, prefix))
    }
    plan.updates.push({
      resource,
      resource_type: resourceType,
      metadata: entry.metadata as Record<string, unknown> | undefined
    })
  })
  return { plan, errors }
}

function applyNested(ctx: Ctx, space: StoredSpace, plan: NestedPlan): boolean {
  resourcesChanged(space)
  const stamp = iso(ctx.state.now())
  for (const { resource, resource_type, metadata } of plan.updates) {
    resource.resource_type = resource_type
    if (metadata !== undefined) {
      resource.metadata = structuredClone(stored(ctx, resource_type, metadata))
    }
    resource.updated_at = stamp
  }
  const named = new Set(plan.updates.map(u => u.resource))
  const before = space.resources.length
  space.resources = space.resources.filter(r =>
    ctx.nestedAttributes === 'replace'
      ? named.has(r)
      : ctx.nestedAttributes === 'ignore-destroy' || !plan.destroys.includes(r)
  )
  for (const { resource_type, metadata } of plan.creates) {
    space.resources.push(
      newResource(ctx.state, resource_type, stored(ctx, resource_type, metadata))
    )
  }
  return plan.updates.length + plan.creates.length > 0 || space.resources.length < before
}

function bodyOf(ctx: Ctx): Record<string, unknown> {
  return isObject(ctx.body) ? ctx.body : {}
}

/**
 * Lists the spaces the token can read, ordered by number. The owner must exist; a token that can
 * read none of its spaces gets an empty list ("only Spaces that are readable ... are returned").
 */
export function listSpaces(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const owner = loadOwner(ctx, type, 'read')
    const readable = spacesOf(ctx.state, owner.login)
      .filter(s => spaceLevel(ctx.token, s) !== 'none')
      .sort((a, b) => a.number - b.number)
    const page = cursorPage(readable, s => s.number, ctx.query)
    const link = linkHeader(ctx.base, ctx.rawPath, ctx.query, {
      next: page.next === undefined ? undefined : { after: page.next },
      prev: page.prev === undefined ? undefined : { before: page.prev }
    })
    return {
      status: 200,
      body: { spaces: page.items.map(s => spaceJson(ctx, s, false)) },
      headers: link ? { link } : undefined
    }
  }
}

/**
 * Creating needs write access to the owner as a whole (a user always has it on their own account).
 * A token with no access to the owner gets 404, like every other unreadable thing here.
 */
export function createSpace(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const owner = loadOwner(ctx, type, 'write')
    const level = ownerLevel(ctx.token, type, owner.login)
    if (level === 'none') fail(notFound())
    if (!atLeast(level, 'write')) {
      fail(forbidden(`Must have write access to create Copilot Spaces for ${owner.login}`))
    }
    const body = bodyOf(ctx)
    const { plan, errors: nestedErrors } = planNested(body.resources_attributes, [])
    const errors = [...validateSpaceFields(body, type, true), ...nestedErrors]
    if (errors.length > 0) return validationFailed(errors)
    const space = insertSpace(ctx.state, owner, {
      name: body.name as string,
      description: (body.description as string | null | undefined) ?? undefined,
      general_instructions: (body.general_instructions as string | null | undefined) ?? undefined,
      base_role: (body.base_role as BaseRole | undefined) ?? 'no_access',
      creator: ctx.token.login
    })
    applyNested(ctx, space, plan)
    return ok(spaceJson(ctx, space, true), 201, true)
  }
}

export function getSpace(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const { space } = loadSpace(ctx, type, 'read')
    return ok(spaceJson(ctx, space, true))
  }
}

/**
 * Any subset of the fields; changing `base_role` needs admin access ("Changing this field requires
 * admin permissions"). Validation covers every field and nested entry before anything changes.
 */
export function setSpace(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const { space } = loadSpace(ctx, type, 'write')
    const body = bodyOf(ctx)
    if (body.base_role !== undefined && body.base_role !== space.base_role) {
      requireSpaceLevel(ctx, space, 'admin')
    }
    const { plan, errors: nestedErrors } = planNested(body.resources_attributes, space.resources)
    const errors = [...validateSpaceFields(body, type, false), ...nestedErrors]
    if (errors.length > 0) return validationFailed(errors)
    let changed = false
    for (const field of ['name', 'description', 'general_instructions', 'base_role'] as const) {
      if (body[field] === undefined || body[field] === space[field]) continue
      ;(space as unknown as Record<string, unknown>)[field] = body[field]
      changed = true
    }
    changed = applyNested(ctx, space, plan) || changed
    if (changed) space.updated_at = iso(ctx.state.now())
    const terse = ctx.nestedAttributes === 'terse' && body.resources_attributes !== undefined
    return ok(spaceJson(ctx, space, !terse), 200, changed)
  }
}

/**
 * Deleting needs write access, like every other change here. GitHub documents only 204, 404 and 422
 * for this operation (no 403), so a token that can read the space but not write it gets 404.
 */
export function deleteSpace(type: OwnerType) {
  return (ctx: Ctx): Answer => {
    const { space } = loadSpace(ctx, type, 'read')
    if (!atLeast(spaceLevel(ctx.token, space), 'write')) fail(notFound())
    removeSpace(ctx.state, space)
    return { status: 204, applied: true }
  }
}
