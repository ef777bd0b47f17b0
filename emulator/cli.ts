/**
 * `npm run emulator [-- --port N]`: a seeded emulator to explore by hand. It serves until Ctrl-C.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { basename } from 'node:path'
import { API_VERSION } from './http.js'
import { startEmulator } from './server.js'

const ORG = 'octo-org'
const USER = 'octocat'
const REPO_ID = 1296269

function portFromArgs(args: string[]): number {
  const at = args.findIndex(a => a === '--port' || a.startsWith('--port='))
  const raw =
    at < 0 ? process.env.PORT : args[at]?.includes('=') ? args[at]?.split('=')[1] : args[at + 1]
  if (raw === undefined || raw === '') return 0
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer between 0 and 65535, got ${raw}`)
  }
  return port
}

/** The work tree the command runs in, if it is a git repository. */
function currentRepository(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    }).trim()
  } catch {
    return undefined
  }
}

/** A classic token looks like `ghp_` and 36 base62 characters. */
function randomToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return 'ghp_' + [...randomBytes(36)].map(b => alphabet[b % alphabet.length]).join('')
}

async function main(): Promise<void> {
  const emu = await startEmulator({ port: portFromArgs(process.argv.slice(2)) })
  emu.addOrg(ORG, 1)
  emu.addUser(USER, 2)
  const token = randomToken()
  emu.addToken(token, { login: USER, access: { [ORG]: 'write', [USER]: 'write' } })
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
  const repoDir = currentRepository()
  const repoName = repoDir === undefined ? undefined : basename(repoDir)
  if (repoDir !== undefined && repoName !== undefined) {
    emu.addRepo({ owner: ORG, name: repoName, id: REPO_ID, dir: repoDir })
  }

  const auth = `-H "Authorization: Bearer ${token}" -H "X-GitHub-Api-Version: ${API_VERSION}"`
  const lines = [
    `GitHub REST emulator listening on ${emu.url}`,
    ``,
    `Token (classic, acting as ${USER}, write access to ${ORG} and ${USER}):`,
    `  ${token}`,
    ``,
    `Seeded: organization ${ORG} with Space 1 "Docs" (one hand-written free_text resource),`,
    `        user ${USER} with Space 1 "Scratch"` +
      (repoName ? `,\n        repository ${ORG}/${repoName} (id ${REPO_ID}) from ${repoDir}` : ''),
    ``,
    `Try:`,
    `  curl ${auth} ${emu.url}/orgs/${ORG}/copilot-spaces`,
    `  curl ${auth} ${emu.url}/orgs/${ORG}/copilot-spaces/1/resources`,
    `  curl ${auth} -X POST ${emu.url}/orgs/${ORG}/copilot-spaces/1/resources \\`,
    `    -d '{"resource_type":"free_text","metadata":{"name":"hello.md","text":"Hello"}}'`,
    `  curl ${auth} -X PUT ${emu.url}/users/${USER}/copilot-spaces/1 -d '{"name":"Renamed"}'`,
    ...(repoName
      ? [
          `  curl ${auth} ${emu.url}/repos/${ORG}/${repoName}`,
          `  curl ${auth} "${emu.url}/repos/${ORG}/${repoName}/git/trees/HEAD?recursive=1"`
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
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
