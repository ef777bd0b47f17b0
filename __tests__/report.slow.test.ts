/**
 * The job summary's bounds with the largest inputs: slow, as each renders about a million bytes
 * of Markdown the way GitHub reads it.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import type { Outcome } from '../src/sync/apply.js'
import { summaryMarkdown, writeErrorSummary } from '../src/report/report.js'
import {
  paragraphs,
  pathRows,
  render,
  reportContext,
  SUMMARY_LIMIT,
  useStepFiles
} from './helpers/report.js'

const ctx = reportContext
const { summaryFile } = useStepFiles()

describe('job summary bounds', () => {
  it('cuts a huge failure message to fit the summary, saying how much was left out', async () => {
    const message = `${'&'.repeat(300_000)}${'é'.repeat(300_000)}`
    await writeErrorSummary(message)
    const md = readFileSync(summaryFile, 'utf8')
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(SUMMARY_LIMIT)
    const [text] = paragraphs(md)
    const cut = /^(&*) … \((\d+) more characters\)$/.exec(text!)
    expect(cut).not.toBeNull()
    expect(cut![1]!.length + Number(cut![2])).toBe(message.length)
  })

  it('stays within bounds when every character of every path needs escaping', () => {
    const outcomes: Outcome[] = Array.from({ length: 600 }, (_, i) => ({
      path: `${i}|${'@:.<'.repeat(250)}`,
      action: 'failed',
      reason: `${'&|'.repeat(500)}\n`.repeat(4)
    }))
    const md = summaryMarkdown(outcomes, ctx)
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(SUMMARY_LIMIT)
    const tree = render(md)
    const rows = pathRows(tree)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.map(r => r[1])).toEqual(outcomes.slice(0, rows.length).map(o => o.path))
    expect(paragraphs(tree)).toContain(
      `…and ${600 - rows.length} more (see the step's resources output, or resources-file for every path).`
    )
  })
})
