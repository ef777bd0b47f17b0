/**
 * The job summary as GitHub reads it (GFM, through mdast), and the step's summary and output
 * files and temp directory, for the report suites.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach } from '@jest/globals'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import type { ReportContext } from '../../src/report/report.js'

// GitHub refuses a step summary over 1 MiB; the action aims at a round million.
export const SUMMARY_LIMIT = 1_000_000

export const reportContext: ReportContext = {
  owner: 'octo-org',
  spaceLabel: 'octo-org/3',
  spaceUrl: 'https://github.com/copilot/spaces/octo-org/3',
  spaceNumber: 3,
  spaceCreated: false,
  settings: [],
  scopeReason: 'push: 2 files changed between a and b',
  commit: 'c'.repeat(40),
  othersCount: 2,
  notices: []
}

// ---- Rendering, the way GitHub reads the Markdown (GFM) ----

type MdNode = ReturnType<typeof fromMarkdown> | ReturnType<typeof fromMarkdown>['children'][number]
export interface AnyNode {
  type: string
  value?: string
  url?: string
  children?: AnyNode[]
}

export function render(markdown: string): AnyNode {
  return fromMarkdown(markdown, {
    extensions: [gfm()],
    mdastExtensions: [gfmFromMarkdown()]
  }) as MdNode as AnyNode
}

export function nodes(tree: AnyNode): AnyNode[] {
  return [tree, ...(tree.children ?? []).flatMap(nodes)]
}

/** What a reader sees of a node: its text and code, nothing of an HTML comment. */
export function textOf(node: AnyNode): string {
  if (node.type === 'text' || node.type === 'inlineCode') return node.value ?? ''
  return (node.children ?? []).map(textOf).join('')
}

/** The nodes that must come only from the action: links, images, HTML and headings. */
export function structure(tree: AnyNode) {
  const all = nodes(tree)
  return {
    links: all.filter(n => n.type === 'link').map(n => ({ url: n.url, text: textOf(n) })),
    images: all.filter(n => n.type === 'image').length,
    // The action writes empty comments between characters that could make an autolink
    // literal; they render as nothing. No other HTML.
    html: [...new Set(all.filter(n => n.type === 'html').map(n => n.value))],
    headings: all.filter(n => n.type === 'heading').map(textOf),
    emphasis: all.filter(n => ['emphasis', 'strong', 'delete'].includes(n.type)).map(textOf)
  }
}

export function tables(tree: AnyNode): string[][][] {
  return nodes(tree)
    .filter(n => n.type === 'table')
    .map(t => (t.children ?? []).map(row => (row.children ?? []).map(textOf)))
}

/** The rows of the per-path table, each as the text of its cells, header row left out. */
export function pathRows(doc: string | AnyNode): string[][] {
  const table = tables(typeof doc === 'string' ? render(doc) : doc).find(
    t => t[0]?.join('|') === '|Path|Resource|Detail'
  )
  return table ? table.slice(1) : []
}

export function paragraphs(doc: string | AnyNode): string[] {
  return nodes(typeof doc === 'string' ? render(doc) : doc)
    .filter(n => n.type === 'paragraph')
    .map(textOf)
}

/**
 * GITHUB_STEP_SUMMARY and GITHUB_OUTPUT, emptied before each test of the suite, and RUNNER_TEMP,
 * where `resources-file` goes. @actions/core remembers the summary file's path after its first
 * write: one file for the whole suite.
 */
export function useStepFiles(): { summaryFile: string; outputFile: string; runnerTemp: string } {
  const dir = mkdtempSync(join(tmpdir(), 'report-test-'))
  const files = {
    summaryFile: join(dir, 'summary.md'),
    outputFile: join(dir, 'output.txt'),
    runnerTemp: join(dir, 'runner-temp')
  }
  const saved = process.env.RUNNER_TEMP
  beforeAll(() => {
    process.env.GITHUB_STEP_SUMMARY = files.summaryFile
    process.env.GITHUB_OUTPUT = files.outputFile
    process.env.RUNNER_TEMP = files.runnerTemp
  })
  beforeEach(() => {
    writeFileSync(files.summaryFile, '')
    writeFileSync(files.outputFile, '')
    rmSync(files.runnerTemp, { recursive: true, force: true })
    mkdirSync(files.runnerTemp)
  })
  afterAll(() => {
    delete process.env.GITHUB_STEP_SUMMARY
    delete process.env.GITHUB_OUTPUT
    if (saved === undefined) delete process.env.RUNNER_TEMP
    else process.env.RUNNER_TEMP = saved
    rmSync(dir, { recursive: true, force: true })
  })
  return files
}
