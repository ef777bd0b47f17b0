/**
 * `npm run emulator`: the compiled CLI, spawned as a person or a workflow job runs it, and the
 * committed dist/index.js run against it with the inputs it prints.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { PROJECT_ROOT, runAction } from '../scripts/runner.js'
import { expectSuccess } from './helpers/e2e.js'
import { createRepo, removeRepos } from './helpers/git-repo.js'

const CLI = join(PROJECT_ROOT, 'build', 'emulator', 'cli.js')
const OPTIONS = ['--port', '--repository', '--dir', '--token', '--help']

interface Exit {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the CLI to its end; one that starts serving is killed by the timeout and fails the test. */
function runCli(args: string[], cwd = PROJECT_ROOT): Promise<Exit> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the CLI did not exit; it printed:\n${stdout}${stderr}`))
    }, 10_000)
    child.on('close', code => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
  })
}

interface Serving {
  child: ChildProcess
  banner: string
  url: string
  exited: Promise<number | null>
}

/** Starts the CLI and waits for its banner, which ends with how to stop it. */
function serve(args: string[]): Promise<Serving> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH }
    })
    const exited = new Promise<number | null>(resolve => child.on('close', resolve))
    let banner = ''
    child.stderr.on('data', (d: Buffer) => reject(new Error(`the CLI failed: ${d.toString()}`)))
    child.stdout.on('data', (d: Buffer) => {
      banner += d.toString()
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1]
      if (url && banner.includes('Ctrl-C to stop.')) done({ child, banner, url, exited })
    })
  })
}

beforeAll(() => {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.tools.json'], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit'
  })
}, 120_000)

afterAll(removeRepos)

describe('the emulator CLI', () => {
  it.each([['--help'], ['-h']])(
    '%s prints every option and exits 0 without serving',
    async flag => {
      const { code, stdout, stderr } = await runCli([flag])
      expect(code).toBe(0)
      expect(stderr).toBe('')
      expect(stdout).toMatch(/^Usage: npm run emulator -- \[options\]/)
      for (const option of OPTIONS) expect(stdout).toContain(option)
      expect(stdout).not.toContain('listening on')
    }
  )

  it('refuses an unknown option, naming it and the accepted ones, before serving', async () => {
    const { code, stdout, stderr } = await runCli(['--port', '0', '--seed', '7'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toContain("'--seed'")
    expect(stderr).toContain(
      'Accepted options: --port N, --repository OWNER/NAME, --dir PATH, --token TOKEN, -h/--help.'
    )
  })

  it.each([
    [['--port', '65536'], '--port must be an integer between 0 and 65535', '"65536"'],
    [['--port', '3.5'], '--port must be an integer between 0 and 65535', '"3.5"'],
    [['--repository', 'widgets'], '--repository must be OWNER/NAME', '"widgets"'],
    [['--repository', 'acme/..'], '--repository must be OWNER/NAME', '"acme/.."'],
    [['--dir', '/'], '--dir must be a folder inside a git work tree', '"/"'],
    [['--port'], "Option '--port <value>' argument missing", 'Accepted options:']
  ])('refuses %j: what was given and what is accepted', async (args, message, shown) => {
    const { code, stdout, stderr } = await runCli(args)
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toContain(message)
    expect(stderr).toContain(shown)
  })

  it('refuses a token that could not travel in a header, without showing it', async () => {
    const { code, stderr } = await runCli(['--token', 'two words'])
    expect(code).toBe(2)
    expect(stderr).toContain('--token must be one word of printable ASCII characters')
    expect(stderr).not.toContain('two words')
  })

  it('serves the repository it is given, under the name it is given, with the given token', async () => {
    const repo = createRepo()
    const sha = repo.commit('docs', { 'README.md': '# Widgets\n', 'docs/guide.md': 'Guide\n' })
    const emu = await serve([
      ...['--port', '0', '--token', 'cli-token'],
      ...['--repository', 'acme/widgets', '--dir', join(repo.dir, 'docs')]
    ])
    try {
      // What a job reads off the banner to run the action.
      expect(emu.banner).toContain(`api-url: ${emu.url}`)
      expect(emu.banner).toContain('token: cli-token')
      expect(emu.banner).toContain('owner: octo-org')
      expect(emu.banner).toContain('space-number: 1')
      expect(emu.banner).toContain(
        `GITHUB_REPOSITORY=acme/widgets, GITHUB_WORKSPACE=${realpathSync(repo.dir)}`
      )

      const get = (path: string, token: string) =>
        fetch(emu.url + path, { headers: { authorization: `Bearer ${token}` } })
      const repoAnswer = await get('/repos/acme/widgets', 'cli-token')
      expect(repoAnswer.status).toBe(200)
      expect(await repoAnswer.json()).toMatchObject({
        full_name: 'acme/widgets',
        owner: { login: 'acme', type: 'Organization' }
      })
      expect((await get('/repos/acme/widgets', 'another-token')).status).toBe(401)

      const run = await runAction({
        with: {
          token: 'cli-token',
          'api-url': emu.url,
          owner: 'octo-org',
          'space-number': '1',
          'write-interval': '0'
        },
        eventName: 'workflow_dispatch',
        payload: {},
        workspace: repo.dir,
        sha,
        repository: 'acme/widgets',
        apiUrl: emu.url
      })
      expectSuccess(run)
      expect(run.outputs).toMatchObject({ created: '2', deleted: '0', failed: '0' })

      const listing = await get('/orgs/octo-org/copilot-spaces/1/resources', 'cli-token')
      const { resources } = (await listing.json()) as {
        resources: { resource_type: string; metadata: Record<string, unknown> }[]
      }
      expect(
        resources.map(r =>
          r.resource_type === 'github_file' ? r.metadata.file_path : r.metadata.name
        )
      ).toEqual(['Team notes', 'README.md', 'docs/guide.md'])
    } finally {
      emu.child.kill('SIGTERM')
    }
    expect(await emu.exited).toBe(0)
  })
})
