// Users run the committed dist/, so the test run fails when a fresh bundle differs from it.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const out = mkdtempSync(join(tmpdir(), 'dist-check-'))
try {
  execFileSync(
    process.execPath,
    [
      'node_modules/@vercel/ncc/dist/ncc/cli.js',
      'build',
      'src/index.ts',
      '-o',
      out,
      '--license',
      'licenses.txt',
      '-q'
    ],
    { stdio: 'inherit' }
  )
  const fresh = readdirSync(out).sort()
  const committed = existsSync('dist') ? readdirSync('dist').sort() : []
  const differing = [...new Set([...fresh, ...committed])].filter(
    name =>
      !fresh.includes(name) ||
      !committed.includes(name) ||
      !readFileSync(join(out, name)).equals(readFileSync(join('dist', name)))
  )
  if (differing.length > 0) {
    console.error(
      `dist/ does not match src/: ${differing.join(', ')} differ. Run \`npm run bundle\` and commit dist/.`
    )
    process.exit(1)
  }
  console.log(`dist/ matches a fresh bundle (${fresh.length} files).`)
} finally {
  rmSync(out, { recursive: true, force: true })
}
