/**
 * The emulator's Copilot Spaces API through real HTTP (Node's fetch): the twenty endpoints for
 * organization- and user-owned spaces, their documented statuses, the seed documents' examples,
 * nested attributes, pagination, auth and the log. Every answer is also checked against GitHub's
 * OpenAPI description.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../emulator/index.js'
import {
  ADMIN,
  call,
  ORG,
  READER,
  responseViolations,
  seeded,
  STRANGER,
  undocumented,
  USER,
  VERSION,
  WRITER
} from './helpers/emulator-http.js'

let emu: Emulator
let clock: number
const START = Date.UTC(2026, 0, 1, 12, 0, 0)

beforeEach(async () => {
  clock = START
  emu = await seeded({ now: () => clock })
})
afterEach(async () => {
  await emu.close()
  // Whatever a test provoked, the emulator's answers must have GitHub's shapes.
  expect(responseViolations(emu.requests)).toEqual([])
})

type Kind = 'org' | 'user'
const kinds: [Kind, string, string][] = [
  ['org', 'orgs', ORG],
  ['user', 'users', USER]
]

describe.each(kinds)('%s-owned spaces', (kind, segment, owner) => {
  const spaces = `/${segment}/${owner}/copilot-spaces`

  it('creates a space from the seed example (201), with its resources', async () => {
    const body = {
      name: 'Team Planning Space',
      description: 'Organization space for team planning and coordination',
      general_instructions: 'Help the team with planning and coordination tasks',
      resources_attributes: [
        {
          resource_type: 'github_file',
          metadata: { repository_id: 123456, file_path: 'docs/planning.md' }
        },
        {
          resource_type: 'free_text',
          metadata: {
            name: 'Team Guidelines',
            text: 'Our team follows agile methodology and holds daily standups'
          }
        }
      ]
    }
    const res = await call(emu, 'POST', spaces, { body })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      number: 1,
      name: body.name,
      description: body.description,
      general_instructions: body.general_instructions,
      base_role: 'no_access',
      owner: { login: owner, type: kind === 'org' ? 'Organization' : 'User' },
      creator: { login: USER, type: 'User' },
      created_at: '2026-01-01T12:00:00Z',
      updated_at: '2026-01-01T12:00:00Z',
      html_url: `https://github.com/copilot/spaces/${owner}/1`
    })
    expect(res.body.api_url).toBe(
      kind === 'org'
        ? `${emu.url}/organizations/1/copilot-spaces/1`
        : `${emu.url}/user/2/copilot-spaces/1`
    )
    expect(res.body.owner.url).toBe(`${emu.url}/${kind === 'org' ? 'orgs' : 'users'}/${owner}`)
    expect(res.body.resources_attributes).toEqual([
      expect.objectContaining({
        resource_type: 'github_file',
        metadata: body.resources_attributes[0]?.metadata
      }),
      expect.objectContaining({
        resource_type: 'free_text',
        metadata: body.resources_attributes[1]?.metadata
      })
    ])
    expect(emu.resources(kind, owner, 1)).toHaveLength(2)

    const got = await call(emu, 'GET', `${spaces}/1`)
    expect(got.status).toBe(200)
    expect(got.body).toEqual(res.body)

    const list = await call(emu, 'GET', spaces)
    expect(list.status).toBe(200)
    expect(list.body.spaces).toHaveLength(1)
    expect(list.body.spaces[0]).not.toHaveProperty('resources_attributes')
    expect(list.body.spaces[0].id).toBe(res.body.id)
  })

  it('numbers spaces per owner from 1 and gives ids globally', async () => {
    const other =
      kind === 'org'
        ? emu.createSpace('user', USER, { name: 'x' })
        : emu.createSpace('org', ORG, { name: 'x' })
    const a = await call(emu, 'POST', spaces, { body: { name: 'A' } })
    const b = await call(emu, 'POST', spaces, { body: { name: 'B' } })
    expect([a.body.number, b.body.number]).toEqual([1, 2])
    expect(new Set([other.id, a.body.id, b.body.id]).size).toBe(3)
  })

  it('sets a space with the seed example: create, _destroy and update nested resources', async () => {
    const space = emu.createSpace(kind, owner, { name: 'My Development Space' })
    const doomed = emu.addResource(kind, owner, space.number, {
      resource_type: 'github_file',
      metadata: { repository_id: 789012, file_path: 'src/components/App.js' }
    })
    const kept = emu.addResource(kind, owner, space.number, {
      resource_type: 'free_text',
      metadata: { name: 'Development Notes', text: 'old' }
    })
    const untouched = emu.addResource(kind, owner, space.number, {
      resource_type: 'repository',
      metadata: { repository_id: 1 }
    })
    clock += 60_000
    const res = await call(emu, 'PUT', `${spaces}/${space.number}`, {
      body: {
        name: 'Updated Development Space',
        description: 'Updated personal space for development assistance',
        general_instructions:
          'Updated instructions to help me with React development patterns and best practices',
        resources_attributes: [
          {
            resource_type: 'github_file',
            metadata: { repository_id: 789012, file_path: 'src/components/UpdatedApp.js' }
          },
          { id: doomed.id, _destroy: true },
          {
            id: kept.id,
            resource_type: 'free_text',
            metadata: {
              name: 'Updated Development Notes',
              text: 'Updated focus on clean code principles'
            }
          }
        ]
      }
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      name: 'Updated Development Space',
      description: 'Updated personal space for development assistance',
      updated_at: '2026-01-01T12:01:00Z',
      created_at: '2026-01-01T12:00:00Z'
    })
    const now = emu.resources(kind, owner, space.number)
    expect(now.map(r => r.id)).toEqual([kept.id, untouched.id, expect.any(Number)])
    expect(now.find(r => r.id === kept.id)).toMatchObject({
      metadata: {
        name: 'Updated Development Notes',
        text: 'Updated focus on clean code principles'
      },
      updated_at: '2026-01-01T12:01:00Z'
    })
    expect(now.find(r => r.id === untouched.id)).toEqual(untouched)
    expect(now[2]).toMatchObject({
      resource_type: 'github_file',
      metadata: { file_path: 'src/components/UpdatedApp.js' }
    })
    expect(res.body.resources_attributes).toEqual(now)
    expect(emu.requests.at(-1)).toMatchObject({
      applied: true,
      route: `/${segment}/{${kind === 'org' ? 'org' : 'username'}}/copilot-spaces/{space_number}`
    })
  })

  it('applies nested attributes all or nothing', async () => {
    const space = emu.createSpace(kind, owner, { name: 'Before' })
    const r = emu.addResource(kind, owner, space.number, {
      resource_type: 'free_text',
      metadata: { name: 'n', text: 't' }
    })
    const before = emu.resources(kind, owner, space.number)
    const res = await call(emu, 'PUT', `${spaces}/${space.number}`, {
      body: {
        name: 'After',
        resources_attributes: [
          { id: r.id, _destroy: true },
          { resource_type: 'free_text', metadata: { name: 'ok', text: 'fine' } },
          { resource_type: 'github_file', metadata: { repository_id: 1 } }
        ]
      }
    })
    expect(res.status).toBe(422)
    expect(res.body).toEqual({
      message: 'Validation Failed',
      errors: [
        expect.objectContaining({
          resource: 'CopilotSpaceResource',
          field: 'resources_attributes[2].metadata.file_path',
          code: 'missing_field'
        })
      ],
      documentation_url: 'https://docs.github.com/rest'
    })
    expect(emu.resources(kind, owner, space.number)).toEqual(before)
    expect((await call(emu, 'GET', `${spaces}/${space.number}`)).body.name).toBe('Before')
    expect(emu.requests.at(-2)?.applied).toBe(false)
  })

  it('rejects a nested id that is not a resource of this space (422)', async () => {
    const a = emu.createSpace(kind, owner, { name: 'A' })
    const b = emu.createSpace(kind, owner, { name: 'B' })
    const foreign = emu.addResource(kind, owner, b.number, {
      resource_type: 'repository',
      metadata: { repository_id: 1 }
    })
    for (const entry of [
      { id: foreign.id, _destroy: true },
      { id: 999, metadata: {} },
      { id: 'abc' }
    ]) {
      const res = await call(emu, 'PUT', `${spaces}/${a.number}`, {
        body: { resources_attributes: [entry] }
      })
      expect(res.status).toBe(422)
      expect(res.body.errors[0]).toMatchObject({
        field: 'resources_attributes[0].id',
        code: 'invalid'
      })
    }
    expect(emu.resources(kind, owner, b.number)).toHaveLength(1)
  })

  it('leaves resources alone when resources_attributes is absent or empty, and skips new entries marked _destroy', async () => {
    const space = emu.createSpace(kind, owner, { name: 'S' })
    emu.addResource(kind, owner, space.number, {
      resource_type: 'repository',
      metadata: { repository_id: 7 }
    })
    for (const body of [
      { description: 'd' },
      { resources_attributes: [] },
      { resources_attributes: [{ resource_type: 'free_text', _destroy: true }] }
    ]) {
      const res = await call(emu, 'PUT', `${spaces}/${space.number}`, { body })
      expect(res.status).toBe(200)
      expect(res.body.resources_attributes).toHaveLength(1)
    }
  })

  it('deletes a space (204, no body), then it is gone (404)', async () => {
    const space = emu.createSpace(kind, owner, { name: 'Doomed' })
    const res = await call(emu, 'DELETE', `${spaces}/${space.number}`)
    expect(res.status).toBe(204)
    expect(res.body).toBeUndefined()
    expect(res.headers.get('content-type')).toBeNull()
    expect((await call(emu, 'GET', `${spaces}/${space.number}`)).status).toBe(404)
    expect((await call(emu, 'DELETE', `${spaces}/${space.number}`)).status).toBe(404)
    // Numbers are not reused.
    expect((await call(emu, 'POST', spaces, { body: { name: 'Next' } })).body.number).toBe(2)
  })

  it('lists, creates, gets, sets and deletes resources', async () => {
    const space = emu.createSpace(kind, owner, { name: 'S' })
    const base = `${spaces}/${space.number}/resources`
    expect(await call(emu, 'GET', base)).toMatchObject({ status: 200, body: { resources: [] } })

    const created = await call(emu, 'POST', base, {
      body: {
        resource_type: 'free_text',
        metadata: { name: 'notes.txt', text: 'Some helpful notes', extra: 1 }
      }
    })
    expect(created.status).toBe(201)
    expect(created.body).toEqual({
      id: expect.any(Number),
      resource_type: 'free_text',
      copilot_chat_attachment_id: null,
      metadata: { name: 'notes.txt', text: 'Some helpful notes', extra: 1 },
      created_at: '2026-01-01T12:00:00Z',
      updated_at: '2026-01-01T12:00:00Z'
    })
    const id = created.body.id as number
    expect((await call(emu, 'GET', `${base}/${id}`)).body).toEqual(created.body)
    expect((await call(emu, 'GET', base)).body).toEqual({ resources: [created.body] })

    clock += 3_600_000
    // The seed example: metadata is replaced as a whole (`extra` goes away).
    const set = await call(emu, 'PUT', `${base}/${id}`, {
      body: { metadata: { name: 'updated-notes.txt', text: 'Updated content' } }
    })
    expect(set.status).toBe(200)
    expect(set.body).toMatchObject({
      id,
      metadata: { name: 'updated-notes.txt', text: 'Updated content' },
      created_at: '2026-01-01T12:00:00Z',
      updated_at: '2026-01-01T13:00:00Z'
    })
    expect(set.body.metadata).not.toHaveProperty('extra')

    const invalid = await call(emu, 'PUT', `${base}/${id}`, { body: { metadata: { name: 'x' } } })
    expect(invalid.status).toBe(422)
    expect(invalid.body.errors).toEqual([
      expect.objectContaining({ field: 'metadata.text', code: 'missing_field' })
    ])

    const deleted = await call(emu, 'DELETE', `${base}/${id}`)
    expect(deleted.status).toBe(204)
    expect(deleted.body).toBeUndefined()
    expect((await call(emu, 'GET', `${base}/${id}`)).status).toBe(404)
    expect((await call(emu, 'DELETE', `${base}/${id}`)).status).toBe(404)
    expect((await call(emu, 'PUT', `${base}/${id}`, { body: { metadata: {} } })).status).toBe(404)
  })

  it('lists the resources as they are after every kind of change (the encoded listing is kept only until one)', async () => {
    const space = emu.createSpace(kind, owner, { name: 'S' })
    const base = `${spaces}/${space.number}/resources`
    const listed = async () =>
      (
        (await call(emu, 'GET', base)).body.resources as {
          id: number
          metadata: { text?: string }
        }[]
      ).map(r => `${r.id}:${r.metadata.text ?? ''}`)
    expect(await listed()).toEqual([])
    const note = (text: string) => ({ resource_type: 'free_text', metadata: { name: 'n', text } })
    const id = (await call(emu, 'POST', base, { body: note('one') })).body.id as number
    expect(await listed()).toEqual([`${id}:one`])
    await call(emu, 'PUT', `${base}/${id}`, { body: { metadata: { name: 'n', text: 'two' } } })
    expect(await listed()).toEqual([`${id}:two`])
    const seededId = emu.addResource(kind, owner, space.number, note('seeded') as never).id
    expect(await listed()).toEqual([`${id}:two`, `${seededId}:seeded`])
    await call(emu, 'PUT', `${spaces}/${space.number}`, {
      body: {
        resources_attributes: [
          { id, metadata: { name: 'n', text: 'three' } },
          { id: seededId, _destroy: true }
        ]
      }
    })
    expect(await listed()).toEqual([`${id}:three`])
    await call(emu, 'DELETE', `${base}/${id}`)
    expect(await listed()).toEqual([])
  })

  it('answers a duplicate github_file with 200 and the existing resource', async () => {
    const space = emu.createSpace(kind, owner, { name: 'S' })
    const base = `${spaces}/${space.number}/resources`
    const file = {
      resource_type: 'github_file',
      metadata: { repository_id: 42, file_path: 'docs/a b/ü.md', sha: 'a'.repeat(40) }
    }
    const first = await call(emu, 'POST', base, { body: file })
    const again = await call(emu, 'POST', base, { body: file })
    expect([first.status, again.status]).toEqual([201, 200])
    expect(again.body).toEqual(first.body)
    expect(emu.requests.at(-1)?.applied).toBe(false)
    const otherSha = await call(emu, 'POST', base, {
      body: { ...file, metadata: { ...file.metadata, sha: 'b'.repeat(40) } }
    })
    const noSha = await call(emu, 'POST', base, {
      body: { ...file, metadata: { repository_id: 42, file_path: 'docs/a b/ü.md' } }
    })
    const noShaAgain = await call(emu, 'POST', base, {
      body: { ...file, metadata: { repository_id: 42, file_path: 'docs/a b/ü.md' } }
    })
    expect([otherSha.status, noSha.status, noShaAgain.status]).toEqual([201, 201, 200])
    expect(emu.resources(kind, owner, space.number)).toHaveLength(3)
  })

  it('validates resources as GitHub does (422)', async () => {
    const space = emu.createSpace(kind, owner, { name: 'S' })
    const base = `${spaces}/${space.number}/resources`
    const cases: [unknown, { field: string; code: string }][] = [
      [
        { resource_type: 'github_file', metadata: { repository_id: 1 } },
        { field: 'metadata.file_path', code: 'missing_field' }
      ],
      [
        { resource_type: 'github_file', metadata: { repository_id: '1', file_path: 'a' } },
        { field: 'metadata.repository_id', code: 'invalid' }
      ],
      [
        { resource_type: 'github_file', metadata: { repository_id: 1, file_path: '' } },
        { field: 'metadata.file_path', code: 'invalid' }
      ],
      [
        { resource_type: 'github_file', metadata: { repository_id: 1, file_path: 'a', sha: 5 } },
        { field: 'metadata.sha', code: 'invalid' }
      ],
      [
        { resource_type: 'free_text', metadata: { text: 't' } },
        { field: 'metadata.name', code: 'missing_field' }
      ],
      [
        { resource_type: 'repository', metadata: {} },
        { field: 'metadata.repository_id', code: 'missing_field' }
      ],
      [
        { resource_type: 'github_issue', metadata: { repository_id: 1 } },
        { field: 'metadata.number', code: 'missing_field' }
      ],
      [
        { resource_type: 'github_pull_request', metadata: { repository_id: 1, number: 1.5 } },
        { field: 'metadata.number', code: 'invalid' }
      ],
      [
        { resource_type: 'media_content', metadata: {} },
        { field: 'resource_type', code: 'invalid' }
      ],
      [
        { resource_type: 'uploaded_text_file', metadata: {} },
        { field: 'resource_type', code: 'invalid' }
      ],
      [
        { resource_type: 'unknown', metadata: {} },
        { field: 'resource_type', code: 'invalid' }
      ],
      [{ metadata: {} }, { field: 'resource_type', code: 'missing_field' }],
      [{ resource_type: 'free_text' }, { field: 'metadata', code: 'missing_field' }],
      [
        { resource_type: 'free_text', metadata: 'x' },
        { field: 'metadata', code: 'invalid' }
      ]
    ]
    for (const [body, error] of cases) {
      const res = await call(emu, 'POST', base, { body })
      expect(res.status).toBe(422)
      expect(res.body).toEqual({
        message: 'Validation Failed',
        errors: [expect.objectContaining({ resource: 'CopilotSpaceResource', ...error })],
        documentation_url: 'https://docs.github.com/rest'
      })
    }
    for (const metadata of [{ repository_id: 1, number: 2 }]) {
      expect(
        (await call(emu, 'POST', base, { body: { resource_type: 'github_issue', metadata } }))
          .status
      ).toBe(201)
      expect(
        (
          await call(emu, 'POST', base, {
            body: { resource_type: 'github_pull_request', metadata }
          })
        ).status
      ).toBe(201)
    }
    expect(
      (
        await call(emu, 'POST', base, {
          body: { resource_type: 'repository', metadata: { repository_id: 3 } }
        })
      ).status
    ).toBe(201)
    expect(
      (
        await call(emu, 'POST', base, {
          body: { resource_type: 'free_text', metadata: { name: 'n', text: '' } }
        })
      ).status
    ).toBe(201)
  })

  it('validates spaces (422): name, instructions length, base role, nested resources', async () => {
    const bad = [
      [{}, 'name', 'missing_field'],
      [{ name: '' }, 'name', 'missing_field'],
      [{ name: 7 }, 'name', 'invalid'],
      [{ name: 'n', general_instructions: 'x'.repeat(4001) }, 'general_instructions', 'invalid'],
      [{ name: 'n', base_role: 'owner' }, 'base_role', 'invalid'],
      [
        { name: 'n', resources_attributes: [{ resource_type: 'media_content', metadata: {} }] },
        'resources_attributes[0].resource_type',
        'invalid'
      ],
      [
        { name: 'n', resources_attributes: [{ id: 1, _destroy: true }] },
        'resources_attributes[0].id',
        'invalid'
      ]
    ] as const
    for (const [body, field, code] of bad) {
      const res = await call(emu, 'POST', spaces, { body })
      expect(res.status).toBe(422)
      expect(res.body.message).toBe('Validation Failed')
      expect(res.body.errors).toEqual([expect.objectContaining({ field, code })])
    }
    const ok = await call(emu, 'POST', spaces, {
      body: { name: 'n', general_instructions: 'x'.repeat(4000), base_role: 'reader' }
    })
    expect(ok.status).toBe(201)
    const writer = await call(emu, 'POST', spaces, { body: { name: 'w', base_role: 'writer' } })
    expect(writer.status).toBe(kind === 'org' ? 201 : 422)
    const set = await call(emu, 'PUT', `${spaces}/${ok.body.number}`, {
      body: { base_role: 'admin' }
    })
    expect(set.status).toBe(kind === 'org' ? 200 : 422)
    expect(
      (await call(emu, 'PUT', `${spaces}/${ok.body.number}`, { body: { name: '' } })).status
    ).toBe(422)
    expect(emu.requests.filter(r => r.status === 422).every(r => r.applied === false)).toBe(true)
  })

  it('answers malformed JSON with 400 and a non-object body with 422', async () => {
    const space = emu.createSpace(kind, owner, { name: 'S' })
    for (const [method, path] of [
      ['POST', spaces],
      ['PUT', `${spaces}/${space.number}`],
      ['POST', `${spaces}/${space.number}/resources`]
    ] as const) {
      const res = await call(emu, method, path, { raw: '{"name": ' })
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ message: 'Problems parsing JSON' })
    }
    expect((await call(emu, 'POST', spaces, { raw: '[1]' })).status).toBe(422)
    expect(emu.requests[0]?.requestBody).toBe('{"name": ')
  })

  it('answers 404 for unknown owners, spaces, resources and spaces the token cannot see', async () => {
    const space = emu.createSpace(kind, owner, { name: 'Private' })
    const r = emu.addResource(kind, owner, space.number, {
      resource_type: 'repository',
      metadata: { repository_id: 1 }
    })
    const notFound = {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404'
    }
    const paths = [
      `/${segment}/nobody/copilot-spaces`,
      `/${segment}/${kind === 'org' ? USER : ORG}/copilot-spaces`,
      `${spaces}/99`,
      `${spaces}/abc`,
      `${spaces}/${space.number}/resources/${r.id + 100}`,
      `${spaces}/${space.number}/resources/x`
    ]
    for (const path of paths) {
      const res = await call(emu, 'GET', path)
      expect([path, res.status, res.body]).toEqual([path, 404, notFound])
    }
    for (const [method, path] of [
      ['GET', `${spaces}/${space.number}`],
      ['PUT', `${spaces}/${space.number}`],
      ['DELETE', `${spaces}/${space.number}`],
      ['GET', `${spaces}/${space.number}/resources`],
      ['POST', `${spaces}/${space.number}/resources`],
      ['GET', `${spaces}/${space.number}/resources/${r.id}`],
      ['PUT', `${spaces}/${space.number}/resources/${r.id}`],
      ['DELETE', `${spaces}/${space.number}/resources/${r.id}`]
    ] as const) {
      expect([
        method,
        path,
        (await call(emu, method, path, { token: STRANGER, body: {} })).status
      ]).toEqual([method, path, 404])
    }
    // Listing an owner the token cannot read is not an error: only readable spaces are listed.
    expect(await call(emu, 'GET', spaces, { token: STRANGER })).toMatchObject({
      status: 200,
      body: { spaces: [] }
    })
    expect((await call(emu, 'POST', spaces, { token: STRANGER, body: { name: 'n' } })).status).toBe(
      404
    )
    expect(emu.resources(kind, owner, space.number)).toHaveLength(1)
  })

  it('answers 403 when the token may read but not write, and hides spaces it cannot read', async () => {
    const space = emu.createSpace(kind, owner, { name: 'S' })
    const r = emu.addResource(kind, owner, space.number, {
      resource_type: 'repository',
      metadata: { repository_id: 1 }
    })
    const base = `${spaces}/${space.number}`
    expect((await call(emu, 'GET', base, { token: READER })).status).toBe(200)
    expect((await call(emu, 'GET', `${base}/resources/${r.id}`, { token: READER })).status).toBe(
      200
    )
    for (const [method, path, body] of [
      ['PUT', base, { name: 'x' }],
      [
        'POST',
        `${base}/resources`,
        { resource_type: 'repository', metadata: { repository_id: 2 } }
      ],
      ['PUT', `${base}/resources/${r.id}`, { metadata: { repository_id: 3 } }],
      ['DELETE', `${base}/resources/${r.id}`, undefined]
    ] as const) {
      const res = await call(emu, method, path, { token: READER, body })
      expect(res.status).toBe(403)
      expect(res.body).toMatchObject({ message: 'Must have write access to this Copilot Space' })
      expect(res.headers.get('x-accepted-github-permissions')).toBe(
        kind === 'org' ? 'organization_copilot_spaces=write' : null
      )
      expect(res.headers.get('x-oauth-scopes')).toBe(
        'read:org, write:org, read:user, write:user, user, repo'
      )
    }
    // Deleting a space: GitHub documents no 403 there, so a reader gets 404.
    expect((await call(emu, 'DELETE', base, { token: READER })).status).toBe(404)
    // Creating needs write access to the owner.
    expect((await call(emu, 'POST', spaces, { token: READER, body: { name: 'n' } })).status).toBe(
      403
    )
    expect(emu.resources(kind, owner, space.number)).toEqual([r])

    // Writers may change everything but the base role, which needs admin.
    expect(
      (
        await call(emu, 'PUT', base, {
          token: WRITER,
          body: { name: 'renamed', base_role: 'no_access' }
        })
      ).status
    ).toBe(200)
    const role = await call(emu, 'PUT', base, { token: WRITER, body: { base_role: 'reader' } })
    expect(role.status).toBe(403)
    expect(role.body.message).toBe('Must have admin access to this Copilot Space')
    expect(
      (await call(emu, 'PUT', base, { token: ADMIN, body: { base_role: 'reader' } })).status
    ).toBe(200)
  })

  it('honours per-space grants and base roles', async () => {
    const open = emu.createSpace(kind, owner, { name: 'Open', base_role: 'reader' })
    const closed = emu.createSpace(kind, owner, { name: 'Closed' })
    emu.addToken('ghp_one', {
      login: 'one',
      access: { [`${owner.toUpperCase()}/${closed.number}`]: 'write' }
    })
    const list = await call(emu, 'GET', spaces, { token: 'ghp_one' })
    // The per-space grant makes `one` a member of the organization, so the reader base role applies.
    expect(list.body.spaces.map((s: { name: string }) => s.name)).toEqual(['Open', 'Closed'])
    expect(
      (
        await call(emu, 'PUT', `${spaces}/${closed.number}`, {
          token: 'ghp_one',
          body: { name: 'c' }
        })
      ).status
    ).toBe(200)
    expect(
      (
        await call(emu, 'PUT', `${spaces}/${open.number}`, {
          token: 'ghp_one',
          body: { name: 'o' }
        })
      ).status
    ).toBe(403)
    // A public user space is readable by anyone; an organization's base role only by its members.
    expect((await call(emu, 'GET', `${spaces}/${open.number}`, { token: STRANGER })).status).toBe(
      kind === 'user' ? 200 : 404
    )
  })

  it('enforces each documented classic scope, naming accepted and granted scopes', async () => {
    const space = emu.createSpace(kind, owner, { name: 'S' })
    const r = emu.addResource(kind, owner, space.number, {
      resource_type: 'repository',
      metadata: { repository_id: 1 }
    })
    const base = `${spaces}/${space.number}`
    const org = kind === 'org'
    const endpoints: [string, string, unknown, string[]][] = [
      ['GET', spaces, undefined, [org ? 'read:org' : 'read:user']],
      ['POST', spaces, { name: 'n' }, [org ? 'read:org' : 'read:user']],
      ['GET', base, undefined, [org ? 'read:org' : 'repo']],
      ['PUT', base, { name: 'n' }, [org ? 'read:org' : 'read:user']],
      ['DELETE', base, undefined, org ? ['read:org', 'repo'] : ['user']],
      ['GET', `${base}/resources`, undefined, [org ? 'read:org' : 'read:user']],
      [
        'POST',
        `${base}/resources`,
        { resource_type: 'repository', metadata: { repository_id: 2 } },
        [org ? 'write:org' : 'write:user']
      ],
      ['GET', `${base}/resources/${r.id}`, undefined, [org ? 'read:org' : 'read:user']],
      [
        'PUT',
        `${base}/resources/${r.id}`,
        { metadata: { repository_id: 2 } },
        [org ? 'write:org' : 'write:user']
      ],
      ['DELETE', `${base}/resources/${r.id}`, undefined, [org ? 'write:org' : 'write:user']]
    ]
    emu.addToken('ghp_noscope', { login: USER, scopes: ['gist'], access: { [ORG]: 'admin' } })
    for (const [method, path, body, needed] of endpoints) {
      const res = await call(emu, method, path, { token: 'ghp_noscope', body })
      expect([method, path, res.status]).toEqual([method, path, 403])
      expect(res.headers.get('x-oauth-scopes')).toBe('gist')
      for (const scope of needed)
        expect(res.headers.get('x-accepted-oauth-scopes')?.split(', ')).toContain(scope)
      // Exactly the documented scopes suffice (the broader ones that imply them too).
      emu.addToken('ghp_exact', { login: USER, scopes: needed, access: { [ORG]: 'admin' } })
      const exact = await call(emu, method, path, { token: 'ghp_exact', body })
      expect([method, path, exact.status < 300]).toEqual([method, path, true])
      expect(exact.headers.get('x-accepted-oauth-scopes')).toContain(needed[0])
      if (method === 'DELETE' && path === base) break
    }
    emu.addToken('ghp_broad', {
      login: USER,
      scopes: org ? ['admin:org'] : ['user'],
      access: { [ORG]: 'admin' }
    })
    expect(
      (await call(emu, 'POST', spaces, { token: 'ghp_broad', body: { name: 'b' } })).status
    ).toBe(201)
  })

  it('401s without a token or with an unknown one, in either auth scheme', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer nope' },
      { authorization: 'token nope' },
      { authorization: 'Basic abc' }
    ]) {
      const res = await call(emu, 'GET', spaces, { token: null, headers })
      expect(res.status).toBe(401)
      expect(res.body).toEqual({
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401'
      })
      expect(res.headers.get('x-ratelimit-limit')).toBe('5000')
    }
    const token = await call(emu, 'GET', spaces, {
      token: null,
      headers: { authorization: `token ${ADMIN}` }
    })
    expect(token.status).toBe(200)
  })

  it('treats owner logins case-insensitively', async () => {
    emu.createSpace(kind, owner, { name: 'S' })
    const res = await call(emu, 'GET', `/${segment}/${owner.toUpperCase()}/copilot-spaces/1`)
    expect(res.status).toBe(200)
    expect(res.body.owner.login).toBe(owner)
  })
})

describe('token kinds', () => {
  it('lets fine-grained and installation tokens use organization spaces with the Copilot Spaces permission', async () => {
    emu.addToken('github_pat_rw', { login: USER, kind: 'fine_grained', access: { [ORG]: 'write' } })
    emu.addToken('ghs_ro', { login: 'bot', kind: 'installation', access: { [ORG]: 'read' } })
    emu.addToken('github_pat_none', { login: USER, kind: 'fine_grained', access: {} })
    const created = await call(emu, 'POST', `/orgs/${ORG}/copilot-spaces`, {
      token: 'github_pat_rw',
      body: { name: 'n' }
    })
    expect(created.status).toBe(201)
    expect(created.headers.get('x-oauth-scopes')).toBeNull()

    expect(
      (await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces/1`, { token: 'ghs_ro' })).status
    ).toBe(200)
    const write = await call(emu, 'POST', `/orgs/${ORG}/copilot-spaces/1/resources`, {
      token: 'ghs_ro',
      body: { resource_type: 'repository', metadata: { repository_id: 1 } }
    })
    expect(write.status).toBe(403)
    expect(write.body.message).toBe('Resource not accessible by integration')
    expect(write.headers.get('x-accepted-github-permissions')).toBe(
      'organization_copilot_spaces=write'
    )

    const read = await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces`, { token: 'github_pat_none' })
    expect(read.status).toBe(403)
    expect(read.body.message).toBe('Resource not accessible by personal access token')
    expect(read.headers.get('x-accepted-github-permissions')).toBe(
      'organization_copilot_spaces=read'
    )
  })

  it('refuses fine-grained and installation tokens on user-owned spaces', async () => {
    emu.createSpace('user', USER, { name: 'S' })
    emu.addToken('github_pat', { login: USER, kind: 'fine_grained', access: { [USER]: 'admin' } })
    emu.addToken('ghs_inst', { login: 'bot', kind: 'installation', access: { [USER]: 'admin' } })
    for (const path of [
      '/users/octocat/copilot-spaces',
      '/users/octocat/copilot-spaces/1',
      '/users/octocat/copilot-spaces/1/resources'
    ]) {
      const pat = await call(emu, 'GET', path, { token: 'github_pat' })
      expect(pat).toMatchObject({
        status: 403,
        body: { message: 'Resource not accessible by personal access token' }
      })
      const inst = await call(emu, 'GET', path, { token: 'ghs_inst' })
      expect(inst).toMatchObject({
        status: 403,
        body: { message: 'Resource not accessible by integration' }
      })
    }
  })
})

describe('every response', () => {
  it('carries GitHub’s headers and counts down the primary rate limit', async () => {
    const first = await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces`)
    const second = await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces/9`)
    for (const res of [first, second]) {
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(res.headers.get('x-github-request-id')).toMatch(
        /^[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]+$/
      )
      expect(res.headers.get('x-github-api-version-selected')).toBe(VERSION)
      expect(res.headers.get('x-ratelimit-limit')).toBe('5000')
      expect(res.headers.get('x-ratelimit-resource')).toBe('core')
      expect(res.headers.get('x-ratelimit-reset')).toBe(String(START / 1000 + 3600))
      expect(res.headers.get('x-oauth-scopes')).toBe(
        'read:org, write:org, read:user, write:user, user, repo'
      )
    }
    expect([
      first.headers.get('x-ratelimit-remaining'),
      second.headers.get('x-ratelimit-remaining')
    ]).toEqual(['4999', '4998'])
    expect(second.headers.get('x-ratelimit-used')).toBe('2')
    expect(first.headers.get('x-github-request-id')).not.toBe(
      second.headers.get('x-github-request-id')
    )
  })

  it('rejects an unsupported API version with 400 and accepts a missing one', async () => {
    const res = await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces`, {
      headers: { 'x-github-api-version': '2022-11-28' }
    })
    expect(res.status).toBe(400)
    expect(res.body.message).toBe('API version 2022-11-28 is not supported.')
    const bare = await fetch(`${emu.url}/orgs/${ORG}/copilot-spaces`, {
      headers: { authorization: `Bearer ${ADMIN}` }
    })
    expect(bare.status).toBe(200)
    await bare.text()
  })

  it('404s unknown routes and methods', async () => {
    expect((await call(emu, 'GET', '/nope')).status).toBe(404)
    expect((await call(emu, 'PATCH', `/orgs/${ORG}/copilot-spaces`)).status).toBe(404)
    expect(emu.requests.map(r => r.route)).toEqual([undefined, undefined])
  })
})

describe('pagination', () => {
  it('pages with opaque cursors and Link headers, forward and back', async () => {
    for (let i = 1; i <= 7; i++) emu.createSpace('org', ORG, { name: `Space ${i}` })
    const names = (r: { body: { spaces: { name: string }[] } }) => r.body.spaces.map(s => s.name)
    const links = (header: string | null) =>
      Object.fromEntries(
        [...(header ?? '').matchAll(/<([^>]+)>; rel="(\w+)"/g)].map(m => [m[2], m[1]])
      )
    const get = (url: string) => call(emu, 'GET', url.replace(emu.url, ''))

    const page1 = await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces?per_page=3&foo=bar`)
    expect(names(page1)).toEqual(['Space 1', 'Space 2', 'Space 3'])
    const l1 = links(page1.headers.get('link'))
    expect(Object.keys(l1)).toEqual(['next'])
    const next1 = new URL(l1.next as string)
    expect(next1.origin + next1.pathname).toBe(`${emu.url}/orgs/${ORG}/copilot-spaces`)
    expect(next1.searchParams.get('per_page')).toBe('3')
    expect(next1.searchParams.get('foo')).toBe('bar')
    expect(next1.searchParams.get('after')).toMatch(/^[A-Za-z0-9+/=]+$/)

    const page2 = await get(l1.next as string)
    expect(names(page2)).toEqual(['Space 4', 'Space 5', 'Space 6'])
    const l2 = links(page2.headers.get('link'))
    expect(Object.keys(l2).sort()).toEqual(['next', 'prev'])
    expect(new URL(l2.prev as string).searchParams.get('before')).toBeTruthy()
    expect(new URL(l2.prev as string).searchParams.get('after')).toBeNull()

    const page3 = await get(l2.next as string)
    expect(names(page3)).toEqual(['Space 7'])
    const l3 = links(page3.headers.get('link'))
    expect(Object.keys(l3)).toEqual(['prev'])

    const back = await get(l3.prev as string)
    expect(names(back)).toEqual(names(page2))
    const first = await get(links(back.headers.get('link')).prev as string)
    expect(names(first)).toEqual(names(page1))
    expect(first.headers.get('link')).toContain('rel="next"')
    expect(first.headers.get('link')).not.toContain('rel="prev"')
  })

  it('defaults to 30, clamps per_page to 100 and rejects bad values and cursors (422)', async () => {
    for (let i = 1; i <= 105; i++) emu.createSpace('org', ORG, { name: `S${i}` })
    expect((await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces`)).body.spaces).toHaveLength(30)
    expect(
      (await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces?per_page=500`)).body.spaces
    ).toHaveLength(100)
    for (const query of [
      'per_page=0',
      'per_page=-1',
      'per_page=2.5',
      'per_page=x',
      'after=nope',
      'before=bm9wZQ==',
      'after=a&before=b'
    ]) {
      const res = await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces?${query}`)
      expect([query, res.status]).toEqual([query, 422])
    }
    expect(undocumented(emu.requests)).toHaveLength(7)
  })
})

describe('the log', () => {
  it('records every exchange in order with its route, and clears', async () => {
    emu.createSpace('org', ORG, { name: 'S' })
    await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces/1/resources?x=1`, { token: 'bad' })
    await call(emu, 'POST', `/orgs/${ORG}/copilot-spaces/1/resources`, {
      body: { resource_type: 'repository', metadata: { repository_id: 1 } }
    })
    await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces/1/resources/1`)
    expect(emu.requests).toEqual([
      expect.objectContaining({
        seq: 1,
        method: 'GET',
        path: `/orgs/${ORG}/copilot-spaces/1/resources`,
        route: '/orgs/{org}/copilot-spaces/{space_number}/resources',
        query: { x: '1' },
        status: 401,
        requestBody: undefined
      }),
      expect.objectContaining({
        seq: 2,
        method: 'POST',
        status: 201,
        applied: true,
        requestBody: { resource_type: 'repository', metadata: { repository_id: 1 } },
        responseBody: expect.objectContaining({ id: 1 })
      }),
      expect.objectContaining({
        seq: 3,
        route: '/orgs/{org}/copilot-spaces/{space_number}/resources/{space_resource_id}',
        status: 200
      })
    ])
    const [entry] = emu.requests
    expect(entry?.requestHeaders.authorization).toBe('Bearer bad')
    expect(entry?.responseHeaders['x-github-api-version-selected']).toBe(VERSION)
    expect(entry?.applied).toBeUndefined()
    expect(entry?.startedAt).toBe(START)
    const log = emu.requests
    emu.clearLog()
    expect(log).toHaveLength(0)
    await call(emu, 'GET', `/orgs/${ORG}/copilot-spaces`)
    expect(emu.requests.map(r => r.seq)).toEqual([4])
  })

  it('hands out copies: changing what the API returned does not change the state', async () => {
    const space = emu.createSpace('org', ORG, {
      name: 'S',
      description: 'd',
      general_instructions: 'g',
      base_role: 'reader',
      creator: 'writer'
    })
    expect(space).toEqual({
      id: 1,
      number: 1,
      owner_type: 'org',
      owner: ORG,
      name: 'S',
      description: 'd',
      general_instructions: 'g',
      base_role: 'reader',
      creator: 'writer',
      created_at: '2026-01-01T12:00:00Z',
      updated_at: '2026-01-01T12:00:00Z'
    })
    const r = emu.addResource('org', ORG, 1, {
      resource_type: 'media_content',
      metadata: { url: 'u' }
    })
    r.metadata.url = 'changed'
    emu.resources('org', ORG, 1)[0]!.metadata.url = 'changed'
    expect(emu.resources('org', ORG, 1)[0]?.metadata).toEqual({ url: 'u' })
    expect(() => emu.createSpace('org', USER, { name: 'x' })).toThrow()
    expect(() => emu.createSpace('user', USER, { name: 'x', base_role: 'writer' })).toThrow()
    expect(() =>
      emu.addResource('org', ORG, 9, { resource_type: 'repository', metadata: {} })
    ).toThrow()
  })
})
