/**
 * End to end, the preview comment on a pull request: one per Space and workflow, updated in place,
 * found only among the comments its own account wrote, every file name rendered as data and
 * mentioning nobody, bounded in size, and never the reason a step fails.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import type { Emulator } from '../emulator/index.js'
import { runAction, type ActionRun } from '../scripts/runner.js'
import { errorLine, expectSuccess, useEmulatedRepo } from './helpers/e2e.js'
import { cloneRepo, type TestRepo } from './helpers/git-repo.js'
import { createClient } from '../src/github/client.js'
import { commentMarker, postComment } from '../src/report/comment.js'
import { ORG, REPO, TOKEN } from './helpers/github.js'
import { repository } from './helpers/payloads.js'
import { visible } from '../src/report/untrusted.js'
import { nodes, render, structure, tables, textOf } from './helpers/report.js'

/** The job's GITHUB_TOKEN: an installation token, commenting as github-actions[bot]. */
const JOB_TOKEN = 'ghs_jobtoken000000000000000000000000000'
/** A fork's pull request: GITHUB_TOKEN can read, not write. */
const READ_ONLY = 'ghs_forktoken00000000000000000000000000'
const BOT = 'github-actions[bot]'

const github = useEmulatedRepo()
let emu: Emulator
let work: TestRepo
let originUrl: string
let base: string

beforeAll(() => {
  ;({ emu, work, originUrl } = github)
  emu.addToken(JOB_TOKEN, { login: BOT, kind: 'installation', access: { [ORG]: 'write' } })
  emu.addToken(READ_ONLY, { login: BOT, kind: 'installation', access: { [ORG]: 'read' } })
  base = work.commit('base', { 'docs/a.md': 'A\n', 'README.md': '# r\n' })
  work.push()
})

let prNumber = 10

/** A pull request from `base` to a commit with `edits`; its runs go through `run`. */
function pullRequest(edits: Record<string, string | null>) {
  const number = ++prNumber
  work.checkout(base)
  const head = work.commit(`pr ${number}`, edits)
  work.git('push', '-q', 'origin', `${head}:refs/pull/${number}/head`)
  return { number, head }
}

async function run(
  pr: { number: number; head: string },
  w: Record<string, string>,
  extra: { githubToken?: string; workflow?: string } = {}
): Promise<ActionRun> {
  emu.clearLog()
  return runAction({
    repository: `${ORG}/${REPO}`,
    apiUrl: emu.url,
    eventName: 'pull_request',
    payload: {
      pull_request: { number: pr.number, base: { sha: base }, head: { sha: pr.head } },
      repository
    },
    sha: pr.head,
    workspace: cloneRepo(originUrl, { depth: 1 }).dir,
    githubToken: extra.githubToken ?? JOB_TOKEN,
    workflow: extra.workflow,
    with: { token: TOKEN, 'owner-type': 'org', 'write-interval': '0', ...w }
  })
}

const commentRequests = () => emu.requests.filter(r => r.path.includes('/comments'))
const commentWrites = () => commentRequests().filter(r => r.method !== 'GET')
const ours = (number: number) => emu.comments(ORG, REPO, number).filter(c => c.user === BOT)

describe('the preview comment', () => {
  let space: number
  beforeAll(() => {
    space = emu.createSpace('org', ORG, { name: 'Comments' }).number
  })

  it('is created once, left alone when nothing changed, updated in place by a new push', async () => {
    const pr = pullRequest({ 'docs/b.md': 'B\n' })
    const first = await run(pr, { 'space-number': String(space) })
    expectSuccess(first)
    const [comment] = ours(pr.number)
    expect(ours(pr.number)).toHaveLength(1)
    expect(first.outputs['comment-id']).toBe(String(comment!.id))
    expect(first.outputs['comment-url']).toContain(`#issuecomment-${comment!.id}`)
    expect(comment!.body).toContain('Would create')
    expect(comment!.body).toContain('docs/b.md')
    expect(comment!.body).toContain(pr.head.slice(0, 12))
    // The Spaces token never comments; the comment token never reaches the Space.
    for (const r of emu.requests) {
      const auth = r.requestHeaders.authorization ?? ''
      expect(auth.includes(JOB_TOKEN)).toBe(r.path.includes('/comments') || r.path === '/user')
    }

    // With the comment on, a pull request run adds the commenting account, a page of comments
    // and, when the text changed, one write; `comment: false` adds nothing (below).
    const routes = (r: { method: string; route?: string }) => `${r.method} ${r.route}`
    const commenting = (r: { path: string }) => r.path.includes('/comments') || r.path === '/user'
    const again = await run(pr, { 'space-number': String(space) })
    expectSuccess(again)
    expect(emu.requests.filter(commenting).map(routes)).toEqual([
      'GET /user',
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments'
    ])
    expect(commentWrites()).toEqual([])
    expect(again.outputs['comment-id']).toBe(String(comment!.id))

    work.commit('another push', { 'docs/c.md': 'C\n' })
    const head = work.rev()
    work.git('push', '-q', '-f', 'origin', `${head}:refs/pull/${pr.number}/head`)
    const pushed = await run({ number: pr.number, head }, { 'space-number': String(space) })
    expectSuccess(pushed)
    expect(commentWrites().map(r => r.method)).toEqual(['PATCH'])
    expect(ours(pr.number)).toHaveLength(1)
    expect(ours(pr.number)[0]!.body).toContain('docs/c.md')
  })

  it('says so when the pull request changes nothing in the Space', async () => {
    const pr = pullRequest({ 'notes.txt': 'not in scope\n' })
    const result = await run(pr, { 'space-number': String(space) })
    expectSuccess(result)
    expect(ours(pr.number)[0]!.body).toContain('This pull request changes nothing in the Space.')
  })

  it("pages through 150 comments, and leaves a person's comment that quotes the marker alone", async () => {
    const pr = pullRequest({ 'docs/d.md': 'D\n' })
    const first = await run(pr, { 'space-number': String(space) })
    expectSuccess(first)
    const ourBody = ours(pr.number)[0]!.body
    for (let i = 0; i < 149; i++) {
      emu.addComment(ORG, REPO, pr.number, { body: `Looks good ${i}`, user: 'octocat' })
    }
    const quoted = emu.addComment(ORG, REPO, pr.number, { body: ourBody, user: 'octocat' })
    work.commit('edit', { 'docs/d.md': 'D, edited\n' })
    const head = work.rev()
    work.git('push', '-q', '-f', 'origin', `${head}:refs/pull/${pr.number}/head`)
    const result = await run({ number: pr.number, head }, { 'space-number': String(space) })
    expectSuccess(result)
    const pages = commentRequests().filter(r => r.method === 'GET')
    expect(pages).toHaveLength(2)
    expect(commentWrites().map(r => r.method)).toEqual(['PATCH'])
    expect(emu.comments(ORG, REPO, pr.number).find(c => c.id === quoted.id)!.body).toBe(ourBody)
    expect(ours(pr.number)).toHaveLength(1)
  })

  it('keeps one comment per Space and per workflow', async () => {
    const other = emu.createSpace('org', ORG, { name: 'Other comments' }).number
    const pr = pullRequest({ 'docs/e.md': 'E\n' })
    expectSuccess(await run(pr, { 'space-number': String(space) }))
    expectSuccess(await run(pr, { 'space-number': String(other) }))
    expectSuccess(await run(pr, { 'space-number': String(space) }, { workflow: 'Nightly' }))
    expect(ours(pr.number)).toHaveLength(3)
    expectSuccess(await run(pr, { 'space-number': String(other) }))
    expect(commentWrites()).toEqual([])
    expect(ours(pr.number)).toHaveLength(3)
  })

  it('a read-only token (a fork) leaves the step green with one notice', async () => {
    const pr = pullRequest({ 'docs/f.md': 'F\n' })
    const result = await run(pr, { 'space-number': String(space) }, { githubToken: READ_ONLY })
    expectSuccess(result)
    const notices = result.stdout.split('\n').filter(l => l.startsWith('::notice'))
    expect(notices).toHaveLength(1)
    expect(notices[0]).toContain('pull_request_target')
    expect(notices[0]).toContain('pull-requests: write')
    expect(result.stdout).not.toContain('::warning')
    expect(emu.comments(ORG, REPO, pr.number)).toEqual([])
    expect(result.summary).toContain('Would create')
  })

  it('any other comment failure is a warning, and the step stays green', async () => {
    const pr = pullRequest({ 'docs/i.md': 'I\n' })
    emu.injectFault({
      method: 'GET',
      path: `/repos/${ORG}/${REPO}/issues/${pr.number}/comments`,
      status: 422,
      body: { message: 'Validation Failed' },
      times: 10
    })
    const result = await run(pr, { 'space-number': String(space) })
    expectSuccess(result)
    const warnings = result.stdout.split('\n').filter(l => l.startsWith('::warning'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('The preview comment could not be written')
    expect(warnings[0]).toContain('422')
    expect(result.outputs['comment-id']).toBeUndefined()
    expect(result.outputs.created).toBe('1')
  })

  it('a preview that fails says so on the pull request, and the step fails', async () => {
    const pr = pullRequest({ 'docs/j.md': 'J\n' })
    const result = await run(pr, { 'space-number': '987654' })
    expect(errorLine(result)).toContain('404')
    const [comment] = ours(pr.number)
    expect(comment!.body).toContain('Copilot Space sync failed')
    expect(comment!.body).toContain('987654')
    expect(result.outputs['comment-id']).toBe(String(comment!.id))
  })

  it('comment: false sends no comment request', async () => {
    const pr = pullRequest({ 'docs/g.md': 'G\n' })
    const result = await run(pr, { 'space-number': String(space), comment: 'false' })
    expectSuccess(result)
    expect(commentRequests()).toEqual([])
    expect(emu.requests.some(r => r.path === '/user')).toBe(false)
  })

  it('an invalid comment input fails before any request', async () => {
    const pr = pullRequest({ 'docs/h.md': 'H\n' })
    const result = await run(pr, { 'space-number': String(space), comment: 'maybe' })
    expect(errorLine(result)).toContain("Input 'comment' must be one of 'auto', 'true', 'false'")
    expect(emu.requests).toEqual([])
  })
})

describe('finding the comment again', () => {
  it('takes a comment GitHub stored with CRLF line endings as the same comment and text', async () => {
    const marker = commentMarker(`${ORG}/1`, 'Copilot Space')
    const stored = emu.addComment(ORG, REPO, 99, { body: `${marker}\r\nSame text\r\n`, user: BOT })
    const client = createClient({ baseUrl: emu.url, token: JOB_TOKEN })
    const where = { owner: ORG, repo: REPO, number: 99, author: BOT }
    emu.clearLog()
    const same = await postComment(client, where, `${marker}\nSame text\n`, marker)
    expect(same).toMatchObject({ id: stored.id, written: 'unchanged' })
    expect(commentWrites()).toEqual([])
    const changed = await postComment(client, where, `${marker}\nNew text\n`, marker)
    expect(changed).toMatchObject({ id: stored.id, written: 'updated' })
    expect(emu.comments(ORG, REPO, 99)).toHaveLength(1)
  })
})

describe('untrusted names in the comment', () => {
  it('render literally and mention nobody', async () => {
    const space = emu.createSpace('org', ORG, { name: 'Hostile' }).number
    const hostile = [
      'docs/@octocat.md',
      'docs/ping @octo-org/team please.md',
      'docs/a`tick.md',
      'docs/x](javascript:alert(1)).md',
      'docs/<img src=x onerror=alert(1)>.md',
      'docs/@octocat `and` [link](https:evil.example).md',
      'docs/line\nbreak ## heading.md'
    ]
    const pr = pullRequest(Object.fromEntries(hostile.map(p => [p, 'x\n'])))
    const result = await run(pr, { 'space-number': String(space) })
    expectSuccess(result)
    const body = ours(pr.number)[0]!.body
    const doc = render(body)
    const rows = tables(doc).find(t => t[0]?.join('|') === '|Path|Resource|Detail')!
    expect(
      rows
        .slice(1)
        .map(r => r[1])
        .sort()
    ).toEqual(hostile.map(visible).sort())
    const { links, images, headings } = structure(doc)
    expect(links.map(l => l.url)).toEqual([
      `https://github.com/copilot/spaces/${ORG}/${space}`,
      `https://github.com/${ORG}/${REPO}/actions/runs/4242`
    ])
    expect(images).toBe(0)
    expect(headings).toHaveLength(1)
    // No text node GitHub would scan for mentions starts a mention: an `@` is followed by a
    // break (or sits in code, where GitHub mentions nobody).
    const texts = nodes(doc)
      .filter(n => n.type === 'text')
      .map(textOf)
    expect(texts.filter(t => /@[A-Za-z0-9]/.test(t))).toEqual([])
  })

  it('5,000 changed paths give a body within 65,536 characters, counting the rows left out', async () => {
    const space = emu.createSpace('org', ORG, { name: 'Big' }).number
    const files = Object.fromEntries(
      Array.from({ length: 5000 }, (_, i) => [
        `docs/many/page-${String(i).padStart(4, '0')}.md`,
        `${i}\n`
      ])
    )
    const pr = pullRequest(files)
    const result = await run(pr, { 'space-number': String(space) })
    expectSuccess(result)
    const body = ours(pr.number)[0]!.body
    expect([...body].length).toBeLessThanOrEqual(65_536)
    expect(body).toMatch(/…and [\d,]+ more/)
    expect(result.outputs.created).toBe('5000')
  })
})
