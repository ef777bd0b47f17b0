/**
 * `npm run emulator -- [options]`: a seeded emulator to explore by hand or to run the action
 * against (README: Run it by hand). It serves until Ctrl-C or SIGTERM.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { basename, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { API_VERSION } from './http.js'
import { startEmulator } from './server.js'
import type { AccessLevel } from './types.js'

const ORG = 'octo-org'
const USER = 'octocat'
const REPO_ID = 1296269

const HELP = `Usage: npm run emulator -- [options]

A local emulator of GitHub's Copilot Spaces API and of the repository endpoints the action reads,
on 127.0.0.1, seeded with:
  organization ${ORG}, Space 1 "Docs" (holding one hand-written free_text resource)
  user ${USER}, Space 1 "Scratch"
  the repository below, answered from a git work tree
  one classic token acting as ${USER}, with write access to all of them

Options:
  --port N                  listen on 127.0.0.1:N; 0 picks a free port (default: $PORT, else 0)
  --repository OWNER/NAME   the name the repository is served under
                            (default: ${ORG}/<the work tree's folder name>)
  --dir PATH                the git work tree served as that repository
                            (default: the one the command runs in; none outside a work tree)
  --token TOKEN             the token the emulator accepts, so a script can know it in advance
                            (default: a random ghp_ token)
  -h, --help                print this and exit

It prints its URL, the token and the inputs to run the action against it, then serves until
Ctrl-C.`

const ACCEPTED = '--port N, --repository OWNER/NAME, --dir PATH, --token TOKEN, -h/--help'

interface CliOptions {
  help: boolean
  port: number
  repository?: { owner: string; name: string }
  dir?: string
  token?: string
}

class UsageError extends Error {}

function invalid(option: string, given: string, accepted: string): UsageError {
  return new UsageError(`${option} must be ${accepted}; got ${JSON.stringify(given)}.`)
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw invalid('--port', raw, 'an integer between 0 and 65535 (0 picks a free port)')
  }
  return port
}

// GitHub logins: alphanumerics and single hyphens; repository names: alphanumerics, '.', '-', '_'.
const REPOSITORY = /^([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})\/([A-Za-z0-9._-]{1,100})$/

function parseRepository(raw: string | undefined): CliOptions['repository'] {
  if (raw === undefined) return undefined
  const match = REPOSITORY.exec(raw)
  if (!match || match[2] === '.' || match[2] === '..') {
    throw invalid('--repository', raw, 'OWNER/NAME, e.g. octo-org/copilot-space-sync')
  }
  return { owner: match[1]!, name: match[2]! }
}

function parseToken(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  // It travels in an Authorization header: one word, printable ASCII.
  if (!/^[\x21-\x7e]+$/.test(raw)) {
    throw new UsageError(
      '--token must be one word of printable ASCII characters (no spaces or control characters); its value is not shown.'
    )
  }
  return raw
}

function parseCli(args: string[], env: NodeJS.ProcessEnv): CliOptions {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        repository: { type: 'string' },
        dir: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nAccepted options: ${ACCEPTED}.`)
  }
  if (values.help === true) return { help: true, port: 0 }
  const text = (key: string) => values[key] as string | undefined
  return {
    help: false,
    port: parsePort(text('port') ?? env.PORT),
    repository: parseRepository(text('repository')),
    dir: text('dir'),
    token: parseToken(text('token'))
  }
}

/** The top of the git work tree `dir` lies in, if it is in one. */
function workTree(dir: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    }).trim()
  } catch {
    return undefined
  }
}

/** The repository to serve: named by --repository, read from --dir; neither outside a work tree. */
function servedRepository(
  options: CliOptions
): { owner: string; name: string; dir: string } | undefined {
  const dir = workTree(resolve(options.dir ?? '.'))
  if (dir === undefined) {
    if (options.dir !== undefined) {
      throw invalid('--dir', options.dir, 'a folder inside a git work tree')
    }
    if (options.repository !== undefined) {
      throw new UsageError(
        '--repository needs a git work tree to serve: run the command inside one, or give --dir PATH.'
      )
    }
    return undefined
  }
  return { ...(options.repository ?? { owner: ORG, name: basename(dir) }), dir }
}

/** A classic token looks like `ghp_` and 36 base62 characters. */
function randomToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return 'ghp_' + [...randomBytes(36)].map(b => alphabet[b % alphabet.length]).join('')
}

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2), process.env)
  if (options.help) {
    console.log(HELP)
    return
  }
  const repo = servedRepository(options)
  const emu = await startEmulator({ port: options.port })
  emu.addOrg(ORG, 1)
  emu.addUser(USER, 2)
  const token = options.token ?? randomToken()
  const access: Record<string, AccessLevel> = { [ORG]: 'write', [USER]: 'write' }
  // The repository's owner is an account like any other: an organization unless seeded above.
  if (repo && ![ORG, USER].includes(repo.owner.toLowerCase())) {
    emu.addOrg(repo.owner)
    access[repo.owner] = 'write'
  }
  emu.addToken(token, { login: USER, access })
  emu.createSpace('org', ORG, {
    name: 'Docs',
    description: 'Documentation kept in sync by copilot-space-sync',
    general_instructions: 'Answer from the attached documentation.',
    creator: USER
  })
  emu.addResource('org', ORG, 1, {
    resource_type: 'free_text',
    metadata: {
      name: 'Team notes',
      text: 'Written by hand in the Space; a sync must leave it alone.'
    }
  })
  emu.createSpace('user', USER, { name: 'Scratch', description: 'A personal space' })
  if (repo) emu.addRepo({ owner: repo.owner, name: repo.name, id: REPO_ID, dir: repo.dir })

  const full = repo && `${repo.owner}/${repo.name}`
  const auth = `-H "Authorization: Bearer ${token}" -H "X-GitHub-Api-Version: ${API_VERSION}"`
  const lines = [
    `GitHub REST emulator listening on ${emu.url}`,
    ``,
    `Token (classic, acting as ${USER}, write access to ${Object.keys(access).join(', ')}):`,
    `  ${token}`,
    ``,
    `Seeded: organization ${ORG} with Space 1 "Docs" (one hand-written free_text resource),`,
    `        user ${USER} with Space 1 "Scratch"` +
      (repo ? `,\n        repository ${full} (id ${REPO_ID}) from ${repo.dir}` : ''),
    ``,
    `Run the action against Space ${ORG}/1 with:`,
    `  api-url: ${emu.url}`,
    `  token: ${token}`,
    `  owner: ${ORG}`,
    `  space-number: 1`,
    ...(full ? [`  and GITHUB_REPOSITORY=${full}, GITHUB_WORKSPACE=${repo.dir}`] : []),
    ``,
    `Try:`,
    `  curl ${auth} ${emu.url}/orgs/${ORG}/copilot-spaces`,
    `  curl ${auth} ${emu.url}/orgs/${ORG}/copilot-spaces/1/resources`,
    `  curl ${auth} -X POST ${emu.url}/orgs/${ORG}/copilot-spaces/1/resources \\`,
    `    -d '{"resource_type":"free_text","metadata":{"name":"hello.md","text":"Hello"}}'`,
    `  curl ${auth} -X PUT ${emu.url}/users/${USER}/copilot-spaces/1 -d '{"name":"Renamed"}'`,
    ...(full
      ? [
          `  curl ${auth} ${emu.url}/repos/${full}`,
          `  curl ${auth} "${emu.url}/repos/${full}/git/trees/HEAD?recursive=1"`
        ]
      : []),
    ``,
    `Ctrl-C to stop.`
  ]
  console.log(lines.join('\n'))

  const stop = () => {
    emu.close().finally(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  const usage = error instanceof UsageError
  console.error(`emulator: ${error instanceof Error ? error.message : String(error)}`)
  if (usage) console.error('Run `npm run emulator -- --help` for the options.')
  process.exit(usage ? 2 : 1)
})
