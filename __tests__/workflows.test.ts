/**
 * The repository's own automation, read as GitHub reads it: the workflows, Dependabot's
 * configuration, action.yml against the README's inputs table, .env.example against action.yml,
 * and CI against .ci/run.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { parseDocument } from 'yaml'
import { nodes, render, textOf, type AnyNode } from './helpers/report.js'

const WORKFLOWS = '.github/workflows'

interface Step {
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
interface Job {
  permissions?: unknown
  uses?: string
  steps?: Step[]
}
interface Workflow {
  permissions?: unknown
  jobs: Record<string, Job>
}
interface ActionInput {
  required?: boolean
  default?: string
}

/** The file's YAML, failing on any error or warning (a duplicate key, a bad indent). */
function readYaml<T>(path: string): T {
  const doc = parseDocument(readFileSync(path, 'utf8'))
  expect({ path, errors: doc.errors.map(e => e.message) }).toEqual({ path, errors: [] })
  expect({ path, warnings: doc.warnings.map(e => e.message) }).toEqual({ path, warnings: [] })
  return doc.toJS() as T
}

const workflowFiles = readdirSync(WORKFLOWS)
  .filter(name => /\.ya?ml$/.test(name))
  .sort()
const workflows = workflowFiles.map(name => ({
  name,
  workflow: readYaml<Workflow>(join(WORKFLOWS, name))
}))
const action = readYaml<{ inputs: Record<string, ActionInput> }>('action.yml')

// A local action, or owner/repo[/path] at a major version tag or a full commit sha.
const PINNED = /^(\.\/|[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+|[0-9a-f]{40}))$/

describe('the workflows', () => {
  it('are there: ci, check-dist and codeql', () => {
    expect(workflowFiles).toEqual(['check-dist.yml', 'ci.yml', 'codeql.yml'])
  })

  it('pin every action they use to a major version or a commit sha', () => {
    const refs = workflows.flatMap(({ name, workflow }) =>
      Object.entries(workflow.jobs).flatMap(([id, job]) =>
        [job.uses, ...(job.steps ?? []).map(s => s.uses)]
          .filter((uses): uses is string => uses !== undefined)
          .map(uses => `${name} ${id}: ${uses}`)
      )
    )
    expect(refs.length).toBeGreaterThan(0)
    expect(refs.filter(ref => !PINNED.test(ref.split(': ')[1]!))).toEqual([])
  })

  it('declare their permissions, for the workflow or for every job', () => {
    const open = workflows.flatMap(({ name, workflow }) =>
      workflow.permissions !== undefined
        ? []
        : Object.entries(workflow.jobs)
            .filter(([, job]) => job.permissions === undefined)
            .map(([id]) => `${name} ${id}`)
    )
    expect(open).toEqual([])
  })

  it("run the repository's own action in ci.yml's job 'action', with inputs action.yml has", () => {
    const ci = workflows.find(w => w.name === 'ci.yml')!.workflow
    const steps = ci.jobs.action?.steps ?? []
    const own = steps.filter(s => s.uses === './')
    expect(own.length).toBeGreaterThan(0)
    const required = Object.keys(action.inputs).filter(name => action.inputs[name]!.required)
    for (const step of own) {
      const given = Object.keys(step.with ?? {})
      expect(given.filter(name => !(name in action.inputs))).toEqual([])
      expect(required.filter(name => !given.includes(name))).toEqual([])
    }
  })

  it("run in ci.yml's job 'test' the commands of .ci/run, in its order", () => {
    const script = readFileSync('.ci/run', 'utf8')
      .split('\n')
      .map(line => line.trim())
      .filter(line => line !== '' && !/^(#|set |cd )/.test(line))
    const ci = workflows.find(w => w.name === 'ci.yml')!.workflow
    const runs = (ci.jobs.test?.steps ?? []).flatMap(s => (s.run ? [s.run.trim()] : []))
    expect(script.length).toBeGreaterThan(0)
    expect(runs).toEqual(script)
  })
})

describe('Dependabot', () => {
  it('updates npm and the workflow actions weekly, in groups', () => {
    const config = readYaml<{
      version: number
      updates: { 'package-ecosystem': string; schedule: { interval: string }; groups?: object }[]
    }>('.github/dependabot.yml')
    expect(config.version).toBe(2)
    expect(config.updates.map(u => u['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm'
    ])
    for (const update of config.updates) {
      expect(update.schedule.interval).toBe('weekly')
      expect(Object.keys(update.groups ?? {}).length).toBeGreaterThan(0)
    }
  })
})

describe('action.yml', () => {
  it("has exactly the inputs the README's Inputs table lists", () => {
    const tree = render(readFileSync('README.md', 'utf8'))
    const top = tree.children ?? []
    const heading = top.findIndex(n => n.type === 'heading' && textOf(n) === 'Inputs')
    expect(heading).toBeGreaterThanOrEqual(0)
    const table = top.slice(heading + 1).find(n => n.type === 'table' || n.type === 'heading')
    expect(table?.type).toBe('table')
    const rows = (table!.children ?? []).slice(1)
    const firstCell = (row: AnyNode) => nodes(row.children![0]!).find(n => n.type === 'inlineCode')
    const listed = rows.map(row => firstCell(row)?.value ?? `(no input in "${textOf(row)}")`)
    expect(listed.sort()).toEqual(Object.keys(action.inputs).sort())
  })
})

describe('.env.example', () => {
  const env = new Map(
    readFileSync('.env.example', 'utf8')
      .split('\n')
      .filter(line => /^[A-Z]/.test(line))
      .map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
  )

  it('sets every input whose default local-action cannot evaluate, and every required one', () => {
    const needed = Object.entries(action.inputs)
      .filter(([, input]) => input.required || String(input.default ?? '').includes('${{'))
      .map(([name]) => name)
    expect(needed).toEqual(expect.arrayContaining(['token', 'owner', 'api-url']))
    // The runner's spelling: INPUT_, the name in capitals, hyphens kept.
    const unset = needed.filter(name => !env.get(`INPUT_${name.toUpperCase()}`))
    expect(unset).toEqual([])
  })

  it('sets only inputs action.yml has', () => {
    const names = new Set(Object.keys(action.inputs).map(name => `INPUT_${name.toUpperCase()}`))
    expect([...env.keys()].filter(k => k.startsWith('INPUT_') && !names.has(k))).toEqual([])
  })
})
