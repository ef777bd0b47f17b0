import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { describe, expect, it, jest } from '@jest/globals'
import { parseOutputFile } from '../scripts/runner.js'
import type { Outcome, OutcomeAction } from '../src/sync/apply.js'
import type { PlannedAction } from '../src/sync/plan.js'
import {
  countOutcomes,
  logPlan,
  resourcesFilePath,
  summaryMarkdown,
  writeErrorSummary,
  writeOutputs,
  writeSummary
} from '../src/report/report.js'
import { visible } from '../src/report/untrusted.js'
import {
  paragraphs,
  pathRows,
  render,
  reportContext,
  structure,
  SUMMARY_LIMIT,
  tables,
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
  it('counts, links the Space, lists every path but the unchanged, and renders what paths hold as is', () => {
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
    expect(structure(tree).links).toEqual([{ url: ctx.spaceUrl, text: 'octo-org/3' }])
    expect(structure(tree).headings).toEqual(['Copilot Space sync: octo-org/3'])
    expect(tables(tree)[0]).toEqual([
      ['Created', 'Updated', 'Deleted', 'Unchanged', 'Skipped', 'Failed'],
      ['1', '1', '0', '1', '1', '1']
    ])
    expect(pathRows(md)).toEqual([
      ['Created', 'a.md', '1', ''],
      ['Updated', 'docs/<b>|pipe & co.md', '2', 'from old.md; renamed from old.md'],
      ['Skipped', 'bin.md', '', 'binary file (contains a NUL byte)'],
      ['Failed', 'x.md', '', 'POST … answered 422: Validation Failed']
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
    const verbs = { created: 'Created', updated: 'Updated', deleted: 'Deleted' } as const
    expect(pathRows(md)).toEqual(
      outcomes.map(o => [
        verbs[o.action as keyof typeof verbs] ?? (o.action === 'skipped' ? 'Skipped' : 'Failed'),
        visible(o.path),
        String(o.resourceId),
        `from ${visible(o.previousPath!)}; ${visible(o.reason!)}`
      ])
    )
    const s = structure(render(md))
    expect(s.links).toEqual([{ url: ctx.spaceUrl, text: 'octo-org/3' }])
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

describe('the plan in the log', () => {
  const unchanged = (i: number): PlannedAction => ({
    kind: 'unchanged',
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
      'skip      b.bin (binary file)',
      'fail      c.md (could not be read)',
      'unchanged: 0 path(s)'
    ])
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
