/**
 * The `config` input: a YAML file in the repository declaring several Spaces, each entry with the
 * step's inputs about one Space. The file is checked against its JSON Schema (shipped in
 * `schema/`, for editors too), then each entry goes through the same input checks as the step's
 * own inputs; a key an entry leaves out takes the step's input.
 */
import type { ErrorObject, ValidateFunction } from 'ajv'
import schema from '../../schema/copilot-spaces.schema.json' with { type: 'json' }
import type { RepoFiles } from '../repository/files.js'
import {
  InputError,
  readSettings,
  type Mask,
  type ReadInput,
  type RunnerDefaults,
  type Settings
} from './inputs.js'

// Loaded and compiled on first use: a run without `config` pays for neither the YAML parser nor
// the validator (a tenth of a second at start-up).
function exportsOf<T>(namespace: T): T {
  return (namespace as unknown as { default?: T }).default ?? namespace
}

let parsing: Promise<{ parse: (text: string) => unknown; check: ValidateFunction }> | undefined
function loadParsers(): NonNullable<typeof parsing> {
  parsing ??= Promise.all([import('yaml'), import('ajv')]).then(([yamlModule, ajvModule]) => {
    // A CommonJS module imported dynamically comes back as its namespace's default.
    const yaml = exportsOf(yamlModule)
    const { Ajv } = exportsOf(ajvModule)
    return {
      parse: (text: string) => yaml.parse(text, { prettyErrors: false }) as unknown,
      // strictRequired is off for the schema's "exactly one of space-number and space-name".
      check: new Ajv({ strictRequired: false }).compile(schema)
    }
  })
  return parsing
}

/** The keys an entry may have, as the schema lists them. */
export const ENTRY_KEYS = Object.keys(schema.definitions.space.properties)

/** Inputs that name one Space: an entry has its own, never the step's. */
const NOT_INHERITED = new Set(['space-number', 'space-name', 'config'])

type Entry = Record<string, unknown>

function entryName(entry: unknown): string {
  if (typeof entry !== 'object' || entry === null) return ''
  const e = entry as Entry
  if (typeof e['space-name'] === 'string') return ` (${JSON.stringify(e['space-name'])})`
  if (e['space-number'] !== undefined) return ` (space-number ${JSON.stringify(e['space-number'])})`
  return ''
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys to values'
}

/** One schema error as a sentence about the file, the entry and the key. */
function describe(error: ErrorObject, doc: unknown, all: readonly ErrorObject[]): string {
  const [, top, index, key] = error.instancePath.split('/')
  if (top === undefined) {
    const isMapping = typeof doc === 'object' && doc !== null && !Array.isArray(doc)
    const unknown = isMapping ? Object.keys(doc).filter(k => k !== 'spaces') : []
    const expected = "the file holds one key, 'spaces', a list with one entry per Space"
    return unknown.length > 0
      ? `unknown top-level key '${unknown[0]}'; ${expected}`
      : `must be a mapping: ${expected}`
  }
  if (index === undefined) return "'spaces' must be a list with one entry per Space, at least one"
  const entries = (doc as { spaces: unknown[] }).spaces
  const where = `entry ${Number(index) + 1}${entryName(entries[Number(index)])}`
  if (key === undefined) {
    if (error.keyword === 'additionalProperties') {
      return `${where}: unknown key '${String(error.params.additionalProperty)}'; accepted keys: ${ENTRY_KEYS.join(', ')}`
    }
    return `${where}: must be ${TYPE_WORDS.object}`
  }
  const value = (entries[Number(index)] as Entry)[key]
  const got = `; got ${JSON.stringify(value)}`
  if (key === 'files' || all.some(e => e.instancePath.startsWith(`/spaces/${index}/files`))) {
    return `${where}: key 'files' must be a list of globs, or a block string with one glob a line${got}`
  }
  switch (error.keyword) {
    case 'enum':
      return `${where}: key '${key}' must be one of ${(error.params.allowedValues as string[]).join(', ')}${got}`
    case 'type':
      return `${where}: key '${key}' must be ${TYPE_WORDS[String(error.params.type)] ?? error.params.type}${got}`
    case 'minimum':
      return `${where}: key '${key}' must be ${String(error.params.limit)} or more${got}`
    case 'maximum':
      return `${where}: key '${key}' must be ${String(error.params.limit)} or less${got}`
    case 'minLength':
      return `${where}: key '${key}' must not be empty`
    default:
      return `${where}: key '${key}' ${error.message ?? 'is not valid'}${got}`
  }
}

/** An entry names its Space by exactly one of number and name: said plainly, before the schema. */
function namingProblem(entries: unknown[]): string | undefined {
  for (const [i, entry] of entries.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue
    const e = entry as Entry
    const both = e['space-number'] !== undefined && e['space-name'] !== undefined
    const neither = e['space-number'] === undefined && e['space-name'] === undefined
    if (both || neither) {
      return `entry ${i + 1}${entryName(e)}: ${both ? 'has both' : 'has neither of'} 'space-number' and 'space-name'; give exactly one (the number names one Space, the name is looked up among the owner's Spaces)`
    }
  }
  return undefined
}

/** An entry's value as the step would have received it as an input. */
function asInput(value: unknown): string {
  if (Array.isArray(value)) return value.join('\n')
  return String(value)
}

/**
 * The Spaces the file declares, each as the settings of one Space; throws an InputError naming
 * the file, the entry (by number and name) and the key. `read` and `mask` are the step's.
 */
export async function spacesFromConfig(
  text: string,
  file: string,
  read: ReadInput,
  mask: Mask,
  runner: RunnerDefaults = {}
): Promise<Settings[]> {
  const { parse, check } = await loadParsers()
  const named = `Config file ${JSON.stringify(file)}`
  // "Config file "f", entry 2 ("Docs"): …" for an entry, "Config file "f": …" for the file.
  const fail = (message: string) =>
    new InputError(`${named}${message.startsWith('entry ') ? ', ' : ': '}${message}.`)
  let doc: unknown
  try {
    doc = parse(text)
  } catch (error) {
    throw fail(`is not valid YAML (${(error as Error).message.split('\n')[0]})`)
  }
  const spaces = (doc as { spaces?: unknown } | null)?.spaces
  const naming = Array.isArray(spaces) ? namingProblem(spaces) : undefined
  if (naming) throw fail(naming)
  if (!check(doc)) {
    const errors = check.errors ?? []
    throw fail(describe(errors[0]!, doc, errors))
  }
  const settings = (spaces as Entry[]).map((entry, i) => {
    const own = (name: string, trim?: boolean) =>
      Object.hasOwn(entry, name)
        ? asInput(entry[name])
        : NOT_INHERITED.has(name)
          ? ''
          : read(name, trim)
    const origin = `${named}, entry ${i + 1}${entryName(entry)}`
    try {
      return { ...readSettings(own, mask, runner), origin }
    } catch (error) {
      throw error instanceof InputError ? inEntry(origin, error) : error
    }
  })
  // Two entries for one Space would plan against the same listing and undo each other's writes.
  const seen = new Map<string, number>()
  for (const [i, s] of settings.entries()) {
    const key = `${s.owner.toLowerCase()}\n${s.spaceNumber ?? `name:${s.spaceName}`}`
    const first = seen.get(key)
    if (first !== undefined) {
      throw fail(
        `entries ${first + 1} and ${i + 1} name the same Space (${s.owner}/${s.spaceNumber ?? JSON.stringify(s.spaceName)}); give each Space one entry, with every glob it should hold in its 'files'`
      )
    }
    seen.set(key, i)
  }
  return settings
}

/** An input error of a config entry, naming the file, the entry and the key. */
function inEntry(origin: string, error: InputError): InputError {
  const message = error.message.replace(/^Input '([^']+)'/, "key '$1'")
  return new InputError(`${origin}: ${message}`)
}

/** What `work` throws for a Space of a config file names its entry. */
export async function forEntry<T>(settings: Settings, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (!(error instanceof InputError) || settings.origin === undefined) throw error
    throw inEntry(settings.origin, error)
  }
}

/** The Spaces of the config file at `commit`, each entry checked; the entries' warnings logged. */
export async function readConfig(
  file: string,
  files: RepoFiles,
  commit: string,
  input: { read: ReadInput; mask: Mask; warn: (line: string) => void; runner?: RunnerDefaults }
): Promise<Settings[]> {
  const bytes = await files.readFileAt(commit, file)
  if (bytes === undefined) {
    throw new InputError(
      `Input 'config': the repository has no file ${JSON.stringify(file)} at ${commit.slice(0, 12)} (a path from the repository's root).`
    )
  }
  const spaces = await spacesFromConfig(
    bytes.toString('utf8'),
    file,
    input.read,
    input.mask,
    input.runner
  )
  for (const s of spaces) for (const w of s.warnings) input.warn(`${s.origin}: ${w}`)
  return spaces
}
