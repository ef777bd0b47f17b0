import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { describe, expect, it, jest } from '@jest/globals'
import { parse } from 'yaml'
import { parseOutputFile } from '../scripts/runner.js'
import type { Outcome, OutcomeAction } from '../src/sync/apply.js'
import type { PlannedAction } from '../src/sync/plan.js'
import {
  countOutcomes,
  logPlan,
  reportContext as contextOf,
  reportRun,
  resourcesFilePath,
  summaryMarkdown,
  thousands,
  writeErrorSummary,
  writeOutputs,
  writeSummary
} from '../src/report/report.js'
import { visible } from '../src/report/untrusted.js'
import {
  nodes,
  paragraphs,
  pathRows,
  render,
  reportContext,
  structure,
  SUMMARY_LIMIT,
  tables,
  textOf,
  useStepFiles
} from './helpers/report.js'

const ctx = reportContext
const RESOURCES_LIMIT = 512 * 1024

// ---- The hostile data ----

const HOSTILE_NAMES = [
  'a`b.md',
  '[x](https://evil.example)',
  'docs/a\n## Heading.md',
  'docs/b\r::notice::x.md',
  'docs/##[set-output name=deleted;]999.md',
  "Tom's & Jerry's.md",
  'a|b.md',
  'a\\|b.md',
  'www.evil.example.md',
  'WWW.Evil.example/x.md',
  'x@evil.example.md',
  '@evil.example',
  ':x:y',
  'mailto:x@evil.example',
  'xmpp:x@evil.example/r',
  'https://evil.example/x.md',
  '<https://evil.example>',
  '<img src=x onerror=alert(1)>.md',
  '![i](https://evil.example/i.png)',
  '*bold* _it_.md',
  '~~gone~~ **strong**.md',
  '  leading and trailing  .md',
  'trailing space.md ',
  '\ttab\tand\u001b[31mescape.md',
  '&amp; &#60; entities.md',
  '[^1] footnote.md',
  '1. list.md',
  '> quote.md',
  '- item.md',
  'back\\slash\\',
  ':smile: ::set-env name=x::y',
  'docs/café/日本語 🙂.md'
]

const GITHUB_MESSAGE =
  'Validation Failed\n## Pwned [click](https://evil.example) | extra | cells\r\nsee x@evil.example'

// ---- The tests ----

const { summaryFile, outputFile, runnerTemp } = useStepFiles()

describe('job summary', () => {
  it('counts, links the Space, lists every path but the unchanged, failures first, and renders what paths hold as is', () => {
    const outcomes: Outcome[] = [
      { path: 'a.md', action: 'created', resourceId: 1 },
      {
        path: 'docs/<b>|pipe & co.md',
        action: 'updated',
        resourceId: 2,
        previousPath: 'old.md',
        reason: 'renamed from old.md'
      },
      { path: 'same.md', action: 'unchanged', resourceId: 3 },
      { path: 'bin.md', action: 'skipped', reason: 'binary file (contains a NUL byte)' },
      { path: 'x.md', action: 'failed', reason: 'POST … answered 422: Validation Failed' }
    ]
    const md = summaryMarkdown(outcomes, ctx)
    const tree = render(md)
    // The Space, from the heading and from each resource's id (a resource has no page of its own).
    expect(structure(tree).links).toEqual([
      { url: ctx.spaceUrl, text: 'octo-org/3' },
      { url: ctx.spaceUrl, text: '1' },
      { url: ctx.spaceUrl, text: '2' }
    ])
    expect(structure(tree).headings).toEqual(['Copilot Space sync: octo-org/3'])
    expect(tables(tree)[0]).toEqual([
      ['Created', 'Updated', 'Deleted', 'Unchanged', 'Skipped', 'Failed'],
      ['1', '1', '0', '1', '1', '1']
    ])
    expect(pathRows(md)).toEqual([
      ['✖ Failed', 'x.md', '', 'POST … answered 422: Validation Failed'],
      ['Created', 'a.md', '1', ''],
      ['Updated', 'docs/<b>|pipe & co.md', '2', 'renamed from old.md'],
      ['Skipped', 'bin.md', '', 'binary file (contains a NUL byte)']
    ])
    expect(paragraphs(md)).toContain(
      '2 other resource(s) in the Space are not managed by this workflow and were left alone.'
    )
    expect(md).not.toContain('same.md')
    expect(md).not.toContain('Preview')
  })

  it('says when nothing was written, in the verbs too', () => {
    const md = summaryMarkdown(
      [{ path: 'a.md', action: 'deleted', resourceId: 9, reason: 'file removed' }],
      { ...ctx, previewReason: 'pull_request events only preview the sync.' }
    )
    expect(paragraphs(md)).toContain(
      'Preview: nothing was written. pull_request events only preview the sync.'
    )
    expect(pathRows(md)).toEqual([['Would delete', 'a.md', '9', 'file removed']])
  })

  it('says a rename once, with the reason that goes with it', () => {
    const md = summaryMarkdown(
      [
        {
          path: 'new.md',
          action: 'updated',
          resourceId: 4,
          previousPath: 'old.md',
          reason: 'renamed from old.md'
        },
        {
          path: 'moved.md',
          action: 'failed',
          resourceId: 5,
          previousPath: 'was.md',
          reason: 'could not read the file: gone'
        }
      ],
      ctx
    )
    expect(pathRows(md).map(r => r[3])).toEqual([
      'renamed from was.md; could not read the file: gone',
      'renamed from old.md'
    ])
    expect(md).not.toMatch(/renamed from .*renamed from/)
  })

  it('lists failed and unsent writes first, marked, with a count for those not sent', () => {
    const cause = 'POST answered 403: Resource not accessible by integration.'
    const md = summaryMarkdown(
      [
        { path: 'a.md', action: 'created', resourceId: 1 },
        { path: 'b.md', action: 'not-sent', reason: `not sent: ${cause}` },
        { path: 'c.md', action: 'skipped', reason: 'symbolic link' },
        { path: 'd.md', action: 'failed', reason: cause },
        { path: 'e.md', action: 'not-sent', resourceId: 7, reason: `not sent: ${cause}` }
      ],
      ctx
    )
    expect(tables(render(md))[0]).toEqual([
      ['Created', 'Updated', 'Deleted', 'Unchanged', 'Skipped', 'Failed', 'Not sent'],
      ['1', '0', '0', '0', '1', '1', '2']
    ])
    expect(pathRows(md).map(r => [r[0], r[1]])).toEqual([
      ['✖ Not sent', 'b.md'],
      ['✖ Failed', 'd.md'],
      ['✖ Not sent', 'e.md'],
      ['Created', 'a.md'],
      ['Skipped', 'c.md']
    ])
  })

  it('moves a long message under the table, whole, once however many rows share it', () => {
    const long = `PUT answered 403: ${'Resource not accessible by integration. '.repeat(150)}see x@evil.example | a | b`
    const other = `DELETE answered 422: ${'Validation failed; '.repeat(20)}`
    const outcomes: Outcome[] = [
      ...['a.md', 'b.md', 'c.md'].map(path => ({ path, action: 'failed' as const, reason: long })),
      { path: 'd.md', action: 'failed', resourceId: 3, previousPath: 'old.md', reason: other },
      { path: 'e.md', action: 'created', resourceId: 4 }
    ]
    expect(long.length).toBeGreaterThan(4096)
    const md = summaryMarkdown(outcomes, ctx)
    const tree = render(md)
    expect(pathRows(tree)).toEqual([
      ['✖ Failed', 'a.md', '', 'see (1) below'],
      ['✖ Failed', 'b.md', '', 'see (1) below'],
      ['✖ Failed', 'c.md', '', 'see (1) below'],
      ['✖ Failed', 'd.md', '3', 'renamed from old.md; see (2) below'],
      ['Created', 'e.md', '4', '']
    ])
    // The notes: an ordered list of the messages as their text, nothing cut.
    const lists = nodes(tree).filter(n => n.type === 'list')
    expect(lists).toHaveLength(1)
    expect((lists[0]!.children ?? []).map(textOf)).toEqual([long, other])
    expect(paragraphs(tree)).toContain('Messages too long for the table:')
    const s = structure(tree)
    expect(s.html.filter(h => h !== '<!---->')).toEqual([])
    expect(s.links.every(l => l.url === ctx.spaceUrl)).toBe(true)
  })

  it('marks the name of the files input as code, and only that', () => {
    const md = summaryMarkdown(
      [
        {
          path: 'docs/a.md',
          action: 'skipped',
          resourceId: 1,
          reason:
            "renamed to archive/a.txt, which 'files' does not match; kept because prune is false"
        }
      ],
      { ...ctx, notices: ["Input 'files' matches none of the 3 files at abcdef0."] }
    )
    const tree = render(md)
    const code = nodes(tree)
      .filter(n => n.type === 'inlineCode')
      .map(n => n.value)
    expect(code.filter(c => c === 'files')).toHaveLength(2)
    expect(pathRows(tree)[0]![3]).toBe(
      'renamed to archive/a.txt, which files does not match; kept because prune is false'
    )
    expect(paragraphs(tree)).toContain(
      'Warning: Input files matches none of the 3 files at abcdef0.'
    )
  })

  it("links a push's commit range to its compare page", () => {
    const base = 'a'.repeat(40)
    const head = 'b'.repeat(40)
    const url = `https://github.com/octo-org/docs-repo/compare/${base}...${head}`
    const md = summaryMarkdown([], { ...ctx, compare: { base, head, url } })
    const s = structure(render(md))
    expect(s.links).toEqual([
      { url: ctx.spaceUrl, text: 'octo-org/3' },
      { url, text: 'aaaaaaa...bbbbbbb' }
    ])
    expect(paragraphs(md)).toContain(
      `Scope: ${ctx.scopeReason} (commit cccccccccccc). Changes: aaaaaaa...bbbbbbb.`
    )
  })

  it('renders hostile paths, previous paths and GitHub messages as their text, one row each', () => {
    const actions: OutcomeAction[] = ['created', 'updated', 'deleted', 'skipped', 'failed']
    const outcomes: Outcome[] = HOSTILE_NAMES.map((path, i) => ({
      path,
      action: actions[i % actions.length]!,
      resourceId: i,
      previousPath: HOSTILE_NAMES[(i + 1) % HOSTILE_NAMES.length],
      reason: `${GITHUB_MESSAGE} renamed from ${HOSTILE_NAMES[(i + 2) % HOSTILE_NAMES.length]}`
    }))
    const md = summaryMarkdown(outcomes, ctx)
    const verbs = {
      created: 'Created',
      updated: 'Updated',
      deleted: 'Deleted',
      skipped: 'Skipped',
      failed: '✖ Failed'
    } as const
    const order = [
      ...outcomes.filter(o => o.action === 'failed'),
      ...outcomes.filter(o => o.action !== 'failed')
    ]
    // A reason too long for a cell is a note under the table, numbered in the table's order.
    let note = 0
    const notes: string[] = []
    const detail = (reason: string) => {
      if ([...reason].length <= 160) return visible(reason)
      notes.push(visible(reason))
      return `see (${++note}) below`
    }
    expect(pathRows(md)).toEqual(
      order.map(o => [
        verbs[o.action as keyof typeof verbs],
        visible(o.path),
        String(o.resourceId),
        `renamed from ${visible(o.previousPath!)}; ${detail(o.reason!)}`
      ])
    )
    const tree = render(md)
    const lists = nodes(tree).filter(n => n.type === 'list')
    expect(lists.flatMap(l => (l.children ?? []).map(textOf))).toEqual(notes)
    const s = structure(tree)
    expect(s.links).toEqual([
      { url: ctx.spaceUrl, text: 'octo-org/3' },
      ...order.map(o => ({ url: ctx.spaceUrl, text: String(o.resourceId) }))
    ])
    expect(s.images).toBe(0)
    expect(s.headings).toEqual(['Copilot Space sync: octo-org/3'])
    expect(s.html.filter(h => h !== '<!---->')).toEqual([])
    expect(s.emphasis).toEqual([])
  })

  it('renders a hostile Space label, scope and preview reason as their text', () => {
    const label = '[evil](https://evil.example) x@evil.example www.evil.example'
    const scopeReason = 'push: refs/heads/`main`\n## Injected *heading* <b>bold</b>'
    const previewReason = 'pull_request events | only | preview\r\n> [quote](javascript:alert(1))'
    const md = summaryMarkdown([], { ...ctx, spaceLabel: label, scopeReason, previewReason })
    const s = structure(render(md))
    expect(s.links).toEqual([{ url: ctx.spaceUrl, text: label }])
    expect(s.headings).toEqual([`Copilot Space sync: ${label}`])
    expect(s.images).toBe(0)
    expect(s.html.filter(h => h !== '<!---->')).toEqual([])
    expect(s.emphasis).toEqual(['Preview: nothing was written.'])
    expect(paragraphs(md)).toEqual(
      expect.arrayContaining([
        `Preview: nothing was written. ${visible(previewReason)}`,
        `Scope: ${visible(scopeReason)} (commit cccccccccccc).`
      ])
    )
  })

  it('keeps the Space link whole whatever its URL holds', () => {
    const spaceUrl = "https://ghe.example/copilot/spaces/o)x](y) (z'&amp;/3"
    const md = summaryMarkdown([], { ...ctx, spaceUrl })
    const s = structure(render(md))
    expect(s.links).toHaveLength(1)
    expect(decodeURI(s.links[0]!.url!)).toBe(spaceUrl)
    expect(s.headings).toEqual(['Copilot Space sync: octo-org/3'])
  })

  it('writes a failure message as its text in the error summary', async () => {
    await writeErrorSummary(`Refusing to delete 3 resources: ${HOSTILE_NAMES.join(', ')}`)
    await writeErrorSummary(GITHUB_MESSAGE)
    await writeErrorSummary('@x.example: <!-- a comment --> <b>')
    const md = readFileSync(summaryFile, 'utf8')
    const s = structure(render(md))
    expect(s.headings).toEqual(Array(3).fill('Copilot Space sync failed'))
    expect(s.links).toEqual([])
    expect(s.images).toBe(0)
    expect(s.html.filter(h => h !== '<!---->')).toEqual([])
    expect(s.emphasis).toEqual([])
    expect(paragraphs(md)).toEqual([
      visible(`Refusing to delete 3 resources: ${HOSTILE_NAMES.join(', ')}`),
      visible(GITHUB_MESSAGE),
      '@x.example: <!-- a comment --> <b>'
    ])
  })

  it('keeps a huge change set within bounds: 500 rows, then a pointer to the output', () => {
    const outcomes: Outcome[] = Array.from({ length: 5000 }, (_, i) => ({
      path: `docs/${i}.md`,
      action: 'created',
      resourceId: i
    }))
    const md = summaryMarkdown(outcomes, ctx)
    expect(md.split('\n').filter(l => l.startsWith('| Created | `'))).toHaveLength(500)
    expect(md).toContain(
      "…and 4500 more (see the step's `resources` output, or `resources-file` for every path)."
    )
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024)
    expect(countOutcomes(outcomes).created).toBe(5000)
  })

  it('lists 500 of 10,000 short paths and counts the rest', async () => {
    const outcomes: Outcome[] = Array.from({ length: 10_000 }, (_, i) => ({
      path: `d/${i}.md`,
      action: i % 2 ? 'updated' : 'deleted',
      resourceId: i
    }))
    await writeSummary(outcomes, ctx)
    const md = readFileSync(summaryFile, 'utf8')
    const rows = pathRows(md)
    expect(rows.map(r => r[1])).toEqual(outcomes.slice(0, 500).map(o => o.path))
    expect(paragraphs(md)).toContain(
      "…and 9500 more (see the step's resources output, or resources-file for every path)."
    )
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(SUMMARY_LIMIT)
  })

  it('stops adding rows before 1,000,000 bytes with 600 long multi-byte paths, and counts the rest', async () => {
    const long = (i: number, tag: string) =>
      `docs/${tag}${i}/${'ü日本語のパス-ñ'.repeat(100)}`.slice(0, 1000) // 1000 characters
    const outcomes: Outcome[] = Array.from({ length: 600 }, (_, i) => ({
      path: long(i, 'new'),
      action: 'updated',
      resourceId: i,
      previousPath: long(i, 'old'),
      reason: `renamed from ${long(i, 'old')}`
    }))
    await writeSummary(outcomes, { ...ctx, othersCount: 7 })
    const written = statSync(summaryFile).size
    expect(written).toBeLessThanOrEqual(SUMMARY_LIMIT)
    const tree = render(readFileSync(summaryFile, 'utf8'))
    const rows = pathRows(tree)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.length).toBeLessThan(600)
    // Whole rows only, in order, each path complete.
    expect(rows.map(r => r[1])).toEqual(outcomes.slice(0, rows.length).map(o => o.path))
    expect(paragraphs(tree)).toEqual(
      expect.arrayContaining([
        `…and ${600 - rows.length} more (see the step's resources output, or resources-file for every path).`,
        '7 other resource(s) in the Space are not managed by this workflow and were left alone.'
      ])
    )
  })
})

describe('step outputs', () => {
  const outputs = () => parseOutputFile(readFileSync(outputFile, 'utf8'))
  /** The file `resources-file` names, parsed; it must be in RUNNER_TEMP. */
  const fileEntries = (out: Record<string, string>) => {
    const file = out['resources-file']!
    expect(dirname(file)).toBe(runnerTemp)
    expect(basename(file)).toMatch(/^copilot-space-sync-[\w-]+\.json$/)
    return JSON.parse(readFileSync(file, 'utf8')) as unknown[]
  }
  /** Every outcome's entry, as the `resources` output writes one. */
  const entryOf = (o: Outcome) => ({
    path: o.path,
    action: o.action,
    resource_id: o.resourceId ?? null,
    ...(o.previousPath ? { previous_path: o.previousPath } : {}),
    ...(o.reason ? { reason: o.reason } : {})
  })

  it('writes the counts and every entry when they fit, not truncated', async () => {
    const outcomes: Outcome[] = [
      { path: 'a.md', action: 'created', resourceId: 1 },
      { path: 'b\n::x::.md', action: 'updated', resourceId: 2, previousPath: 'c.md', reason: 'r' },
      { path: 'd.md', action: 'unchanged', resourceId: 3 }
    ]
    const result = await writeOutputs(outcomes)
    expect(result.resourcesTruncated).toBe(false)
    expect(result.warnings).toEqual([])
    expect(result.created).toBe(1)
    const out = outputs()
    expect(out['resources-truncated']).toBe('false')
    expect(out.created).toBe('1')
    expect(out.unchanged).toBe('1')
    const expected = [
      { path: 'a.md', action: 'created', resource_id: 1 },
      {
        path: 'b\n::x::.md',
        action: 'updated',
        resource_id: 2,
        previous_path: 'c.md',
        reason: 'r'
      },
      { path: 'd.md', action: 'unchanged', resource_id: 3 }
    ]
    expect(JSON.parse(out.resources!)).toEqual(expected)
    expect(out['resources-file']).toBe(result.resourcesFile)
    expect(fileEntries(out)).toEqual(expected)
    // An entry a line, so that grep finds a path's entry.
    expect(readFileSync(out['resources-file']!, 'utf8').split('\n')).toHaveLength(6)
  })

  it('says what a preview would do, in the entries and the file, and counts it', async () => {
    const outcomes: Outcome[] = [
      { path: 'a.md', action: 'created' },
      { path: 'b.md', action: 'updated', resourceId: 2, reason: 'file changed' },
      { path: 'c.md', action: 'deleted', resourceId: 3, reason: 'file removed' },
      { path: 'd.md', action: 'unchanged', resourceId: 4 },
      { path: 'e.bin', action: 'skipped', reason: 'binary file (contains a NUL byte)' }
    ]
    const result = await writeOutputs(outcomes, { preview: true })
    const out = outputs()
    expect(out.preview).toBe('true')
    const expected = [
      { path: 'a.md', action: 'would-create', resource_id: null },
      { path: 'b.md', action: 'would-update', resource_id: 2, reason: 'file changed' },
      { path: 'c.md', action: 'would-delete', resource_id: 3, reason: 'file removed' },
      { path: 'd.md', action: 'unchanged', resource_id: 4 },
      {
        path: 'e.bin',
        action: 'skipped',
        resource_id: null,
        reason: 'binary file (contains a NUL byte)'
      }
    ]
    expect(JSON.parse(out.resources!)).toEqual(expected)
    expect(fileEntries(out)).toEqual(expected)
    // The counts say what would happen.
    expect([out.created, out.updated, out.deleted, out.unchanged, out.skipped]).toEqual([
      '1',
      '1',
      '1',
      '1',
      '1'
    ])
    expect(result.created).toBe(1)

    writeFileSync(outputFile, '')
    await writeOutputs(outcomes)
    expect(outputs().preview).toBe('false')
    expect((JSON.parse(outputs().resources!) as { action: string }[])[0]!.action).toBe('created')
  })

  it('counts writes not sent, and names them in the entries', async () => {
    await writeOutputs([
      { path: 'a.md', action: 'failed', reason: 'r', cause: 'c' },
      { path: 'b.md', action: 'not-sent', resourceId: 5, reason: 'not sent: c', cause: 'c' }
    ])
    const out = outputs()
    expect([out.failed, out['not-sent']]).toEqual(['1', '1'])
    expect(JSON.parse(out.resources!)).toEqual([
      { path: 'a.md', action: 'failed', resource_id: null, reason: 'r' },
      { path: 'b.md', action: 'not-sent', resource_id: 5, reason: 'not sent: c' }
    ])
  })

  it('sets only outputs action.yml declares, and every count it declares', async () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      await reportRun([
        { report: ctx, outcomes: [{ path: 'a.md', action: 'created', resourceId: 1 }] }
      ])
    } finally {
      stdout.mockRestore()
    }
    const action = parse(readFileSync('action.yml', 'utf8')) as { outputs: Record<string, unknown> }
    const declared = Object.keys(action.outputs)
    const set = Object.keys(outputs())
    expect(set.filter(name => !declared.includes(name))).toEqual([])
    expect(declared.filter(name => !set.includes(name)).sort()).toEqual([
      'comment-id',
      'comment-url'
    ])
  })

  it('writes an empty list to a new file on each run', async () => {
    const first = await writeOutputs([])
    expect(fileEntries(outputs())).toEqual([])
    writeFileSync(outputFile, '')
    const second = await writeOutputs([])
    expect(second.resourcesFile).not.toBe(first.resourcesFile)
    expect(readdirSync(runnerTemp)).toHaveLength(2)
  })

  it('uses the OS temp directory when RUNNER_TEMP is not set', () => {
    expect(dirname(resourcesFilePath({}))).toBe(tmpdir())
    expect(dirname(resourcesFilePath({ RUNNER_TEMP: runnerTemp }))).toBe(runnerTemp)
  })

  it('still writes the other outputs when the file cannot be written, and says so', async () => {
    const saved = process.env.RUNNER_TEMP
    process.env.RUNNER_TEMP = join(runnerTemp, 'missing', 'dir')
    try {
      const result = await writeOutputs([{ path: 'a.md', action: 'created', resourceId: 1 }])
      const out = outputs()
      expect(out['resources-file']).toBe('')
      expect(result.resourcesFile).toBeUndefined()
      expect(JSON.parse(out.resources!)).toHaveLength(1)
      expect(result.warnings).toHaveLength(1)
      expect(result.warnings[0]).toMatch(
        /^Could not write every entry to .*missing.*ENOENT.*; the resources-file output is empty\.$/
      )
    } finally {
      process.env.RUNNER_TEMP = saved
    }
  })

  it('leaves unchanged entries out first when 50,000 outcomes do not fit, and says how many', async () => {
    const outcomes: Outcome[] = Array.from({ length: 50_000 }, (_, i) => ({
      path: `docs/section-${i % 97}/a-rather-long-file-name-${i}.md`,
      action: i % 25 === 0 ? 'failed' : 'unchanged',
      resourceId: i,
      ...(i % 25 === 0 ? { reason: 'POST answered 422: Validation Failed' } : {})
    }))
    const result = await writeOutputs(outcomes)
    const out = outputs()
    expect(Buffer.byteLength(out.resources!)).toBeLessThanOrEqual(RESOURCES_LIMIT)
    // The other outputs (counts, resources-file's path), each with its delimiters, stay small.
    expect(Buffer.byteLength(readFileSync(outputFile))).toBeLessThan(RESOURCES_LIMIT + 2048)
    const kept = JSON.parse(out.resources!) as { path: string; action: string }[]
    // Every entry that is not unchanged, then unchanged ones as they come; all in order.
    const failed = outcomes.filter(o => o.action === 'failed').map(o => o.path)
    expect(kept.filter(e => e.action === 'failed').map(e => e.path)).toEqual(failed)
    const unchanged = kept.filter(e => e.action === 'unchanged').map(e => e.path)
    expect(unchanged.length).toBeGreaterThan(0)
    expect(unchanged).toEqual(
      outcomes
        .filter(o => o.action === 'unchanged')
        .slice(0, unchanged.length)
        .map(o => o.path)
    )
    const keptPaths = new Set(kept.map(e => e.path))
    expect(kept.map(e => e.path)).toEqual(outcomes.map(o => o.path).filter(p => keptPaths.has(p)))
    expect(out['resources-truncated']).toBe('true')
    expect(result.resourcesTruncated).toBe(true)
    expect(result.failed).toBe(2000)
    expect(out.unchanged).toBe('48000')
    const omitted = 50_000 - kept.length
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toContain(`leaves out ${omitted} of 50000 entries`)
    expect(result.warnings[0]).toContain(`${omitted} unchanged, 0 other`)
    expect(result.warnings[0]).toContain(
      `Every entry is in the file named by the resources-file output: ${out['resources-file']}`
    )
    // The file holds every entry, in order, never truncated.
    expect(fileEntries(out)).toEqual(outcomes.map(entryOf))
  })

  it('cuts the rest when even the changed entries do not fit', async () => {
    const outcomes: Outcome[] = Array.from({ length: 50_000 }, (_, i) => ({
      path: `docs/ü日本語-${i}-${'x'.repeat(40)}.md`,
      action: i % 7 === 0 ? 'unchanged' : 'created',
      resourceId: i
    }))
    const result = await writeOutputs(outcomes)
    const out = outputs()
    expect(Buffer.byteLength(out.resources!)).toBeLessThanOrEqual(RESOURCES_LIMIT)
    const kept = JSON.parse(out.resources!) as { path: string; action: string }[]
    expect(kept.every(e => e.action === 'created')).toBe(true)
    expect(kept.map(e => e.path)).toEqual(
      outcomes
        .filter(o => o.action === 'created')
        .slice(0, kept.length)
        .map(o => o.path)
    )
    expect(out['resources-truncated']).toBe('true')
    const omitted = 50_000 - kept.length
    const unchanged = outcomes.filter(o => o.action === 'unchanged').length
    const [warning] = result.warnings
    expect(warning).toContain(`leaves out ${omitted} of 50000 entries`)
    expect(warning).toContain(`${unchanged} unchanged, ${omitted - unchanged} other`)
    expect(warning).not.toContain('docs/')
    expect(fileEntries(out)).toEqual(outcomes.map(entryOf))
  })
})

describe('thousands', () => {
  it('writes a count as toLocaleString("en-US") does', () => {
    const counts = [0, 7, 999, 1000, 1001, 99_999, 100_000, 123_456_789, Number.MAX_SAFE_INTEGER]
    for (let n = 0; n < 20_000; n += 37) counts.push(n)
    for (const n of counts) expect(thousands(n)).toBe(n.toLocaleString('en-US'))
  })
})

describe('the plan in the log', () => {
  const unchanged = (i: number): PlannedAction => ({
    kind: 'unchanged',
    action: 'unchanged',
    path: `docs/${i}.md`,
    resourceId: i
  })

  it('logs one line per change and one counting the unchanged paths, in a group with the total', async () => {
    const actions: PlannedAction[] = [
      unchanged(0),
      { kind: 'create', path: 'docs/new.md', blobSha: 'b'.repeat(40) },
      ...Array.from({ length: 99_997 }, (_, i) => unchanged(i + 1)),
      { kind: 'delete', path: 'docs/old.md', resourceId: 7, reason: 'removed' },
      unchanged(99_998)
    ]
    const lines: string[] = []
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      await logPlan(actions, [], line => lines.push(line))
      const written = stdout.mock.calls.map(c => String(c[0]))
      expect(written[0]).toBe('::group::Plan: 100001 path(s)\n')
      expect(written.at(-1)).toBe('::endgroup::\n')
    } finally {
      stdout.mockRestore()
    }
    expect(lines).toEqual([
      'create    docs/new.md',
      'delete    docs/old.md (removed)',
      'unchanged: 99,999 path(s)'
    ])
  })

  it('keeps the line of every kind of change as it was', async () => {
    const actions: PlannedAction[] = [
      { kind: 'update', path: 'a.md', blobSha: 's', resourceId: 1, reason: 'content changed' },
      { kind: 'skip', path: 'b.bin', reason: 'binary file' },
      { kind: 'fail', path: 'c.md', reason: 'could not be read' }
    ]
    const lines: string[] = []
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      await logPlan(actions, [], line => lines.push(line))
    } finally {
      stdout.mockRestore()
    }
    expect(lines).toEqual([
      'update    a.md (content changed)',
      'fail      c.md (could not be read)',
      'unchanged: 0 path(s)',
      'skipped: 1 path(s), each after this group',
      'Skipped b.bin: binary file'
    ])
  })

  it('logs each skipped path once, with its reason, after the group; unchanged paths only as a count', async () => {
    const skip = (i: number): PlannedAction => ({
      kind: 'skip',
      path: `bin/${i}.png`,
      reason: 'binary file (contains a NUL byte)'
    })
    const actions: PlannedAction[] = [
      skip(0),
      ...Array.from({ length: 99_997 }, (_, i) => unchanged(i)),
      { kind: 'skip', path: 'docs/link.md', reason: 'symbolic link' },
      skip(1),
      { kind: 'create', path: 'docs/new.md', blobSha: 'b'.repeat(40) }
    ]
    // The group's commands and the lines, in the order the runner would read them.
    const written: string[] = []
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      written.push(String(chunk).trimEnd())
      return true
    })
    try {
      await logPlan(actions, [], line => written.push(line))
    } finally {
      stdout.mockRestore()
    }
    expect(written).toEqual([
      '::group::Plan: 100001 path(s)',
      'create    docs/new.md',
      'unchanged: 99,997 path(s)',
      'skipped: 3 path(s), each after this group',
      '::endgroup::',
      'Skipped bin/0.png: binary file (contains a NUL byte)',
      'Skipped docs/link.md: symbolic link',
      'Skipped bin/1.png: binary file (contains a NUL byte)'
    ])
  })
})

describe('annotations of what did not reach the Space', () => {
  /** What reportRun writes to stdout, and the exit code it sets (restored afterwards). */
  async function report(runs: Parameters<typeof reportRun>[0]) {
    const written: string[] = []
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      written.push(...String(chunk).split('\n').filter(Boolean))
      return true
    })
    const saved = process.exitCode
    try {
      await reportRun(runs)
      return { lines: written, exitCode: process.exitCode }
    } finally {
      process.exitCode = saved
      stdout.mockRestore()
    }
  }
  const errorLines = (lines: string[]) => lines.filter(l => l.startsWith('::error'))

  it('one per cause, with the count, the paths listed under it; the step fails without another', async () => {
    const cause = 'PUT answered 403: Must have write access to this Copilot Space.'
    const { lines, exitCode } = await report([
      {
        report: ctx,
        outcomes: [
          { path: 'a.md', action: 'failed', reason: `PUT /x/1 ${cause}`, cause },
          { path: 'b.md', action: 'not-sent', reason: `not sent: ${cause}`, cause },
          { path: 'c.md', action: 'created', resourceId: 3 },
          { path: 'd.md', action: 'failed', reason: 'could not read the file: gone' }
        ]
      }
    ])
    expect(exitCode).toBe(1)
    expect(errorLines(lines)).toEqual([
      `::error title=2 resources not synced to the Copilot Space::2 resource(s) were not synced (1 failed, 1 not sent): ${cause}`,
      '::error title=Copilot Space sync failed,file=d.md::d.md: could not read the file: gone'
    ])
    const at = lines.indexOf(errorLines(lines)[0]!)
    expect(lines.slice(at + 1, at + 3)).toEqual(['  a.md', '  b.md (not sent)'])
    expect(lines.at(-1)).toBe(
      '3 path(s) were not synced; the others were synced. See the log and the job summary.'
    )
  })

  it('never more than GitHub shows (10): past 9 causes, the rest share one', async () => {
    const outcomes: Outcome[] = Array.from({ length: 12 }, (_, i) => ({
      path: `p${i}.md`,
      action: 'failed',
      reason: `POST /x answered 422: reason ${i}`
    }))
    const alone = errorLines((await report([{ report: ctx, outcomes }])).lines)
    expect(alone).toHaveLength(10)
    expect(alone.at(-1)).toBe(
      '::error title=3 more resources not synced to the Copilot Space::3 more resource(s) were not synced, for 3 other cause(s): each is in the log below.'
    )
    // A Space that failed as a whole takes one of the ten.
    const failedSpace = {
      report: { ...ctx, spaceLabel: 'octo-org/4' },
      outcomes: [],
      error: 'Not Found'
    }
    const both = errorLines((await report([{ report: ctx, outcomes }, failedSpace])).lines)
    expect(both).toHaveLength(10)
    expect(both[0]).toBe('::error::octo-org/4: Not Found')
    expect(both.at(-1)).toMatch(/::4 more resource\(s\) were not synced, for 4 other cause/)
  })

  it('a run with nothing unsynced has no annotation and does not fail', async () => {
    const { lines, exitCode } = await report([
      { report: ctx, outcomes: [{ path: 'a.md', action: 'skipped', reason: 'symbolic link' }] }
    ])
    expect(errorLines(lines)).toEqual([])
    expect(exitCode).toBe(process.exitCode)
  })
})

describe("a push's compare page", () => {
  const settings = { owner: 'octo-org', spaceNumber: 3, dryRun: false }
  const scope = { reason: 'push', commit: 'b'.repeat(40) }
  const run = (eventName: string, payload: Record<string, unknown>, repoName = 'docs-repo') =>
    contextOf(
      settings,
      {
        eventName,
        payload,
        sha: 'b'.repeat(40),
        serverUrl: 'https://ghe.example',
        repoOwner: 'octo-org',
        repoName
      },
      scope,
      true
    ).compare

  it('is built from the server URL, the repository and both commits', () => {
    const before = '0123456789abcdef0123456789abcdef01234567'
    const after = 'f'.repeat(64)
    expect(run('push', { before, after })).toEqual({
      base: before,
      head: after,
      url: `https://ghe.example/octo-org/docs-repo/compare/${before}...${after}`
    })
    // A repository name is one path segment of the URL, whatever it holds.
    expect(run('push', { before, after }, 'a b/..?#')?.url).toBe(
      `https://ghe.example/octo-org/a%20b%2F..%3F%23/compare/${before}...${after}`
    )
  })

  it('is left out unless both commits are object ids of a push', () => {
    const sha = 'a'.repeat(40)
    for (const payload of [
      { before: '0'.repeat(40), after: sha },
      { before: sha, after: `${sha})[x](https://evil.example)` },
      { before: 'main', after: sha },
      { before: sha.toUpperCase(), after: sha },
      { before: sha },
      { before: 42, after: sha }
    ]) {
      expect(run('push', payload)).toBeUndefined()
    }
    expect(run('pull_request', { before: sha, after: 'b'.repeat(40) })).toBeUndefined()
  })
})

describe('the Space itself in the summary', () => {
  it('shows each setting written as text, the instructions by their length only', () => {
    const hostile = '[x](https://evil.example) | ## Heading'
    const doc = render(
      summaryMarkdown([], {
        ...ctx,
        settings: [
          { field: 'description', input: 'description', from: null, to: hostile },
          {
            field: 'general_instructions',
            input: 'instructions-file',
            from: 'Old text',
            to: '![img](https://evil.example/i.png)'
          }
        ]
      })
    )
    const table = tables(doc).find(t => t[0]?.join('|') === '|Setting|Input|From|To')
    expect(table?.slice(1)).toEqual([
      ['Set', 'description', 'description', 'unset', JSON.stringify(hostile)],
      ['Set', 'general_instructions', 'instructions-file', '8 characters', '34 characters']
    ])
    const { links, images, headings } = structure(doc)
    expect(links).toEqual([{ url: ctx.spaceUrl, text: ctx.spaceLabel }])
    expect(images).toBe(0)
    expect(headings).toEqual([`Copilot Space sync: ${ctx.spaceLabel}`])
  })

  it('says a preview would set them, and would create a Space', () => {
    const doc = summaryMarkdown([], {
      ...ctx,
      previewReason: 'pull_request events only preview the sync.',
      spaceToCreate: 'octo-org/"Team docs"',
      settings: [{ field: 'base_role', input: 'base-role', from: null, to: 'reader' }]
    })
    expect(paragraphs(doc)).toContain('Would create the Space octo-org/"Team docs" (create-space).')
    expect(tables(render(doc)).some(t => t[1]?.[0] === 'Would set')).toBe(true)
  })

  it('reports a Space the run created, with its number', () => {
    const doc = summaryMarkdown([], { ...ctx, spaceCreated: true, spaceNumber: 12 })
    expect(paragraphs(doc)).toContain(
      'Created this Space (create-space): number 12. Its number can replace space-name in the workflow.'
    )
  })
})
