import { describe, expect, it } from '@jest/globals'
import type { Outcome } from '../src/apply.js'
import { countOutcomes, summaryMarkdown, type ReportContext } from '../src/report.js'

const ctx: ReportContext = {
  spaceLabel: 'octo-org/3',
  spaceUrl: 'https://github.com/copilot/spaces/octo-org/3',
  scopeReason: 'push: 2 files changed between a and b',
  commit: 'c'.repeat(40),
  othersCount: 2
}

describe('job summary', () => {
  it('counts, links the Space, lists every path but the unchanged, and escapes what paths hold', () => {
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
    expect(md).toContain(
      '## Copilot Space sync: [octo-org/3](https://github.com/copilot/spaces/octo-org/3)'
    )
    expect(md).toContain('| 1 | 1 | 0 | 1 | 1 | 1 |')
    expect(md).toContain('| Created | `a.md` | 1 |  |')
    expect(md).toContain(
      '| Updated | `docs/&#60;b&#62;\\|pipe &#38; co.md` | 2 | from `old.md`; renamed from old.md |'
    )
    expect(md).toContain('| Skipped | `bin.md` |  | binary file (contains a NUL byte) |')
    expect(md).not.toContain('same.md')
    expect(md).toContain('2 other resource(s) in the Space are not managed by this workflow')
    expect(md).not.toContain('Preview')
  })

  it('says when nothing was written, in the verbs too', () => {
    const md = summaryMarkdown(
      [{ path: 'a.md', action: 'deleted', resourceId: 9, reason: 'file removed' }],
      {
        ...ctx,
        previewReason: 'pull_request events only preview the sync.'
      }
    )
    expect(md).toContain(
      '> **Preview: nothing was written.** pull_request events only preview the sync.'
    )
    expect(md).toContain('| Would delete | `a.md` | 9 | file removed |')
  })

  it('keeps a huge change set within bounds: 500 rows, then a pointer to the output', () => {
    const outcomes: Outcome[] = Array.from({ length: 5000 }, (_, i) => ({
      path: `docs/${i}.md`,
      action: 'created',
      resourceId: i
    }))
    const md = summaryMarkdown(outcomes, ctx)
    expect(md.split('\n').filter(l => l.startsWith('| Created | `'))).toHaveLength(500)
    expect(md).toContain("…and 4500 more (see the step's `resources` output).")
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024)
    expect(countOutcomes(outcomes).created).toBe(5000)
  })
})
