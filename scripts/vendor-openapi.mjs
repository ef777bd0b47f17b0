// Regenerates emulator/openapi/copilot-spaces.json, the slice of GitHub's OpenAPI description that
// emulator/contract.ts checks recorded exchanges against. The package is pinned (and its tarball
// integrity with it) so that regenerating gives the same bytes; bump both deliberately, rerun, and
// review the fixture diff. The package is ~385 MB unpacked, so it is packed into a temp dir and only
// the one JSON file is extracted, never installed.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE = '@octokit/openapi'
const VERSION = '23.0.2'
const INTEGRITY =
  'sha512-pV8M7L9GY23AybNvTmo2nyjmpmnt6+2sRE/tqr0ZLQcPS4lnw7u5eZGNmwRNkBC3D7gZXbFx5AHzLUVRBXGDhg=='
// The emulator's one API version constant (emulator/http.ts), read as text: this script runs without a TypeScript build.
const API_VERSION = /export const API_VERSION = '([^']+)'/.exec(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../emulator/http.ts'), 'utf8')
)?.[1]
if (!API_VERSION) throw new Error('API_VERSION not found in emulator/http.ts')
// Newer packages may ship one file per REST API version; older ones ship one description whose
// per-version differences are `x-github-breaking-changes` patches (applied by emulator/contract.ts).
const CANDIDATE_FILES = [
  `package/generated/api.github.com.${API_VERSION}.json`,
  'package/generated/api.github.com.json'
]

const SPACE_ROOTS = ['/orgs/{org}/copilot-spaces', '/users/{username}/copilot-spaces']
const KEEP = [
  ...SPACE_ROOTS.flatMap(root => [
    [root, ['get', 'post']],
    [`${root}/{space_number}`, ['get', 'put', 'delete']],
    [`${root}/{space_number}/resources`, ['get', 'post']],
    [`${root}/{space_number}/resources/{space_resource_id}`, ['get', 'put', 'delete']]
  ]),
  ['/repos/{owner}/{repo}', ['get']],
  ['/repos/{owner}/{repo}/compare/{basehead}', ['get']],
  ['/repos/{owner}/{repo}/git/trees/{tree_sha}', ['get']],
  ['/repos/{owner}/{repo}/contents/{path}', ['get']],
  ['/repos/{owner}/{repo}/git/blobs/{file_sha}', ['get']],
  ['/repos/{owner}/{repo}/tarball/{ref}', ['get']],
  ['/repos/{owner}/{repo}/releases', ['get']],
  ['/repos/{owner}/{repo}/issues/{issue_number}/comments', ['get', 'post']],
  ['/repos/{owner}/{repo}/issues/comments/{comment_id}', ['patch']],
  ['/user', ['get']],
  ['/users/{username}', ['get']],
  ['/orgs/{org}', ['get']]
]
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const COMPONENT_SECTIONS = [
  'schemas',
  'responses',
  'parameters',
  'examples',
  'requestBodies',
  'headers',
  'securitySchemes',
  'links',
  'callbacks'
]

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outFile = join(root, 'emulator', 'openapi', 'copilot-spaces.json')

const work = mkdtempSync(join(tmpdir(), 'vendor-openapi-'))
try {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--json', '--pack-destination', work], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024
    })
  )[0]
  if (packed.integrity !== INTEGRITY) {
    throw new Error(
      `${PACKAGE}@${VERSION} integrity ${packed.integrity} is not the pinned ${INTEGRITY}`
    )
  }
  const tarball = join(work, packed.filename)
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n')
  const file = CANDIDATE_FILES.find(candidate => listing.includes(candidate))
  if (!file) throw new Error(`${PACKAGE}@${VERSION} ships none of ${CANDIDATE_FILES.join(', ')}`)
  execFileSync('tar', ['-xzf', tarball, '-C', work, file])
  const upstream = JSON.parse(readFileSync(join(work, file), 'utf8'))

  const fixture = slice(upstream, {
    package: PACKAGE,
    version: VERSION,
    integrity: INTEGRITY,
    file: file.replace(/^package\//, ''),
    apiVersion: API_VERSION,
    note: file.includes(API_VERSION)
      ? `The package's own description for API version ${API_VERSION}.`
      : `The package ships no per-version file; the ${API_VERSION} differences are the x-github-breaking-changes patches kept in place, which emulator/contract.ts applies.`
  })
  mkdirSync(dirname(outFile), { recursive: true })
  writeFileSync(outFile, JSON.stringify(fixture, null, 2) + '\n')
  const operations = Object.values(fixture.paths).reduce(
    (n, item) => n + HTTP_METHODS.filter(m => m in item).length,
    0
  )
  const components = Object.values(fixture.components).reduce(
    (n, section) => n + Object.keys(section).length,
    0
  )
  console.log(
    `Wrote ${outFile} from ${PACKAGE}@${VERSION} ${file}: ${operations} operations, ${components} components, ${readFileSync(outFile).length} bytes.`
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}

function slice(upstream, vendoredFrom) {
  const paths = {}
  for (const [template, methods] of [...KEEP].sort(([a], [b]) => compare(a, b))) {
    const item = upstream.paths[template]
    if (!item) throw new Error(`upstream has no path ${template}`)
    const kept = {}
    // Upstream key order is kept for non-operation keys (path-level parameters and the like);
    // operations that are not ours are dropped.
    for (const [key, value] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(key)) kept[key] = value
      else if (methods.includes(key)) kept[key] = value
    }
    for (const method of methods) {
      if (!item[method]) throw new Error(`upstream has no ${method.toUpperCase()} ${template}`)
    }
    paths[template] = kept
  }

  const used = new Map(COMPONENT_SECTIONS.map(section => [section, new Set()]))
  const pending = []
  const visit = value => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (!value || typeof value !== 'object') return
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') {
        const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(child)
        if (!match) throw new Error(`unsupported $ref ${child}`)
        const [, section, name] = match
        if (!used.has(section)) throw new Error(`unsupported component section in ${child}`)
        if (!upstream.components?.[section]?.[name]) throw new Error(`dangling $ref ${child}`)
        if (!used.get(section).has(name)) {
          used.get(section).add(name)
          pending.push(upstream.components[section][name])
        }
      } else visit(child)
    }
  }
  visit(paths)
  while (pending.length > 0) visit(pending.pop())

  const components = {}
  for (const section of COMPONENT_SECTIONS) {
    const names = [...used.get(section)].sort(compare)
    if (names.length === 0) continue
    components[section] = Object.fromEntries(
      names.map(name => [name, upstream.components[section][name]])
    )
  }

  const tagNames = new Set(
    Object.values(paths).flatMap(item => HTTP_METHODS.flatMap(method => item[method]?.tags ?? []))
  )
  return {
    openapi: upstream.openapi,
    info: upstream.info,
    'x-vendored-from': vendoredFrom,
    servers: upstream.servers,
    externalDocs: upstream.externalDocs,
    tags: (upstream.tags ?? []).filter(tag => tagNames.has(tag.name)),
    paths,
    components
  }
}

// Code-point order, so that the output does not depend on the machine's locale.
function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0
}
