/**
 * The client, through real HTTP against the emulator: the Copilot Spaces endpoints it has, for
 * organization- and user-owned Spaces, the headers every request carries, pagination, and how
 * failures surface.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import type { Emulator } from '../emulator/index.js'
import { createClient, nextLink, type OwnerType, type SpaceRef } from '../src/github/client.js'
import { API_VERSION } from '../src/github/transport.js'
import { expectConforming, failure, ORG, startGitHub, TOKEN, USER } from './helpers/github.js'

let emu: Emulator
let client: ReturnType<typeof createClient>

beforeAll(async () => {
  emu = await startGitHub()
  client = createClient({ baseUrl: emu.url, token: TOKEN })
})
afterAll(() => emu.close())
beforeEach(() => emu.clearLog())
afterEach(() => expectConforming(emu))

const owners: [OwnerType, string, string][] = [
  ['org', ORG, 'orgs'],
  ['user', USER, 'users']
]

describe.each(owners)('%s-owned Spaces', (ownerType, owner, segment) => {
  let ref: SpaceRef

  it('creates, gets, lists, updates and deletes a Space', async () => {
    const created = await client.createSpace(ownerType, owner, {
      name: 'Team Planning Space',
      description: 'planning',
      general_instructions: 'Help the team',
      resources_attributes: [
        { resource_type: 'free_text', metadata: { name: 'Guidelines', text: 'Agile' } }
      ]
    })
    expect(created).toMatchObject({ name: 'Team Planning Space', base_role: 'no_access' })
    expect(created.resources_attributes).toHaveLength(1)
    ref = { ownerType, owner, number: created.number }

    expect((await client.getSpace(ref)).id).toBe(created.id)
    expect((await client.listSpaces(ownerType, owner)).map(s => s.number)).toContain(created.number)

    const updated = await client.updateSpace(ref, { name: 'Renamed', resources_attributes: [] })
    expect(updated.name).toBe('Renamed')

    const post = emu.requests.find(r => r.method === 'POST')!
    expect(post.path).toBe(`/${segment}/${owner}/copilot-spaces`)
    expect(post.requestHeaders['accept']).toBe('application/vnd.github+json')
    expect(post.requestHeaders['x-github-api-version']).toBe(API_VERSION)
    expect(post.requestHeaders['authorization']).toBe(`Bearer ${TOKEN}`)
  })

  it('creates, gets, lists, updates and deletes resources', async () => {
    const { resource, created } = await client.createResource(ref, {
      resource_type: 'github_file',
      metadata: { repository_id: 42, file_path: 'docs/a b/ü.md', sha: 'a'.repeat(40) }
    })
    expect(created).toBe(true)
    // An identical github_file is a normal answer: 200 with the existing resource.
    const again = await client.createResource(ref, {
      resource_type: 'github_file',
      metadata: { repository_id: 42, file_path: 'docs/a b/ü.md', sha: 'a'.repeat(40) }
    })
    expect(again).toEqual({ resource, created: false })

    expect((await client.listResources(ref)).find(r => r.id === resource.id)).toEqual(resource)
    expect((await client.listResources(ref)).map(r => r.id)).toContain(resource.id)

    const updated = await client.updateResource(ref, resource.id, {
      repository_id: 42,
      file_path: 'docs/moved.md',
      sha: 'b'.repeat(40)
    })
    expect(updated).toMatchObject({ id: resource.id, metadata: { file_path: 'docs/moved.md' } })

    await client.deleteResource(ref, resource.id)
    expect((await client.listResources(ref)).map(r => r.id)).not.toContain(resource.id)
    expect(emu.resources(ownerType, owner, ref.number).map(r => r.id)).not.toContain(resource.id)
  })

  it('surfaces validation failures as 422 with GitHub’s message and errors', async () => {
    const error = await failure(
      client.createResource(ref, { resource_type: 'free_text', metadata: { name: 'x' } })
    )
    expect(error.status).toBe(422)
    expect(error.endpoint).toBe(`POST /${segment}/${owner}/copilot-spaces/${ref.number}/resources`)
    expect(error.githubMessage).toBe('Validation Failed')
    expect(error.errors.length).toBeGreaterThan(0)
  })

  it('a Space that does not exist answers 404, naming the endpoint', async () => {
    const missing = { ...ref, number: 987654 }
    const error = await failure(client.getSpace(missing))
    expect(error.status).toBe(404)
    expect(error.message).toBe(
      `GET /${segment}/${owner}/copilot-spaces/987654 answered 404: Not Found`
    )
  })
})

describe('pagination and errors', () => {
  it('follows the Link header through every page of Spaces', async () => {
    for (let i = 0; i < 150; i++) emu.createSpace('org', ORG, { name: `Space ${i}` })
    const all = await client.listSpaces('org', ORG)
    const pages = emu.requests.filter(
      r => r.route === '/orgs/{org}/copilot-spaces' && r.method === 'GET'
    )
    expect(all.length).toBeGreaterThanOrEqual(150)
    expect(new Set(all.map(s => s.id)).size).toBe(all.length)
    expect(pages.map(p => p.query.per_page)).toEqual(pages.map(() => '100'))
    expect(pages.length).toBe(Math.ceil(all.length / 100))
    expect(pages.slice(1).every(p => p.query.after !== undefined)).toBe(true)
  })

  it('parses the next link among others', () => {
    expect(nextLink('<https://x/y?after=b>; rel="next", <https://x/y?before=a>; rel="prev"')).toBe(
      'https://x/y?after=b'
    )
    expect(nextLink('<https://x/y?before=a>; rel="prev"')).toBeUndefined()
    expect(nextLink(undefined)).toBeUndefined()
  })

  it('401 for an unknown token', async () => {
    const bad = createClient({ baseUrl: emu.url, token: 'nope' })
    const error = await failure(bad.listResources({ ownerType: 'org', owner: ORG, number: 1 }))
    expect(error.status).toBe(401)
    expect(error.githubMessage).toBe('Bad credentials')
  })

  it('403 carries the permission headers', async () => {
    emu.addToken('read-only', { login: 'reader', kind: 'fine_grained', access: { [ORG]: 'read' } })
    const space = emu.createSpace('org', ORG, { name: 'ro' })
    const ro = createClient({ baseUrl: emu.url, token: 'read-only' })
    const ref = { ownerType: 'org' as const, owner: ORG, number: space.number }
    await ro.listResources(ref)
    const error = await failure(
      ro.createResource(ref, { resource_type: 'free_text', metadata: { name: 'n', text: 't' } })
    )
    expect(error.status).toBe(403)
    expect(error.permissionHints.acceptedPermissions).toBe('organization_copilot_spaces=write')
  })

  it('403 for a classic token without the scope names accepted and granted scopes', async () => {
    emu.addToken('classic-read', {
      login: 'reader',
      scopes: ['read:org'],
      access: { [ORG]: 'write' }
    })
    const space = emu.createSpace('org', ORG, { name: 'scopes' })
    const c = createClient({ baseUrl: emu.url, token: 'classic-read' })
    const error = await failure(
      c.createResource(
        { ownerType: 'org', owner: ORG, number: space.number },
        { resource_type: 'free_text', metadata: { name: 'n', text: 't' } }
      )
    )
    expect(error.status).toBe(403)
    expect(error.permissionHints.acceptedScopes).toContain('write:org')
    expect(error.permissionHints.tokenScopes).toBe('read:org')
  })

  it('a connection reset surfaces with no status', async () => {
    emu.injectFault({ method: 'GET', path: /\/resources$/, reset: true })
    const error = await failure(client.listResources({ ownerType: 'org', owner: ORG, number: 1 }))
    expect(error.status).toBeUndefined()
    expect(error.endpoint).toBe(`GET /orgs/${ORG}/copilot-spaces/1/resources`)
  })

  it('an injected 502 surfaces with its status and body message', async () => {
    emu.injectFault({
      method: 'GET',
      path: /\/resources$/,
      status: 502,
      body: { message: 'Server Error' }
    })
    const error = await failure(client.listResources({ ownerType: 'org', owner: ORG, number: 1 }))
    expect(error.status).toBe(502)
    expect(error.githubMessage).toBe('Server Error')
  })
})

describe('proxy', () => {
  it('sends requests through the proxy the runner sets (http_proxy)', async () => {
    // A CONNECT proxy on loopback that can reach the emulator under a name nothing else resolves.
    const tunnels: string[] = []
    const proxy: Server = createServer()
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(req.url ?? '')
      const upstream = connect(Number(new URL(emu.url).port), '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.pipe(socket)
        socket.pipe(upstream)
      })
      upstream.on('error', () => socket.destroy())
    })
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    const viaName = `http://api.emulator.invalid:${new URL(emu.url).port}`
    const saved = { http: process.env.http_proxy, no: process.env.no_proxy }
    // (NO_PROXY is left to @actions/http-client: testing a direct miss would wait on DNS here.)
    try {
      process.env.http_proxy = proxyUrl
      delete process.env.no_proxy
      const proxied = createClient({ baseUrl: viaName, token: TOKEN })
      expect((await proxied.getAccount(ORG)).login).toBe(ORG)
      expect(tunnels).toEqual([`api.emulator.invalid:${new URL(emu.url).port}`])
    } finally {
      if (saved.http === undefined) delete process.env.http_proxy
      else process.env.http_proxy = saved.http
      if (saved.no === undefined) delete process.env.no_proxy
      else process.env.no_proxy = saved.no
      await new Promise(resolve => proxy.close(resolve))
    }
  })
})
