/**
 * `npm run demo`: starts the emulator, seeds a Space holding one hand-written note, and runs the
 * committed dist/index.js over this repository's own Markdown exactly as the Actions runner would,
 * twice: the first run creates, the second finds nothing to do.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { startEmulator } from '../emulator/index.js'
import { PROJECT_ROOT, runAction } from './runner.js'

const OWNER = 'octo-org'
const REPO = 'copilot-space-sync'
const REPO_ID = 1296269

const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT }).toString().trim()
const token = `ghp_demo${randomBytes(12).toString('hex')}`
const emu = await startEmulator()
try {
  emu.addOrg(OWNER)
  emu.addToken(token, { login: 'octocat', access: { [OWNER]: 'write' } })
  emu.addRepo({ owner: OWNER, name: REPO, id: REPO_ID, dir: PROJECT_ROOT })
  const space = emu.createSpace('org', OWNER, { name: 'Docs', creator: 'octocat' })
  emu.addResource('org', OWNER, space.number, {
    resource_type: 'free_text',
    metadata: {
      name: 'Team notes',
      text: 'Written by hand in the Space: the action leaves it alone.'
    }
  })

  const step = {
    token,
    'space-number': String(space.number),
    files: '**/*.md\n!node_modules/**',
    'write-interval': '0.2'
  }
  const context = {
    eventName: 'workflow_dispatch',
    payload: { repository: { id: REPO_ID, full_name: `${OWNER}/${REPO}` } },
    workspace: PROJECT_ROOT,
    sha,
    repository: `${OWNER}/${REPO}`,
    apiUrl: emu.url
  }

  console.log(
    `Emulator at ${emu.url}; Space ${OWNER}/${space.number}; commit ${sha.slice(0, 12)}.\n`
  )
  for (const label of ['First run', 'Second run (nothing changed)']) {
    emu.clearLog()
    const run = await runAction({ ...context, with: step })
    const writes = emu.requests.filter(r => r.method !== 'GET').length
    console.log(
      `=== ${label}: exit code ${run.code}, ${emu.requests.length} requests (${writes} writes), ${run.durationMs} ms`
    )
    console.log(
      `outputs: ${JSON.stringify({ ...run.outputs, resources: `${JSON.parse(run.outputs.resources ?? '[]').length} entries` })}`
    )
    console.log('\n--- job summary ---')
    console.log(run.summary.trim())
    console.log('---\n')
    if (run.code !== 0) {
      console.log(run.stdout)
      console.error(run.stderr)
      process.exitCode = 1
      break
    }
  }

  console.log("The Space's resources now:")
  for (const r of emu.resources('org', OWNER, space.number)) {
    const m = r.metadata as Record<string, unknown>
    const what =
      r.resource_type === 'github_file'
        ? `${m.file_path} @ ${String(m.sha).slice(0, 12)}`
        : String(m.name)
    console.log(`  #${r.id} ${r.resource_type.padEnd(11)} ${what}`)
  }
} finally {
  await emu.close()
}
