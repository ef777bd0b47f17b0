/**
 * Runs the committed action the way the GitHub Actions runner does: `node dist/index.js` with the
 * step's inputs (the `with:` values over action.yml's defaults) as INPUT_* variables, an event
 * payload file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and the workspace as cwd.
 * End-to-end tests, the demo and the benchmark all run the action through this.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** The folder holding action.yml, whether this runs from scripts/ or compiled under build/. */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'action.yml'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('action.yml not found above the runner')
    dir = parent
  }
  return dir
}

export const PROJECT_ROOT = findProjectRoot()

export interface RunActionOptions {
  /** The step's `with:` values. */
  with: Record<string, string>
  eventName: string
  payload: Record<string, unknown>
  /** GITHUB_WORKSPACE: a git checkout, or an empty folder for "no checkout". */
  workspace: string
  sha: string
  /** owner/name */
  repository: string
  apiUrl: string
  ref?: string
  serverUrl?: string
  /** `github.token`, the job's GITHUB_TOKEN (empty by default). */
  githubToken?: string
  /** GITHUB_WORKFLOW, the workflow's name (default "Copilot Space"). */
  workflow?: string
  /** Extra environment (e.g. HTTPS_PROXY); the rest is a clean runner-like environment. */
  env?: Record<string, string>
  timeoutMs?: number
}

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  durationMs: number
}

interface ActionInput {
  default?: string
  required?: boolean
}

/** The runner evaluates these expressions in action.yml defaults. */
function evaluateDefault(value: string, o: RunActionOptions): string {
  const github: Record<string, string> = {
    repository_owner: o.repository.split('/')[0] ?? '',
    repository: o.repository,
    api_url: o.apiUrl,
    server_url: o.serverUrl ?? 'https://github.com',
    sha: o.sha,
    token: o.githubToken ?? ''
  }
  return value.replace(/\$\{\{\s*github\.(\w+)\s*\}\}/g, (_, key: string) => github[key] ?? '')
}

/** Reads what @actions/core wrote to GITHUB_OUTPUT (`name<<DELIMITER\nvalue\nDELIMITER`). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!)
      outputs[name!] = value.join('\n')
    } else if (lines[i]!.includes('=')) {
      const at = lines[i]!.indexOf('=')
      outputs[lines[i]!.slice(0, at)] = lines[i]!.slice(at + 1)
    }
  }
  return outputs
}

export async function runAction(o: RunActionOptions): Promise<ActionRun> {
  const action = parse(readFileSync(join(PROJECT_ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, ActionInput>
    runs: { main: string }
  }
  const unknown = Object.keys(o.with).filter(k => !(k in action.inputs))
  if (unknown.length > 0) throw new Error(`action.yml has no input(s) ${unknown.join(', ')}`)

  const temp = mkdtempSync(join(tmpdir(), 'runner-'))
  try {
    const files = {
      event: join(temp, 'event.json'),
      output: join(temp, 'output'),
      summary: join(temp, 'summary.md'),
      state: join(temp, 'state'),
      env: join(temp, 'env'),
      path: join(temp, 'path')
    }
    writeFileSync(files.event, JSON.stringify(o.payload))
    for (const f of [files.output, files.summary, files.state, files.env, files.path])
      writeFileSync(f, '')

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: o.eventName,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_SHA: o.sha,
      GITHUB_REF: o.ref ?? 'refs/heads/main',
      GITHUB_REPOSITORY: o.repository,
      GITHUB_WORKFLOW: o.workflow ?? 'Copilot Space',
      GITHUB_RUN_ID: '4242',
      GITHUB_REPOSITORY_OWNER: o.repository.split('/')[0] ?? '',
      GITHUB_WORKSPACE: o.workspace,
      GITHUB_API_URL: o.apiUrl,
      GITHUB_SERVER_URL: o.serverUrl ?? 'https://github.com',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_STATE: files.state,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      RUNNER_TEMP: temp,
      ...o.env
    }
    for (const [name, input] of Object.entries(action.inputs)) {
      const value =
        o.with[name] ??
        (input.default !== undefined ? evaluateDefault(String(input.default), o) : '')
      env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
    }

    const started = Date.now()
    const child = spawn(process.execPath, [join(PROJECT_ROOT, action.runs.main)], {
      cwd: o.workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000)
    const code = await new Promise<number | null>(done => child.on('close', done))
    clearTimeout(timer)
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
      summary: readFileSync(files.summary, 'utf8'),
      durationMs: Date.now() - started
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}
