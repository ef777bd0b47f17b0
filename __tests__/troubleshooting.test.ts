/**
 * The README's Troubleshooting section quotes the action's messages and its Limitations section
 * states the action's limits: both are read against the source, so that neither drifts from what
 * the action prints and does.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { DEFAULTS } from '../src/github/rules.js'
import { COMMENT_LIMIT } from '../src/report/comment.js'
import { RESOURCES_BUDGET_BYTES, SUMMARY_BUDGET_BYTES } from '../src/report/report.js'
import { COMPARE_FILE_LIMIT, PINNED_TREE_BUDGET } from '../src/repository/api-reader.js'
import {
  MAX_BRACE_DEPTH,
  MAX_BRACE_EXPANSIONS,
  MAX_EXPANDED_CHARS
} from '../src/repository/globs.js'
import { MAX_BATCH_SIZE, MAX_RELEASE_NOTES } from '../src/run/inputs.js'
import { MAX_FREE_TEXT_BYTES } from '../src/space/resource.js'
import { MAX_INSTRUCTIONS } from '../src/space/settings.js'
import { FIRST_BATCH, MAX_BATCH_BYTES } from '../src/sync/batch.js'
import { nodes, render, textOf, type AnyNode } from './helpers/report.js'

const readme = render(readFileSync('README.md', 'utf8')).children ?? []

/** The nodes under the README's `## <title>`, up to the next `##`. */
function section(title: string): AnyNode[] {
  const depth = (n: AnyNode) => (n.type === 'heading' ? (n as { depth?: number }).depth : 0)
  const start = readme.findIndex(n => depth(n) === 2 && textOf(n) === title)
  expect(start).toBeGreaterThanOrEqual(0)
  const end = readme.findIndex((n, i) => i > start && depth(n) === 2)
  return readme.slice(start + 1, end < 0 ? undefined : end)
}

/** Every code span in the columns headed "Message" or "Reason" of the section's tables. */
function quotedMessages(within: readonly AnyNode[]): string[] {
  return within
    .filter(n => n.type === 'table')
    .flatMap(table => {
      const [head, ...rows] = table.children ?? []
      const columns = (head?.children ?? []).flatMap((cell, i) =>
        /^(Message|Reason)\b/.test(textOf(cell)) ? [i] : []
      )
      return rows.flatMap(row =>
        columns.flatMap(i =>
          nodes(row.children?.[i] ?? { type: 'tableCell' })
            .filter(n => n.type === 'inlineCode')
            .map(n => n.value ?? '')
        )
      )
    })
}

/**
 * The source as its messages read: every file of src/, string literals joined where a message is
 * built with `+`, escaped quotes and backslashes as they print.
 */
const source = readdirSync('src', { recursive: true })
  .map(String)
  .filter(file => file.endsWith('.ts'))
  .map(file => readFileSync(join('src', file), 'utf8'))
  .join('\n')
  .replace(/(['"`])\s*\+\s*(['"`])/g, '')
  .replace(/\\(['"\\])/g, '$1')

/**
 * The fixed parts of a quoted message: the text between placeholders (`<path>`), `…` and numbers
 * (which the source computes), without the punctuation around them.
 */
function fixedParts(message: string): string[] {
  return message
    .split(/<[^>]*>|…|\d[\d,.]*(?: s\b)?/)
    .map(part => part.replace(/^[\s"'.,:;()]+|[\s"'.,:;()]+$/g, ''))
    .filter(part => /[A-Za-z]{2}/.test(part))
}

/** In the source as written, or as two pieces where a message joins two strings at a space. */
function inSource(part: string): boolean {
  if (source.includes(part)) return true
  for (let i = 4; i <= part.length - 4; i++) {
    if (part[i - 1] !== ' ') continue
    if (source.includes(part.slice(0, i).trimEnd()) && source.includes(part.slice(i))) return true
  }
  return false
}

describe('README: Troubleshooting', () => {
  it('quotes messages the source prints', () => {
    const messages = quotedMessages(section('Troubleshooting'))
    expect(messages.length).toBeGreaterThan(100)
    const unknown = messages.flatMap(m =>
      fixedParts(m)
        .filter(p => !inSource(p))
        .map(p => `${m}: ${p}`)
    )
    expect(unknown).toEqual([])
  })

  it('would notice a message the source does not print', () => {
    expect(fixedParts("Input 'token' is mandatory; got <value>.").every(inSource)).toBe(false)
    expect(fixedParts("Input 'token' is required; got an empty value.").every(inSource)).toBe(true)
  })
})

describe('README: Limitations', () => {
  it('states the limits the source sets', () => {
    const text = section('Limitations').map(textOf).join('\n')
    const n = (value: number) => value.toLocaleString('en-US')
    const stated = [
      `${MAX_FREE_TEXT_BYTES / 1024} KiB (${n(MAX_FREE_TEXT_BYTES)} bytes)`,
      `${n(MAX_INSTRUCTIONS)} characters`,
      `batch-size 1 to ${n(MAX_BATCH_SIZE)}`,
      `first batch of a run at most ${FIRST_BATCH}`,
      `${MAX_BATCH_BYTES / 1024 / 1024} MiB of entries`,
      `${RESOURCES_BUDGET_BYTES / 1024} KiB`,
      `under ${n(SUMMARY_BUDGET_BYTES)} bytes`,
      `${n(COMMENT_LIMIT)} characters`,
      `at most ${COMPARE_FILE_LIMIT} files`,
      `${PINNED_TREE_BUDGET} tree requests a run`,
      `at most ${MAX_RELEASE_NOTES} notes`,
      `${n(MAX_BRACE_EXPANSIONS)} patterns a line`,
      `${n(MAX_EXPANDED_CHARS)} characters`,
      `${MAX_BRACE_DEPTH} levels of nesting`,
      `${DEFAULTS.maxRequestMs / 1000} s with its retries`,
      `${DEFAULTS.maxFaultRetries} retries of server faults`,
      `${DEFAULTS.maxRateLimitRetries} waits for a rate limit`,
      `within ${DEFAULTS.primaryWaitBudgetMs / 60_000} minutes`
    ]
    expect(stated.filter(s => !text.includes(s))).toEqual([])
  })
})
