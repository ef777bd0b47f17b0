/**
 * Report: the step's outputs and its job summary, from the outcomes of a run.
 */
import * as core from '@actions/core'
import type { OutcomeAction, Outcome } from './apply.js'

export const COUNTED: readonly OutcomeAction[] = [
  'created',
  'updated',
  'deleted',
  'unchanged',
  'skipped',
  'failed'
]

export type Counts = Record<OutcomeAction, number>

export function countOutcomes(outcomes: readonly Outcome[]): Counts {
  const counts = Object.fromEntries(COUNTED.map(k => [k, 0])) as Counts
  for (const o of outcomes) counts[o.action]++
  return counts
}

export interface ReportContext {
  spaceLabel: string
  spaceUrl: string
  scopeReason: string
  commit: string
  /** Why nothing was written, when nothing was: dry run or a pull request preview. */
  previewReason?: string
  othersCount: number
}

export function writeOutputs(outcomes: readonly Outcome[]): Counts {
  const counts = countOutcomes(outcomes)
  for (const key of COUNTED) core.setOutput(key, String(counts[key]))
  core.setOutput(
    'resources',
    JSON.stringify(
      outcomes.map(o => ({
        path: o.path,
        action: o.action,
        resource_id: o.resourceId ?? null,
        ...(o.previousPath ? { previous_path: o.previousPath } : {}),
        ...(o.reason ? { reason: o.reason } : {})
      }))
    )
  )
  return counts
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

/** The job summary keeps a bounded table: GitHub caps a step summary at 1 MiB. */
const MAX_ROWS = 500

const VERB: Record<OutcomeAction, string> = {
  created: 'Created',
  updated: 'Updated',
  deleted: 'Deleted',
  unchanged: 'Unchanged',
  skipped: 'Skipped',
  failed: 'Failed'
}
const PREVIEW_VERB: Partial<Record<OutcomeAction, string>> = {
  created: 'Would create',
  updated: 'Would update',
  deleted: 'Would delete'
}

export function summaryMarkdown(outcomes: readonly Outcome[], ctx: ReportContext): string {
  const counts = countOutcomes(outcomes)
  const verb = (a: OutcomeAction) => (ctx.previewReason ? (PREVIEW_VERB[a] ?? VERB[a]) : VERB[a])
  const lines: string[] = [
    `## Copilot Space sync: [${escapeHtml(ctx.spaceLabel)}](${ctx.spaceUrl})`,
    ''
  ]
  if (ctx.previewReason)
    lines.push(`> **Preview: nothing was written.** ${escapeHtml(ctx.previewReason)}`, '')
  lines.push(
    `Scope: ${escapeHtml(ctx.scopeReason)} (commit \`${ctx.commit.slice(0, 12)}\`).`,
    '',
    `| ${COUNTED.map(verb).join(' | ')} |`,
    `|${COUNTED.map(() => ' ---: |').join('')}`,
    `| ${COUNTED.map(k => counts[k]).join(' | ')} |`,
    ''
  )
  const rows = outcomes.filter(o => o.action !== 'unchanged')
  if (rows.length > 0) {
    lines.push('| | Path | Resource | Detail |', '| --- | --- | --- | --- |')
    for (const o of rows.slice(0, MAX_ROWS)) {
      const detail = [
        o.previousPath ? `from \`${escapeHtml(o.previousPath)}\`` : '',
        o.reason ? escapeHtml(o.reason) : ''
      ]
        .filter(Boolean)
        .join('; ')
      lines.push(
        `| ${verb(o.action)} | \`${escapeHtml(o.path).replace(/\|/g, '\\|')}\` | ${o.resourceId ?? ''} | ${detail.replace(/\|/g, '\\|')} |`
      )
    }
    if (rows.length > MAX_ROWS)
      lines.push('', `…and ${rows.length - MAX_ROWS} more (see the step's \`resources\` output).`)
    lines.push('')
  }
  if (ctx.othersCount > 0) {
    lines.push(
      `${ctx.othersCount} other resource(s) in the Space are not managed by this workflow and were left alone.`,
      ''
    )
  }
  return lines.join('\n')
}

export async function writeSummary(
  outcomes: readonly Outcome[],
  ctx: ReportContext
): Promise<void> {
  // Outside the runner (no GITHUB_STEP_SUMMARY) there is nowhere to write it.
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary.addRaw(summaryMarkdown(outcomes, ctx), true).write()
}

/** A run that failed as a whole still says so in the job summary. */
export async function writeErrorSummary(message: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary
    .addRaw(`## Copilot Space sync failed\n\n${escapeHtml(message)}\n`, true)
    .write()
}
