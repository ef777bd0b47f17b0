/**
 * Report: the step's outputs and its job summary, from the outcomes of a run.
 */
import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { characters, type SettingChange } from '../space/settings.js'
import type { OutcomeAction, Outcome } from '../sync/apply.js'
import type { PlannedAction } from '../sync/plan.js'
import { clipText, codeText, linkDestination, plainText } from './markdown.js'
import * as out from './log.js'

export const COUNTED: readonly OutcomeAction[] = [
  'created',
  'updated',
  'deleted',
  'unchanged',
  'skipped',
  'failed',
  'not-sent'
]

/** What did not reach the Space: the step fails on any. */
const UNSYNCED: ReadonlySet<OutcomeAction> = new Set(['failed', 'not-sent'])

/**
 * A count with thousands separators, as toLocaleString('en-US') writes it, without loading ICU's
 * locale data for it (30 ms of every run's start).
 */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

export type Counts = Record<OutcomeAction, number>

export function countOutcomes(outcomes: readonly Outcome[]): Counts {
  const counts = Object.fromEntries(COUNTED.map(k => [k, 0])) as Counts
  for (const o of outcomes) counts[o.action]++
  return counts
}

export interface ReportContext {
  owner: string
  spaceLabel: string
  spaceUrl: string
  /** The Space's number once known (it is not for a Space a preview would create). */
  spaceNumber?: number
  /** This run created the Space (`create-space`). */
  spaceCreated: boolean
  /** The name of the Space a preview would create. */
  spaceToCreate?: string
  /** The Space's settings that differ from the repository's, written unless previewing. */
  settings: SettingChange[]
  scopeReason: string
  commit: string
  /** A push's commit range and its compare page, both commits checked to be object ids. */
  compare?: { base: string; head: string; url: string }
  /** Why nothing was written, when nothing was: dry run or a pull request preview. */
  previewReason?: string
  othersCount: number
  /** What went wrong beyond single paths (batching surprised by GitHub's answer): shown first. */
  notices: string[]
}

/**
 * GitHub keeps at most 1 MB of outputs per job, all steps together; half a MiB for `resources`
 * leaves the rest to the other steps of the job.
 */
export const RESOURCES_BUDGET_BYTES = 512 * 1024

/** The counts, as before, and what the caller must log about `resources` and `resources-file`. */
export interface WrittenOutputs extends Counts {
  /** Some entries were left out of `resources` to keep it within its budget. */
  resourcesTruncated: boolean
  /** The file holding every entry (the `resources-file` output); undefined when it could not be written. */
  resourcesFile?: string
  /**
   * For the log: how many entries a truncated `resources` left out, and a `resources-file` that
   * could not be written. No path of the repository in them.
   */
  warnings: string[]
}

/** An outcome, and the Space it is of when a run syncs several (`config`). */
export type SpaceOutcome = Outcome & { space?: string }

/** In a preview, the entries say what would happen. */
const PREVIEW_ACTION: Partial<Record<OutcomeAction, string>> = {
  created: 'would-create',
  updated: 'would-update',
  deleted: 'would-delete'
}

function resourceEntry(o: SpaceOutcome, preview: boolean): string {
  // Keys given undefined are left out, in this order.
  return JSON.stringify({
    space: o.space,
    path: o.path,
    action: (preview && PREVIEW_ACTION[o.action]) || o.action,
    resource_id: o.resourceId ?? null,
    previous_path: o.previousPath || undefined,
    reason: o.reason || undefined
  })
}

/**
 * The `resources` JSON array within `budget` bytes. When everything does not fit, the unchanged
 * entries go first (they say the least), then the rest is cut; the kept entries stay in order.
 * An entry is made only when it is looked at: 100,000 unchanged paths fill the budget with a
 * few thousand.
 */
function resourcesJson(
  outcomes: readonly Outcome[],
  entry: (i: number) => string,
  budget: number
): { json: string; omitted: number; omittedUnchanged: number } {
  const kept = new Map<number, string>()
  let used = 2
  const fill = (unchanged: boolean): boolean => {
    for (let i = 0; i < outcomes.length; i++) {
      if ((outcomes[i]!.action === 'unchanged') !== unchanged) continue
      const e = entry(i)
      const cost = Buffer.byteLength(e) + (kept.size > 0 ? 1 : 0)
      if (used + cost > budget) return false
      used += cost
      kept.set(i, e)
    }
    return true
  }
  if (fill(false)) fill(true)
  let omittedUnchanged = 0
  for (let i = 0; i < outcomes.length; i++) {
    if (!kept.has(i) && outcomes[i]!.action === 'unchanged') omittedUnchanged++
  }
  const inOrder = [...kept].sort((a, b) => a[0] - b[0]).map(([, e]) => e)
  return {
    json: `[${inOrder.join(',')}]`,
    omitted: outcomes.length - kept.size,
    omittedUnchanged
  }
}

/**
 * A new file for the `resources-file` output, one per step run: in the runner's temp directory
 * (emptied after each job) when there is one, else in the OS's.
 */
export function resourcesFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.RUNNER_TEMP || tmpdir(), `copilot-space-sync-${randomUUID()}.json`)
}

/**
 * The file is written through one buffer of this many bytes, filled and written again and again:
 * never one string, and no fresh memory for each piece (100,000 entries are some 9 MB).
 */
const FILE_BUFFER_BYTES = 1 << 20

/**
 * Every entry as one JSON array, an entry a line, written piece by piece (an entry is made as its
 * turn comes, never all at once). The file must not exist yet; a file left half-written by a
 * failure is removed.
 */
async function writeResourcesFile(
  path: string,
  count: number,
  entry: (i: number) => string
): Promise<void> {
  const file = await open(path, 'wx')
  let complete = false
  const buffer = Buffer.allocUnsafe(FILE_BUFFER_BYTES)
  let used = 0
  // At most 3 bytes of UTF-8 for each UTF-16 unit: what is put is never cut. Only a full buffer
  // waits for the disk; the rest is synchronous, entry after entry.
  const fits = (text: string) => used + 3 * text.length <= buffer.length
  const put = async (text: string) => {
    if (!fits(text)) {
      await file.write(buffer, 0, used)
      used = 0
    }
    if (fits(text)) used += buffer.write(text, used)
    else await file.write(text)
  }
  try {
    await put('[')
    for (let i = 0; i < count; i++) {
      const text = `${i > 0 ? ',' : ''}\n${entry(i)}`
      if (fits(text)) used += buffer.write(text, used)
      else await put(text)
    }
    await put('\n]\n')
    await file.write(buffer, 0, used)
    complete = true
  } finally {
    await file.close()
    if (!complete) await rm(path, { force: true })
  }
}

/**
 * Sets the step's outputs, and writes every entry to the file `resources-file` names. In a
 * `preview` (nothing written on purpose) the counts and entries are what would happen. It never
 * logs: warnings come back in the result for the caller to log.
 */
export async function writeOutputs(
  outcomes: readonly SpaceOutcome[],
  { preview = false, budget = RESOURCES_BUDGET_BYTES }: { preview?: boolean; budget?: number } = {}
): Promise<WrittenOutputs> {
  const counts = countOutcomes(outcomes)
  for (const key of COUNTED) core.setOutput(key, String(counts[key]))
  core.setOutput('preview', String(preview))
  const entry = (i: number) => resourceEntry(outcomes[i]!, preview)
  const warnings: string[] = []

  let resourcesFile: string | undefined = resourcesFilePath()
  try {
    await writeResourcesFile(resourcesFile, outcomes.length, entry)
  } catch (error) {
    warnings.push(
      `Could not write every entry to ${resourcesFile} (${error instanceof Error ? error.message : String(error)}); ` +
        'the resources-file output is empty.'
    )
    resourcesFile = undefined
  }
  core.setOutput('resources-file', resourcesFile ?? '')

  const { json, omitted, omittedUnchanged } = resourcesJson(outcomes, entry, budget)
  core.setOutput('resources', json)
  core.setOutput('resources-truncated', omitted > 0 ? 'true' : 'false')
  if (omitted > 0) {
    const others = omitted - omittedUnchanged
    warnings.unshift(
      `The resources output leaves out ${omitted} of ${outcomes.length} entries ` +
        `(${omittedUnchanged} unchanged, ${others} other) to stay within ${budget} bytes ` +
        `(GitHub keeps at most 1 MB of outputs per job); resources-truncated is true.` +
        (resourcesFile
          ? ` Every entry is in the file named by the resources-file output: ${resourcesFile}`
          : '')
    )
  }
  return { ...counts, resourcesTruncated: omitted > 0, resourcesFile, warnings }
}

/**
 * GitHub refuses a step summary over 1 MiB (1,048,576 bytes); the summary stays under a round
 * million, which leaves room for a line break and an error summary's heading.
 */
export const SUMMARY_BUDGET_BYTES = 1_000_000

/** The table also stops at this many rows: past it, a table is no longer read. */
const MAX_ROWS = 500

/** Longest path shown; a longer one is cut, saying by how much. */
const MAX_PATH_CHARS = 4096

/**
 * Longest message shown, far above any GitHub sends: it only keeps one message from taking the
 * summary's whole 1 MiB. A longer one is cut, saying by how much; the log has it whole, and a
 * path's reason is whole in `resources-file` too.
 */
const MAX_MESSAGE_CHARS = 32_768

/**
 * A message longer than this goes to the list under the table, where it wraps as a paragraph
 * does; in a cell it would stretch the table sideways. The cell points to it by its number.
 */
const MAX_CELL_CHARS = 160

const VERB: Record<OutcomeAction, string> = {
  created: 'Created',
  updated: 'Updated',
  deleted: 'Deleted',
  unchanged: 'Unchanged',
  skipped: 'Skipped',
  failed: 'Failed',
  'not-sent': 'Not sent'
}
const PREVIEW_VERB: Partial<Record<OutcomeAction, string>> = {
  created: 'Would create',
  updated: 'Would update',
  deleted: 'Would delete'
}
/** Marks the rows of what did not reach the Space, which come first. */
const UNSYNCED_MARK = '✖'

/** The `files` input's name, as the action's messages quote it. */
const FILES_INPUT = "'files'"

/**
 * Free text (a reason, a message) as Markdown that renders as the text, the name of the `files`
 * input as code: the one change a reader sees is the code span in place of its quotes.
 */
function prose(text: string, max = MAX_MESSAGE_CHARS): string {
  return clipText(text, max).split(FILES_INPUT).map(plainText).join('`files`')
}
/** A path as Markdown that renders as the path, in a code span when it can be one. */
const pathText = (path: string) => {
  const clipped = clipText(path, MAX_PATH_CHARS)
  return clipped === path ? codeText(path) : plainText(clipped)
}

const bytesOf = (lines: readonly string[]) => Buffer.byteLength(lines.join('\n'))

const omittedLine = (count: number) =>
  `…and ${count} more (see the step's \`resources\` output, or \`resources-file\` for every path).`

const NOTES_HEAD = 'Messages too long for the table:'

/** The rows of the table: what did not reach the Space first, then the rest; unchanged ones not. */
function tableOrder(outcomes: readonly Outcome[]): Outcome[] {
  return [
    ...outcomes.filter(o => UNSYNCED.has(o.action)),
    ...outcomes.filter(o => !UNSYNCED.has(o.action) && o.action !== 'unchanged')
  ]
}

/**
 * A row's detail: the path a rename came from, then the reason unless it says only that. A long
 * reason is a numbered note under the table, each text once however many rows share it.
 */
function detailCell(o: Outcome, notes: Map<string, number>): { cell: string; note?: string } {
  const renamed = o.previousPath !== undefined ? `renamed from ${pathText(o.previousPath)}` : ''
  const reason = o.reason && o.reason !== `renamed from ${o.previousPath}` ? o.reason : ''
  if ([...reason].length <= MAX_CELL_CHARS) {
    return { cell: [renamed, reason ? prose(reason) : ''].filter(Boolean).join('; ') }
  }
  const known = notes.get(reason)
  const number = known ?? notes.size + 1
  const cell = [renamed, `see (${number}) below`].filter(Boolean).join('; ')
  return known !== undefined ? { cell } : { cell, note: `${number}. ${prose(reason)}` }
}

/**
 * The job summary as Markdown of at most `budget` bytes (as long as the heading and counts fit).
 * Everything that came from outside, from paths to GitHub's messages, renders as the text it is;
 * the links are the action's own: the Space (from each resource's id too) and a push's commits.
 */
export function summaryMarkdown(
  outcomes: readonly Outcome[],
  ctx: ReportContext,
  budget: number = SUMMARY_BUDGET_BYTES
): string {
  const counts = countOutcomes(outcomes)
  const verb = (a: OutcomeAction) => (ctx.previewReason ? (PREVIEW_VERB[a] ?? VERB[a]) : VERB[a])
  const counted = COUNTED.filter(k => k !== 'not-sent' || counts[k] > 0)
  const head: string[] = [
    `## Copilot Space sync: [${prose(ctx.spaceLabel)}](${linkDestination(ctx.spaceUrl)})`,
    ''
  ]
  if (ctx.previewReason)
    head.push(`> **Preview: nothing was written.** ${prose(ctx.previewReason)}`, '')
  for (const notice of ctx.notices) head.push(`> **Warning:** ${prose(notice)}`, '')
  head.push(
    `Scope: ${prose(ctx.scopeReason)} (commit ${codeText(ctx.commit.slice(0, 12))}).${compareLink(ctx)}`,
    '',
    ...spaceLines(ctx),
    `| ${counted.map(verb).join(' | ')} |`,
    `|${counted.map(() => ' ---: |').join('')}`,
    `| ${counted.map(k => counts[k]).join(' | ')} |`,
    ''
  )
  const foot: string[] = []
  if (ctx.othersCount > 0) {
    foot.push(
      `${ctx.othersCount} other resource(s) in the Space are not managed by this workflow and were left alone.`,
      ''
    )
  }

  const rows = tableOrder(outcomes)
  const table = ['| | Path | Resource | Detail |', '| --- | --- | --- | --- |']
  // What must fit besides the rows and notes: heading, counts, table head, the notes' heading,
  // the line counting the rows left out (at its longest) and the footer, each joined by a line
  // break.
  let used =
    bytesOf(head) +
    1 +
    bytesOf(table) +
    1 +
    bytesOf(['', NOTES_HEAD, '']) +
    1 +
    bytesOf(['', omittedLine(rows.length), '']) +
    1
  used += foot.length > 0 ? bytesOf(foot) + 1 : 0
  const shown: string[] = []
  const notes = new Map<string, number>()
  const noteLines: string[] = []
  for (const o of rows.slice(0, MAX_ROWS)) {
    const mark = UNSYNCED.has(o.action) ? `${UNSYNCED_MARK} ` : ''
    const { cell, note } = detailCell(o, notes)
    const row = `| ${mark}${verb(o.action)} | ${pathText(o.path)} | ${resourceCell(o, ctx)} | ${cell} |`
    const cost = Buffer.byteLength(row) + 1 + (note ? Buffer.byteLength(note) + 1 : 0)
    if (used + cost > budget) break
    used += cost
    shown.push(row)
    if (note) {
      notes.set(o.reason!, notes.size + 1)
      noteLines.push(note)
    }
  }

  const lines = [...head]
  if (shown.length > 0) lines.push(...table, ...shown)
  if (noteLines.length > 0) lines.push('', NOTES_HEAD, '', ...noteLines)
  if (rows.length > shown.length) lines.push('', omittedLine(rows.length - shown.length))
  if (rows.length > 0) lines.push('')
  lines.push(...foot)
  return lines.join('\n')
}

/**
 * A resource's id, linked to the Space's page: GitHub gives a resource no page of its own, and
 * the Space's URL is the one the action built from the server URL and the Space's number.
 */
function resourceCell(o: Outcome, ctx: ReportContext): string {
  if (o.resourceId === undefined) return ''
  if (ctx.spaceNumber === undefined) return String(o.resourceId)
  return `[${o.resourceId}](${linkDestination(ctx.spaceUrl)})`
}

/** A push's commit range, linked to its compare page. */
function compareLink(ctx: ReportContext): string {
  if (!ctx.compare) return ''
  const { base, head, url } = ctx.compare
  return ` Changes: [${codeText(`${base.slice(0, 7)}...${head.slice(0, 7)}`)}](${linkDestination(url)}).`
}

/** What the run did (or would do) to the Space itself: its creation, its settings. */
function spaceLines(ctx: ReportContext): string[] {
  const lines: string[] = []
  if (ctx.spaceCreated) {
    lines.push(
      `Created this Space (\`create-space\`): number ${ctx.spaceNumber}. Its number can replace \`space-name\` in the workflow.`,
      ''
    )
  }
  if (ctx.spaceToCreate) {
    lines.push(`Would create the Space ${prose(ctx.spaceToCreate)} (\`create-space\`).`, '')
  }
  if (ctx.settings.length === 0) return lines
  const verb = ctx.previewReason ? 'Would set' : 'Set'
  lines.push('| | Setting | Input | From | To |', '| --- | --- | --- | --- | --- |')
  for (const c of ctx.settings) {
    const value = (v: string | null) => prose(clipText(settingValue(c, v), 300))
    lines.push(`| ${verb} | \`${c.field}\` | \`${c.input}\` | ${value(c.from)} | ${value(c.to)} |`)
  }
  lines.push('')
  return lines
}

/** What the step summary file already holds: it counts towards the same 1 MiB. */
function summaryBytesSoFar(): number {
  try {
    return statSync(process.env.GITHUB_STEP_SUMMARY ?? '').size
  } catch {
    return 0
  }
}

export async function writeSummary(
  outcomes: readonly Outcome[],
  ctx: ReportContext
): Promise<void> {
  await writeSummaries([{ report: ctx, outcomes }])
}

/** The error summary as Markdown of at most `budget` bytes; the message renders as the text. */
export function errorSummaryMarkdown(
  message: string,
  budget: number = SUMMARY_BUDGET_BYTES
): string {
  const markdown = (keep: number) => `## Copilot Space sync failed\n\n${prose(message, keep)}`
  const length = [...message].length
  if (Buffer.byteLength(markdown(length)) <= budget) return markdown(length)
  // The longest start of the message that fits, found by halving.
  let fits = 0
  let tooLong = length
  while (tooLong - fits > 1) {
    const keep = Math.floor((fits + tooLong) / 2)
    if (Buffer.byteLength(markdown(keep)) <= budget) fits = keep
    else tooLong = keep
  }
  return markdown(fits)
}

/** A run that failed as a whole still says so in the job summary. */
export async function writeErrorSummary(message: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const budget = SUMMARY_BUDGET_BYTES - summaryBytesSoFar() - 1
  await core.summary.addRaw(errorSummaryMarkdown(message, budget), true).write()
}

/** What the report reads of the run's context (the runner's variables and the event). */
interface RunFacts {
  eventName: string
  serverUrl: string
  repoOwner: string
  repoName: string
  payload: { before?: unknown; after?: unknown }
}

/** What the report says about a run besides its outcomes. */
export function reportContext(
  settings: {
    owner: string
    spaceNumber?: number
    spaceName?: string
    config?: string
    dryRun: boolean
  },
  run: RunFacts & { sha: string },
  scope: { reason: string; commit?: string },
  write: boolean
): ReportContext {
  const { owner, spaceNumber, spaceName, config } = settings
  const compare = pushCompare(run)
  return {
    owner,
    spaceLabel:
      spaceNumber !== undefined || spaceName !== undefined
        ? `${owner}/${spaceNumber ?? JSON.stringify(spaceName)}`
        : `the Spaces of ${config}`,
    spaceUrl: `${run.serverUrl}/copilot/spaces/${encodeURIComponent(owner)}${spaceNumber ? `/${spaceNumber}` : ''}`,
    spaceNumber,
    spaceCreated: false,
    settings: [],
    scopeReason: scope.reason,
    commit: scope.commit ?? run.sha,
    ...(compare ? { compare } : {}),
    previewReason: settings.dryRun
      ? 'dry-run is true.'
      : !write
        ? `${run.eventName} events only preview the sync.`
        : undefined,
    othersCount: 0,
    notices: []
  }
}

/** A commit's full object id (SHA-1 or SHA-256), and nothing else: all that enters a URL. */
const OBJECT_ID = /^([0-9a-f]{40}|[0-9a-f]{64})$/

/**
 * A push's commits and their compare page on the server, when the payload names two commits
 * (a new branch's `before` is all zeros: no range).
 */
function pushCompare(run: RunFacts): ReportContext['compare'] {
  const { before, after } = run.payload
  if (run.eventName !== 'push' || typeof before !== 'string' || typeof after !== 'string') return
  if (!OBJECT_ID.test(before) || !OBJECT_ID.test(after) || /^0+$/.test(before)) return
  const repo = `${encodeURIComponent(run.repoOwner)}/${encodeURIComponent(run.repoName)}`
  return { base: before, head: after, url: `${run.serverUrl}/${repo}/compare/${before}...${after}` }
}

/** The Space the run resolved, and its settings that differ. */
export function reportTarget(
  report: ReportContext,
  target: { ref?: { number: number }; label: string; url: string; created: boolean },
  settings: SettingChange[]
): void {
  report.spaceLabel = target.label
  report.spaceUrl = target.url
  report.spaceNumber = target.ref?.number
  report.spaceCreated = target.created
  report.spaceToCreate = target.ref ? undefined : target.label
  report.settings = settings
}

/** What to say when GitHub's answer holds a setting otherwise than sent. */
export function notHeld(c: SettingChange): string {
  return `GitHub's answer holds the Space's ${c.field} otherwise than sent (input '${c.input}'): the next run will find it different and write it again. GitHub may store the text in another form (line endings, trailing spaces); if this repeats, adjust the text to the form GitHub keeps.`
}

/** How a setting's value is shown: the instructions by their file and length, never their text. */
function settingValue(c: SettingChange, value: string | null): string {
  if (value === null) return 'unset'
  if (c.field !== 'general_instructions') return JSON.stringify(value)
  return `${thousands(characters(value))} characters`
}

/** One line per setting that differs, for the log (its values as data, on one line). */
function settingLine(c: SettingChange): string {
  return `${'setting'.padEnd(9)} ${c.field} (input '${c.input}'): ${settingValue(c, c.from)} → ${settingValue(c, c.to)}`
}

/** One Space of a run: its report and outcomes, or why it failed as a whole. */
export interface SpaceRun {
  report: ReportContext
  outcomes: readonly Outcome[]
  /** The Space failed as a whole (not found, refused, ...): nothing, or only part, was written. */
  error?: string
}

/** The `spaces` output: one entry per Space, its owner, number, page and counts. */
function spacesJson(runs: readonly SpaceRun[]): string {
  return JSON.stringify(
    runs.map(r => ({
      space: r.report.spaceLabel,
      owner: r.report.owner,
      number: r.report.spaceNumber ?? null,
      url: r.report.spaceNumber === undefined ? null : r.report.spaceUrl,
      ...countOutcomes(r.outcomes),
      ...(r.error !== undefined ? { error: r.error } : {})
    }))
  )
}

/**
 * The outputs, the job summary (a section per Space) and the closing lines of the log; fails the
 * step if a path or a Space failed, after every Space was reported.
 */
export async function reportRun(runs: readonly SpaceRun[]): Promise<void> {
  const several = runs.length > 1
  const all = runs.flatMap(r =>
    several ? r.outcomes.map(o => ({ ...o, space: r.report.spaceLabel })) : r.outcomes
  )
  const preview = runs.length > 0 && runs.every(r => r.report.previewReason !== undefined)
  const counts = await writeOutputs(all, { preview })
  const one = runs.length === 1 ? runs[0]!.report : undefined
  const number = one?.spaceNumber
  core.setOutput('space-number', number === undefined ? '' : String(number))
  core.setOutput('space-url', number === undefined ? '' : one!.spaceUrl)
  core.setOutput('spaces', spacesJson(runs))
  for (const warning of [...runs.flatMap(r => r.report.notices), ...counts.warnings]) {
    out.warning(warning)
  }
  await writeSummaries(runs)
  for (const r of runs) {
    const c = countOutcomes(r.outcomes)
    const space = several ? `${r.report.spaceLabel}: ` : ''
    out.info(
      r.error !== undefined
        ? `${space}failed: ${r.error}`
        : `${space}${r.report.previewReason ? 'Preview' : 'Done'}: ${c.created} created, ${c.updated} updated, ${c.deleted} deleted, ` +
            `${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed` +
            `${c['not-sent'] > 0 ? `, ${c['not-sent']} not sent` : ''}.`
    )
  }
  const failedSpaces = runs.filter(r => r.error !== undefined)
  for (const r of failedSpaces) out.error(`${r.report.spaceLabel}: ${r.error}`)
  const unsynced = counts.failed + counts['not-sent']
  annotateUnsynced(all, MAX_ERROR_ANNOTATIONS - failedSpaces.length)
  if (failedSpaces.length > 0 || unsynced > 0) {
    const parts = [
      failedSpaces.length > 0
        ? `${failedSpaces.length} of ${runs.length} Space(s) failed (${failedSpaces.map(r => r.report.spaceLabel).join(', ')})`
        : '',
      unsynced > 0 ? `${unsynced} path(s) were not synced` : ''
    ].filter(Boolean)
    // Each failure has its annotation already: the step fails without one more.
    out.failStep(`${parts.join('; ')}; the others were synced. See the log and the job summary.`)
  }
}

/** GitHub shows at most 10 error annotations of a step; more would be lost. */
const MAX_ERROR_ANNOTATIONS = 10

/**
 * One error annotation per cause of the paths that did not reach the Space, with the count; the
 * paths of a cause shared by several are listed in the log under it. A path alone in its cause
 * is annotated on the file. Past the annotations GitHub shows, the other causes share one.
 */
function annotateUnsynced(all: readonly SpaceOutcome[], slots: number): void {
  const byCause = new Map<string, SpaceOutcome[]>()
  for (const o of all) {
    if (!UNSYNCED.has(o.action)) continue
    const cause = o.cause ?? o.reason ?? ''
    const group = byCause.get(cause)
    if (group) group.push(o)
    else byCause.set(cause, [o])
  }
  const causes = [...byCause]
  const shown = causes.length > slots ? causes.slice(0, Math.max(0, slots - 1)) : causes
  for (const [cause, group] of shown) {
    if (group.length === 1) {
      const [o] = group as [SpaceOutcome]
      const title =
        o.action === 'failed' ? 'Copilot Space sync failed' : 'Not sent to the Copilot Space'
      out.annotateError(`${where(o)}${o.path}: ${o.reason}`, { title, file: o.path })
      continue
    }
    out.annotateError(`${unsyncedCount(group)}: ${cause}`, {
      title: `${group.length} resources not synced to the Copilot Space`
    })
    logPaths(group)
  }
  const rest = causes.slice(shown.length)
  if (rest.length === 0) return
  const paths = rest.reduce((n, [, group]) => n + group.length, 0)
  out.annotateError(
    `${paths} more resource(s) were not synced, for ${rest.length} other cause(s): each is in the log below.`,
    { title: `${paths} more resources not synced to the Copilot Space` }
  )
  for (const [cause, group] of rest) {
    out.info(`${unsyncedCount(group)}: ${cause}`)
    logPaths(group)
  }
}

/** The Space an outcome is of, when a run syncs several. */
const where = (o: SpaceOutcome) => (o.space !== undefined ? `${o.space}: ` : '')

/** The paths of one cause, a line each, under its annotation. */
function logPaths(group: readonly SpaceOutcome[]): void {
  for (const o of group) {
    out.info(`  ${where(o)}${o.path}${o.action === 'not-sent' ? ' (not sent)' : ''}`)
  }
}

/** "8 resources failed", or how many failed and how many were not sent. */
function unsyncedCount(group: readonly Outcome[]): string {
  const failed = group.filter(o => o.action === 'failed').length
  const n = group.length
  return failed === n
    ? `${n} resource(s) failed`
    : `${n} resource(s) were not synced (${failed} failed, ${n - failed} not sent)`
}

/** Each Space's section of the job summary, the 1 MiB shared between them. */
async function writeSummaries(runs: readonly SpaceRun[]): Promise<void> {
  // Outside the runner (no GITHUB_STEP_SUMMARY) there is nowhere to write it.
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const left = SUMMARY_BUDGET_BYTES - summaryBytesSoFar() - 1 - 2 * (runs.length - 1)
  const budget = Math.floor(left / runs.length)
  const sections = runs.map(r =>
    r.error !== undefined
      ? errorSummaryMarkdown(`${r.report.spaceLabel}: ${r.error}`, budget)
      : summaryMarkdown(r.outcomes, r.report, budget)
  )
  await core.summary.addRaw(sections.join('\n\n'), true).write()
}

/**
 * The plan as it will be applied, in a collapsible group titled with the number of paths: one
 * line per change (every kind but `unchanged` and `skip`), then one line counting the unchanged
 * paths, so a no-op reconcile of 100,000 files logs one line in the group, not 100,000. Each
 * skipped path follows the group on a line of its own with its reason, where nobody has to open
 * the group to see why a file is not in the Space.
 */
export async function logPlan(
  actions: readonly PlannedAction[],
  settings: readonly SettingChange[],
  log: (line: string) => void
): Promise<void> {
  let skipped = 0
  await out.group(`Plan: ${actions.length} path(s)`, async () => {
    for (const c of settings) log(settingLine(c))
    let unchanged = 0
    for (const a of actions) {
      if (a.kind === 'unchanged') unchanged++
      else if (a.kind === 'skip') skipped++
      else log(`${a.kind.padEnd(9)} ${a.path}${'reason' in a ? ` (${a.reason})` : ''}`)
    }
    log(`unchanged: ${thousands(unchanged)} path(s)`)
    if (skipped > 0) log(`skipped: ${thousands(skipped)} path(s), each after this group`)
  })
  if (skipped === 0) return
  for (const a of actions) if (a.kind === 'skip') log(`Skipped ${a.path}: ${a.reason}`)
}
