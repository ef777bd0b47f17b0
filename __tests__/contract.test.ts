import { readFileSync } from 'node:fs'
import { describe, it, expect } from '@jest/globals'
import { createContractChecker } from '../emulator/contract.js'
import type { Exchange } from '../emulator/exchange.js'

interface ExampleDoc {
  $ref?: string
  value?: unknown
}
interface ResponseDoc {
  $ref?: string
  content?: Record<string, { examples?: Record<string, ExampleDoc> }>
}
interface OperationDoc {
  requestBody?: ResponseDoc
  responses: Record<string, ResponseDoc>
}
interface Fixture {
  'x-vendored-from': Record<string, string>
  paths: Record<string, Record<string, OperationDoc>>
  components: { responses: Record<string, ResponseDoc>; examples: Record<string, ExampleDoc> }
}

const checker = createContractChecker()
const fixture = JSON.parse(
  readFileSync(new URL('../emulator/openapi/copilot-spaces.json', import.meta.url), 'utf8')
) as Fixture

const RESOURCES = '/orgs/{org}/copilot-spaces/{space_number}/resources'
const RESOURCE = '/orgs/{org}/copilot-spaces/{space_number}/resources/{space_resource_id}'
const FREE_TEXT = {
  resource_type: 'free_text',
  metadata: { name: 'notes.txt', text: 'Some helpful notes' }
}
const RESOURCE_BODY = {
  id: 1,
  ...FREE_TEXT,
  copilot_chat_attachment_id: null,
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:00Z'
}
const NOT_FOUND = { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }

function exchange(fields: Partial<Exchange> & Pick<Exchange, 'method' | 'path'>): Exchange {
  return {
    seq: 1,
    query: {},
    requestHeaders: {},
    requestBody: undefined,
    status: 200,
    responseHeaders: {},
    responseBody: undefined,
    startedAt: 0,
    endedAt: 0,
    ...fields
  }
}

function without(object: object, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)))
}

function createResource(requestBody: unknown, fields: Partial<Exchange> = {}): Exchange {
  return exchange({
    method: 'POST',
    path: '/orgs/octo-org/copilot-spaces/3/resources',
    route: RESOURCES,
    requestBody,
    status: 201,
    responseBody: RESOURCE_BODY,
    ...fields
  })
}

describe('fixture', () => {
  it('records where it was vendored from and keeps only our operations', () => {
    expect(fixture['x-vendored-from']).toMatchObject({
      package: '@octokit/openapi',
      apiVersion: '2026-03-10'
    })
    const operations = Object.entries(fixture.paths).flatMap(([path, item]) =>
      Object.keys(item).map(method => `${method.toUpperCase()} ${path}`)
    )
    expect(operations).toHaveLength(33)
    expect(operations.filter(operation => operation.includes('copilot-spaces'))).toHaveLength(20)
    expect(operations.some(operation => operation.includes('collaborators'))).toBe(false)
  })
})

describe('requests', () => {
  it('accepts the documented create-resource example', () => {
    expect(checker.check(createResource(FREE_TEXT))).toEqual([])
  })

  it('flags a create-resource without resource_type', () => {
    expect(checker.check(createResource({ metadata: FREE_TEXT.metadata }))).toEqual([
      "POST /orgs/octo-org/copilot-spaces/3/resources request body: (root) must have required property 'resource_type'"
    ])
  })

  it('flags metadata that is not an object', () => {
    expect(
      checker.check(createResource({ resource_type: 'free_text', metadata: 'notes' }))
    ).toEqual([
      'POST /orgs/octo-org/copilot-spaces/3/resources request body: /metadata must be object'
    ])
  })

  it('flags an unknown resource_type, including ones only GitHub itself may create', () => {
    for (const resourceType of ['gist', 'uploaded_text_file']) {
      const violations = checker.check(
        createResource({ resource_type: resourceType, metadata: {} })
      )
      expect(violations).toHaveLength(1)
      expect(violations[0]).toMatch(
        /^POST \/orgs\/octo-org\/copilot-spaces\/3\/resources request body: \/resource_type must be equal to one of the allowed values: "repository", /
      )
    }
  })

  it('flags a missing required body', () => {
    expect(
      checker.check(
        exchange({
          method: 'POST',
          path: '/users/octocat/copilot-spaces',
          route: '/users/{username}/copilot-spaces',
          status: 422,
          responseBody: {
            message: 'Validation Failed',
            documentation_url: 'https://docs.github.com/rest'
          }
        })
      )
    ).toEqual(['POST /users/octocat/copilot-spaces request body: missing'])
  })

  it('checks declared query parameters after coercing them from strings', () => {
    const list = (query: Record<string, string>) =>
      checker.check(
        exchange({
          method: 'GET',
          path: '/orgs/octo-org/copilot-spaces',
          route: '/orgs/{org}/copilot-spaces',
          query,
          responseBody: { spaces: [] }
        })
      )
    expect(list({ per_page: '100', after: 'Y3Vyc29y', undeclared: 'x' })).toEqual([])
    expect(list({ per_page: 'ten' })).toEqual([
      'GET /orgs/octo-org/copilot-spaces query parameter per_page: (root) must be integer'
    ])
    expect(list({ per_page: '500' })).toEqual([
      'GET /orgs/octo-org/copilot-spaces query parameter per_page: (root) must be <= 100'
    ])
  })

  it('checks path parameters', () => {
    expect(
      checker.check(
        exchange({
          method: 'GET',
          path: '/orgs/octo-org/copilot-spaces/three',
          route: '/orgs/{org}/copilot-spaces/{space_number}',
          status: 404,
          responseBody: NOT_FOUND
        })
      )
    ).toEqual([
      'GET /orgs/octo-org/copilot-spaces/three path parameter space_number: (root) must be integer'
    ])
  })

  it('flags a route that does not match the path', () => {
    expect(
      checker.check(
        exchange({
          method: 'GET',
          path: '/users/octocat',
          route: '/orgs/{org}',
          status: 404,
          responseBody: NOT_FOUND
        })
      )
    ).toEqual(['GET /users/octocat: path does not match route /orgs/{org}'])
  })
})

describe('responses', () => {
  it('accepts a 204 delete without a body and flags one with a body', () => {
    const deletion = (responseBody: unknown) =>
      exchange({
        method: 'DELETE',
        path: '/orgs/octo-org/copilot-spaces/3/resources/1',
        route: RESOURCE,
        status: 204,
        responseBody
      })
    expect(checker.check(deletion(undefined))).toEqual([])
    expect(checker.check(deletion({}))).toEqual([
      'DELETE /orgs/octo-org/copilot-spaces/3/resources/1 204 response body: must be empty'
    ])
  })

  it('accepts a resource list and a documented 404', () => {
    const list = exchange({
      method: 'GET',
      path: '/users/octocat/copilot-spaces/3/resources',
      route: '/users/{username}/copilot-spaces/{space_number}/resources',
      responseBody: {
        resources: [
          { ...RESOURCE_BODY, id: 2, resource_type: 'repository', metadata: { repository_id: 42 } },
          RESOURCE_BODY
        ]
      }
    })
    expect(checker.check(list)).toEqual([])
    expect(checker.check({ ...list, status: 404, responseBody: NOT_FOUND })).toEqual([])
  })

  it('flags a resource without id', () => {
    const responseBody = without(RESOURCE_BODY, 'id')
    expect(checker.check(createResource(FREE_TEXT, { responseBody }))).toEqual([
      "POST /orgs/octo-org/copilot-spaces/3/resources 201 response body: (root) must have required property 'id'"
    ])
  })

  it('flags spaces that are not an array', () => {
    expect(
      checker.check(
        exchange({
          method: 'GET',
          path: '/orgs/octo-org/copilot-spaces',
          route: '/orgs/{org}/copilot-spaces',
          responseBody: { spaces: {} }
        })
      )
    ).toEqual(['GET /orgs/octo-org/copilot-spaces 200 response body: /spaces must be array'])
  })

  it('flags an undocumented status and a missing body, but lets 401 through', () => {
    expect(checker.check(createResource(FREE_TEXT, { status: 418, responseBody: {} }))).toEqual([
      'POST /orgs/octo-org/copilot-spaces/3/resources 418 response: status not documented for this operation (documented: 200, 201, 403, 404, 422)'
    ])
    expect(
      checker.check(createResource(FREE_TEXT, { status: 401, responseBody: NOT_FOUND }))
    ).toEqual([])
    expect(checker.check(createResource(FREE_TEXT, { responseBody: undefined }))).toEqual([
      'POST /orgs/octo-org/copilot-spaces/3/resources 201 response body: missing'
    ])
  })

  it('treats nullable as allowing null and nothing else', () => {
    const attachment = (copilot_chat_attachment_id: unknown) =>
      checker.check(
        createResource(FREE_TEXT, {
          responseBody: { ...RESOURCE_BODY, copilot_chat_attachment_id }
        })
      )
    expect(attachment(7)).toEqual([])
    expect(attachment('7')).toEqual([
      'POST /orgs/octo-org/copilot-spaces/3/resources 201 response body: /copilot_chat_attachment_id must be integer,null'
    ])
  })

  it('checks formats', () => {
    expect(
      checker.check(
        createResource(FREE_TEXT, { responseBody: { ...RESOURCE_BODY, created_at: 'yesterday' } })
      )
    ).toEqual([
      'POST /orgs/octo-org/copilot-spaces/3/resources 201 response body: /created_at must match format "date-time"'
    ])
  })

  it('skips the response of an injected fault but still checks the request', () => {
    const fault = { fault: 'status' as const, status: 502, responseBody: 'Bad Gateway' }
    expect(checker.check(createResource(FREE_TEXT, fault))).toEqual([])
    expect(checker.check(createResource(FREE_TEXT, { fault: 'reset', status: 0 }))).toEqual([])
    expect(checker.check(createResource({ metadata: {} }, fault))).toHaveLength(1)
  })

  it('applies the 2026-03-10 breaking changes to the description', () => {
    // nullable-repository requires has_downloads up to 2026-03-10, which drops the field.
    const example = structuredClone(
      fixture.components.examples['full-repository-default-response']?.value
    ) as Record<string, unknown>
    // GitHub's example itself lacks the required `language`, and nests more repositories.
    const repository = without({ ...example, language: null }, 'has_downloads', 'source', 'parent')
    const template = without(repository, 'template_repository')
    const get = (template_repository: unknown) =>
      checker.check(
        exchange({
          method: 'GET',
          path: '/repos/octocat/Hello-World',
          route: '/repos/{owner}/{repo}',
          responseBody: { ...repository, template_repository }
        })
      )
    expect(get(template)).toEqual([])
    expect(get(null)).toEqual([])
    expect(get(without(template, 'language'))).toEqual([
      "GET /repos/octocat/Hello-World 200 response body: /template_repository must have required property 'language'"
    ])
  })
})

describe('routing', () => {
  it('flags Copilot Spaces endpoints that GitHub does not describe', () => {
    expect(
      checker.check(
        exchange({
          method: 'GET',
          path: '/orgs/octo-org/copilot-spaces/3/collaborators',
          responseBody: []
        })
      )
    ).toEqual([
      "GET /orgs/octo-org/copilot-spaces/3/collaborators: unknown endpoint, GitHub's description has no such Copilot Spaces operation"
    ])
    expect(
      checker.check(
        exchange({
          method: 'PATCH',
          path: '/users/octocat/copilot-spaces/3',
          route: '/users/{username}/copilot-spaces/{space_number}',
          requestBody: { name: 'x' }
        })
      )
    ).toEqual([
      "PATCH /users/octocat/copilot-spaces/3: unknown endpoint, GitHub's description has no such Copilot Spaces operation (route /users/{username}/copilot-spaces/{space_number})"
    ])
  })

  it('leaves endpoints outside the vendored slice alone', () => {
    expect(
      checker.check(exchange({ method: 'GET', path: '/rate_limit', status: 418, responseBody: 1 }))
    ).toEqual([])
    expect(
      checker.check(
        exchange({
          method: 'DELETE',
          path: '/repos/octocat/Hello-World',
          route: '/repos/{owner}/{repo}',
          status: 418
        })
      )
    ).toEqual([])
  })

  it('matches paths without a route, letting multi-segment parameters take slashes', () => {
    const contents = exchange({
      method: 'GET',
      path: '/repos/octocat/Hello-World/contents/docs/guide/README.md',
      query: { ref: 'feature/x' },
      responseBody: { message: 'Not Found' },
      status: 404
    })
    expect(checker.check(contents)).toEqual([])
    expect(checker.check({ ...contents, status: 200 })).not.toEqual([])
    expect(
      checker.check(
        exchange({
          method: 'GET',
          path: '/repos/octocat/Hello-World/git/trees/feature/x',
          query: { recursive: '1' },
          status: 422,
          responseBody: []
        })
      )
    ).toEqual([
      'GET /repos/octocat/Hello-World/git/trees/feature/x 422 response body: (root) must be object'
    ])
  })
})

// Where GitHub's own examples disagree with its schemas; the schema is what the checker holds the
// emulator to. A regeneration that fixes one of these makes its case fail here, to be removed.
const EXAMPLE_DEFECTS: Record<string, string[]> = {
  'GET /orgs/{org} 200': [
    "GET /orgs/octo-org 200 response body: (root) must have required property 'archived_at'"
  ],
  'GET /orgs/{org}/copilot-spaces 200': [0, 1].map(
    i =>
      `GET /orgs/octo-org/copilot-spaces 200 response body: /spaces/${i} must have required property 'base_role'`
  ),
  'GET /users/{username}/copilot-spaces 200': [0, 1].map(
    i =>
      `GET /users/octocat/copilot-spaces 200 response body: /spaces/${i} must have required property 'base_role'`
  ),
  'GET /repos/{owner}/{repo} 200': [
    "GET /repos/octocat/Hello-World 200 response body: (root) must have required property 'language'",
    "GET /repos/octocat/Hello-World 200 response body: /source must have required property 'language'"
  ]
}
const PATH_VALUES: Record<string, string> = {
  org: 'octo-org',
  username: 'octocat',
  owner: 'octocat',
  repo: 'Hello-World',
  space_number: '3',
  space_resource_id: '1',
  basehead: 'main...feature/x',
  tree_sha: 'main',
  path: 'docs/README.md',
  file_sha: '3a0f86fb8db8eea7ccbb9a95f325ddbedfb25e15',
  issue_number: '42',
  comment_id: '1'
}

describe("GitHub's documented examples", () => {
  const exampleValue = (example: ExampleDoc) =>
    example.$ref
      ? fixture.components.examples[example.$ref.split('/').pop() ?? '']?.value
      : example.value
  const cases: [string, Exchange, string[]][] = []
  for (const [template, item] of Object.entries(fixture.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => PATH_VALUES[name] ?? name)
      const base = { method: method.toUpperCase(), path, route: template }
      const requestExamples = Object.values(
        operation.requestBody?.content?.['application/json']?.examples ?? {}
      ).map(exampleValue)
      for (const [status, documented] of Object.entries(operation.responses)) {
        const response = documented.$ref
          ? fixture.components.responses[documented.$ref.split('/').pop() ?? '']
          : documented
        const examples = Object.values(response?.content?.['application/json']?.examples ?? {}).map(
          exampleValue
        )
        const name = `${base.method} ${template} ${status}`
        for (const [index, responseBody] of examples.entries()) {
          cases.push([
            `${name} example ${index}`,
            exchange({
              ...base,
              requestBody: requestExamples[index % Math.max(requestExamples.length, 1)],
              status: Number(status),
              responseBody
            }),
            EXAMPLE_DEFECTS[name] ?? []
          ])
        }
        if (!response?.content && Number(status) < 300) {
          cases.push([`${name} without body`, exchange({ ...base, status: Number(status) }), []])
        }
      }
    }
  }

  it('cover every Copilot Spaces operation', () => {
    const covered = new Set(cases.map(([, example]) => `${example.method} ${example.route}`))
    expect([...covered].filter(operation => operation.includes('copilot-spaces'))).toHaveLength(20)
  })

  it.each(cases)('%s conforms', (_name, example, defects) => {
    expect(checker.check(example)).toEqual(defects)
  })
})
