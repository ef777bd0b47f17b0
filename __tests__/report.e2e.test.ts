/**
 * End to end, what a person reads of a run, through dist/index.js against the emulator: the
 * annotations (one per cause, with the count; on the file when a path fails alone), a refused
 * token stopping the writes left, the `preview` output, skipped paths in the log, and the job
 * summary's links.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../emulator/index.js'
import type { ActionRun, RunActionOptions } from '../scripts/runner.js'
import { dispatchRun, expectSuccess, useEmulatedRepo } from './helpers/e2e.js'
import type { TestRepo } from './helpers/git-repo.js'
import { ORG, REPO, writesOf } from './helpers/github.js'
import { pushPayload } from './helpers/payloads.js'
import { nodes, pathRows, render, structure, tables, textOf } from './helpers/report.js'

/** A fine-grained token that may read the organization's Spaces, not change them. */
const READ_ONLY = 'github_pat_readOnlyReportSuite0123456789'

/** Eight files to create, in the order the action sends them. */
const DOCS = Array.from({ length: 8 }, (_, i) => `docs/p${i}.md`)
/** Names whose annotation property must be escaped, or must not be a property at all. */
const ESCAPED = 'odd/50%, done: yes.md'
const HOSTILE = 'odd/##[set-output name=x;]y.md'
const BINARY = 'docs/x ##[error]y.bin'

const github = useEmulatedRepo()
let emu: Emulator
let work: TestRepo
let base: string
let head: string

beforeAll(() => {
  ;({ emu, work } = github)
  emu.addToken(READ_ONLY, { login: 'reader', kind: 'fine_grained', access: { [ORG]: 'read' } })
  base = work.commit('base', { 'README.md': '# r\n' })
  head = work.commit('docs', {
    ...Object.fromEntries(DOCS.map((path, i) => [path, `# ${i}\n`])),
    [BINARY]: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]),
    [ESCAPED]: 'escaped\n',
    [HOSTILE]: 'hostile\n'
  })
  work.push()
})

function space(): number {
  return emu.createSpace('org', ORG, { name: 'Report' }).number
}

function run(
  number: number,
  w: Record<string, string>,
  extra: Partial<RunActionOptions> = {}
): Promise<ActionRun> {
  return dispatchRun(github, head, {
    ...extra,
    with: { 'space-number': String(number), files: 'docs/p*.md', ...w }
  })
}

/** The error annotations of a run, as the runner reads them. */
const errors = (result: ActionRun) =>
  result.stdout.split('\n').filter(line => line.startsWith('::error'))

const entries = (result: ActionRun) =>
  (JSON.parse(result.outputs.resources!) as { path: string; action: string }[]).map(e => [
    e.path,
    e.action
  ])

describe('a token GitHub refuses', () => {
  it('read-only, one request per write: the first fails, the 7 after it are not sent, and one annotation counts all 8', async () => {
    const n = space()
    const result = await run(n, { token: READ_ONLY, 'batch-size': '1' })
    expect(result.code).toBe(1)
    expect(writesOf(emu).map(r => `${r.method} ${r.status}`)).toEqual(['POST 403'])
    expect(emu.resources('org', ORG, n)).toEqual([])

    const [annotation, ...more] = errors(result)
    expect(more).toEqual([])
    expect(annotation).toMatch(
      new RegExp(
        '^::error title=8 resources not synced to the Copilot Space::8 resource\\(s\\) were not synced \\(1 failed, 7 not sent\\): ' +
          `POST answered 403: Resource not accessible by personal access token\\. The token may not change organization 'octo-org' Space #${n}\\. ` +
          'GitHub accepts the permission\\(s\\): organization_copilot_spaces=write\\.'
      )
    )
    // The paths under it in the log, and the stop said once.
    const lines = result.stdout.split('\n')
    const at = lines.indexOf(annotation!)
    expect(lines.slice(at + 1, at + 9)).toEqual([
      '  docs/p0.md',
      ...DOCS.slice(1).map(path => `  ${path} (not sent)`)
    ])
    expect(lines.filter(l => l.includes('GitHub refused the token'))).toEqual([
      'GitHub refused the token (403, on docs/p0.md): the 7 write(s) left were not sent, as each would be refused the same way.'
    ])

    expect(result.outputs).toMatchObject({ created: '0', failed: '1', 'not-sent': '7' })
    expect(result.outputs.preview).toBe('false')
    expect(entries(result)).toEqual([
      ['docs/p0.md', 'failed'],
      ...DOCS.slice(1).map(path => [path, 'not-sent'])
    ])

    // The summary: the failures first and marked, each long message once under the table.
    const tree = render(result.summary)
    expect(tables(tree)[0]).toEqual([
      ['Created', 'Updated', 'Deleted', 'Unchanged', 'Skipped', 'Failed', 'Not sent'],
      ['0', '0', '0', '0', '0', '1', '7']
    ])
    expect(pathRows(tree)).toEqual([
      ['✖ Failed', 'docs/p0.md', '', 'see (1) below'],
      ...DOCS.slice(1).map(path => ['✖ Not sent', path, '', 'see (2) below'])
    ])
    const notes = nodes(tree)
      .filter(node => node.type === 'list')
      .flatMap(list => (list.children ?? []).map(textOf))
    expect(notes).toHaveLength(2)
    expect(notes[0]).toMatch(
      /^POST \/orgs\/octo-org\/copilot-spaces\/\d+\/resources answered 403: /
    )
    expect(notes[1]).toMatch(
      /^not sent: GitHub refused the token on an earlier write\. POST answered 403: /
    )
  })

  it('read-only, batched: the batch fails whole, one annotation with the count', async () => {
    const n = space()
    const result = await run(n, { token: READ_ONLY })
    expect(result.code).toBe(1)
    expect(writesOf(emu).map(r => `${r.method} ${r.status}`)).toEqual(['PUT 403'])
    const [annotation, ...more] = errors(result)
    expect(more).toEqual([])
    expect(annotation).toMatch(
      /^::error title=8 resources not synced to the Copilot Space::8 resource\(s\) failed: PUT answered 403: Resource not accessible by personal access token\. /
    )
    expect(result.outputs).toMatchObject({ failed: '8', 'not-sent': '0' })
  })

  it('revoked during the run (401): the writes after the refusal are not sent', async () => {
    const n = space()
    const resources = `/orgs/${ORG}/copilot-spaces/${n}/resources`
    emu.injectFault({
      method: 'POST',
      path: resources,
      nth: 3,
      status: 401,
      body: { message: 'Bad credentials' }
    })
    const result = await run(n, { 'batch-size': '1' })
    expect(result.code).toBe(1)
    expect(writesOf(emu).map(r => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
      'POST 201',
      'POST 401'
    ])
    expect(entries(result)).toEqual([
      ['docs/p0.md', 'created'],
      ['docs/p1.md', 'created'],
      ['docs/p2.md', 'failed'],
      ...DOCS.slice(3).map(path => [path, 'not-sent'])
    ])
    expect(result.outputs).toMatchObject({ created: '2', failed: '1', 'not-sent': '5' })
    expect(errors(result)).toEqual([
      "::error title=6 resources not synced to the Copilot Space::6 resource(s) were not synced (1 failed, 5 not sent): POST answered 401: Bad credentials. The token is invalid or expired: pass a current token in the 'token' input."
    ])
    expect(result.stdout).toContain(
      '2 created, 0 updated, 0 deleted, 0 unchanged, 0 skipped, 1 failed, 5 not sent.'
    )
  })

  it('revoked between two batches: the batches after the refused one are not sent', async () => {
    const n = space()
    emu.injectFault({
      method: 'PUT',
      path: `/orgs/${ORG}/copilot-spaces/${n}`,
      nth: 2,
      status: 401,
      body: { message: 'Bad credentials' }
    })
    const result = await run(n, { 'batch-size': '2' })
    expect(result.code).toBe(1)
    expect(writesOf(emu).map(r => `${r.method} ${r.status}`)).toEqual(['PUT 200', 'PUT 401'])
    expect(entries(result)).toEqual([
      ['docs/p0.md', 'created'],
      ['docs/p1.md', 'created'],
      ['docs/p2.md', 'failed'],
      ['docs/p3.md', 'failed'],
      ...DOCS.slice(4).map(path => [path, 'not-sent'])
    ])
    expect(errors(result)).toHaveLength(1)
    expect(emu.resources('org', ORG, n)).toHaveLength(2)
  })
})

describe('a path that fails alone', () => {
  it('is annotated on its file, the path escaped as a property; a path the log neutralises is left to the message', async () => {
    const n = space()
    const resources = `/orgs/${ORG}/copilot-spaces/${n}/resources`
    // The creates go in path order: the hostile name (`#`) first, then the escaped one.
    emu.injectFault({
      method: 'POST',
      path: resources,
      nth: 1,
      status: 422,
      body: { message: 'Refused one' }
    })
    emu.injectFault({
      method: 'POST',
      path: resources,
      nth: 2,
      status: 422,
      body: { message: 'Refused two' }
    })
    const result = await run(n, { files: 'odd/**', 'batch-size': '1' })
    expect(result.code).toBe(1)
    expect(entries(result)).toEqual([
      [HOSTILE, 'failed'],
      [ESCAPED, 'failed']
    ])
    const [hostile, escaped, ...more] = errors(result)
    expect(more).toEqual([])
    expect(hostile).toBe(
      `::error title=Copilot Space sync failed::odd/\\u0023#[set-output name=x;]y.md: POST ${resources} answered 422: Refused one. GitHub rejected the request as invalid.`
    )
    expect(escaped).toBe(
      `::error title=Copilot Space sync failed,file=odd/50%25%2C done%3A yes.md::odd/50%25, done: yes.md: POST ${resources} answered 422: Refused two. GitHub rejected the request as invalid.`
    )
    // No line the runner would take for a legacy command.
    expect(result.stdout.split('\n').filter(l => l.includes('##['))).toEqual([])
  })
})

describe('a preview', () => {
  it('dry-run: preview is true, and the entries and counts say what would happen', async () => {
    const n = space()
    const result = await run(n, { 'dry-run': 'true' })
    expectSuccess(result)
    expect(writesOf(emu)).toEqual([])
    expect(result.outputs.preview).toBe('true')
    expect(result.outputs.created).toBe('8')
    expect(entries(result)).toEqual(DOCS.map(path => [path, 'would-create']))
    expect(pathRows(result.summary).map(r => r[0])).toEqual(DOCS.map(() => 'Would create'))
  })

  it('a run that writes: preview is false, and the entries say what was done', async () => {
    const n = space()
    const result = await run(n, {})
    expectSuccess(result)
    expect(result.outputs.preview).toBe('false')
    expect(entries(result)).toEqual(DOCS.map(path => [path, 'created']))
  })
})

describe('a push', () => {
  it('links its commit range and each resource to their pages, and logs each skipped file once with its reason', async () => {
    const n = space()
    const result = await run(
      n,
      { files: 'docs/**' },
      { eventName: 'push', payload: pushPayload(base, head), serverUrl: 'https://ghe.example' }
    )
    expectSuccess(result)
    const spaceUrl = `https://ghe.example/copilot/spaces/${ORG}/${n}`
    const { links } = structure(render(result.summary))
    expect(links).toEqual([
      { url: spaceUrl, text: `${ORG}/${n}` },
      {
        url: `https://ghe.example/${ORG}/${REPO}/compare/${base}...${head}`,
        text: `${base.slice(0, 7)}...${head.slice(0, 7)}`
      },
      ...emu.resources('org', ORG, n).map(r => ({ url: spaceUrl, text: String(r.id) }))
    ])
    // The skipped file: one line, after the plan's group, its name neutralised.
    const lines = result.stdout.split('\n')
    const skipped = lines.filter(l => l.startsWith('Skipped '))
    expect(skipped).toEqual([
      'Skipped docs/x \\u0023#[error]y.bin: binary file (contains a NUL byte)'
    ])
    expect(lines.indexOf(skipped[0]!)).toBeGreaterThan(lines.indexOf('::endgroup::'))
    expect(result.outputs.skipped).toBe('1')

    // A run with nothing to change names no unchanged path, only their count.
    const again = await run(n, { files: 'docs/**', sync: 'full' })
    expectSuccess(again)
    expect(again.outputs.unchanged).toBe('8')
    expect(again.stdout).toContain('unchanged: 8 path(s)')
    for (const path of DOCS) expect(again.stdout).not.toContain(path)
  })
})
