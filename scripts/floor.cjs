/**
 * The floor of a no-op full reconcile, for `npm run bench` (case 4): the least any action must do
 * to know that nothing changed. Node starts, the Space's listing is fetched and parsed whole with
 * JSON.parse, `git ls-tree -r -z` of the checkout is read and split into paths, and the paths of
 * the one are looked up among the other's. No inputs, no report, no outputs. Its wall time in the
 * same run as the action's says how much of the action's time is the machine's.
 *
 * Usage: node floor.cjs <listing URL> <token> <checkout> <commit>
 */
/* global require, fetch */
'use strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { execFile } = require('node:child_process')

const [url, token, checkout, commit] = process.argv.slice(2)

const files = new Promise((resolve, reject) =>
  execFile(
    'git',
    ['ls-tree', '-r', '-z', '--full-tree', commit],
    { cwd: checkout, encoding: 'buffer', maxBuffer: 1 << 30 },
    (error, stdout) => (error ? reject(error) : resolve(stdout))
  )
)

async function main() {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, 'x-github-api-version': '2026-03-10' }
  })
  if (!res.ok) throw new Error(`the listing answered ${res.status}`)
  const { resources } = JSON.parse(await res.text())
  const paths = new Set()
  for (const record of (await files).toString('utf8').split('\0')) {
    const tab = record.indexOf('\t')
    if (tab >= 0) paths.add(record.slice(tab + 1))
  }
  let found = 0
  for (const r of resources) if (paths.has(r.metadata.file_path)) found++
  process.stdout.write(`${found} of ${resources.length} listed resources have their file\n`)
}

main().catch(error => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
