/**
 * Which Space the run syncs, and its settings as the repository declares them: the Space named by
 * number, or found by name among the owner's Spaces (created when asked), with the Space's current
 * settings when any are managed. The instructions file is read before any request to the Space.
 */
import type { Client, OwnerType, Space, SpaceRef } from '../github/client.js'
import type { RepoFiles } from '../repository/files.js'
import {
  characters,
  MAX_INSTRUCTIONS,
  planSettings,
  settingsBody,
  type SpaceFields,
  type WantedSettings
} from '../space/settings.js'
import { InputError, type Settings } from './inputs.js'
import { resolveOwnerType } from './owner.js'

/** The Space a run syncs. */
export interface Target {
  ownerType: OwnerType
  /** Undefined for a Space that `create-space` will create (`toCreate`, its name). */
  ref?: SpaceRef
  toCreate?: string
  /** `owner/number`, or `owner/"name"` for a Space not created yet. */
  label: string
  url: string
  /** The Space's settings as read, when any are managed and the Space exists. */
  current?: SpaceFields
  /** This run created the Space (with every managed setting). */
  created: boolean
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The settings the inputs declare, the instructions file read at `commit`. */
export async function wantedSettings(
  settings: Settings,
  files: RepoFiles,
  commit: string
): Promise<WantedSettings> {
  const { description, instructionsFile: path, baseRole } = settings.spaceSettings
  const wanted: WantedSettings = { description, baseRole }
  if (path === undefined) return wanted
  const bytes = await files.readFileAt(commit, path)
  const at = `at ${commit.slice(0, 12)}`
  if (bytes === undefined) {
    throw new InputError(
      `Input 'instructions-file': the repository has no file ${JSON.stringify(path)} ${at} (a path from the repository's root; a folder, a symbolic link or a submodule is not a file).`
    )
  }
  let text: string
  try {
    if (bytes.includes(0)) throw new Error('binary')
    text = UTF8.decode(bytes)
  } catch {
    throw new InputError(
      `Input 'instructions-file': ${JSON.stringify(path)} ${at} is not UTF-8 text; the Space's instructions must be text.`
    )
  }
  const length = characters(text)
  if (length > MAX_INSTRUCTIONS) {
    throw new InputError(
      `Input 'instructions-file': ${JSON.stringify(path)} ${at} holds ${length.toLocaleString('en-US')} characters; GitHub takes at most ${MAX_INSTRUCTIONS.toLocaleString('en-US')} for a Space's instructions. Shorten the file; nothing was written.`
    )
  }
  return { ...wanted, instructions: { text, path } }
}

/** Whether the run manages any of the Space's settings (then it reads the Space, even when idle). */
export function managesSettings(wanted: WantedSettings): boolean {
  return (
    wanted.description !== undefined ||
    wanted.instructions !== undefined ||
    wanted.baseRole !== undefined
  )
}

function spaceUrl(serverUrl: string, owner: string, number: number): string {
  return `${serverUrl}/copilot/spaces/${encodeURIComponent(owner)}/${number}`
}

/**
 * The Space the settings name. By number: read only when settings are managed. By name: the
 * owner's readable Spaces are listed; none is an error unless `create-space`, and then the target
 * is the Space to create (`createTarget` creates it when the run writes).
 */
export async function resolveTarget(
  client: Client,
  settings: Settings,
  wanted: WantedSettings,
  run: { serverUrl: string; log: (line: string) => void }
): Promise<Target> {
  const ownerType = await resolveOwnerType(client, settings, run.log)
  const { owner } = settings
  const ref = (number: number): SpaceRef => ({ ownerType, owner, number })
  if (settings.spaceNumber !== undefined) {
    const number = settings.spaceNumber
    const space = managesSettings(wanted) ? await client.getSpace(ref(number)) : undefined
    return found(ref(number), run.serverUrl, space)
  }

  const name = settings.spaceName!
  const named = (await client.listSpaces(ownerType, owner)).filter(s => s.name === name)
  if (named.length > 1) {
    throw new InputError(
      `Input 'space-name': ${owner} has ${named.length} Spaces named ${JSON.stringify(name)} (numbers ${named.map(s => s.number).join(', ')}); a name must pick one. Rename all but one, or use 'space-number'.`
    )
  }
  if (named[0]) return found(ref(named[0].number), run.serverUrl, named[0])
  const readable =
    'GitHub lists only the Spaces the token can read, so a Space it cannot read is not found by name'
  if (!settings.createSpace) {
    throw new InputError(
      `Input 'space-name': ${owner} has no Space named ${JSON.stringify(name)} that this token can read (${readable}). Check the name and the token's access, or set 'create-space: true' to create it.`
    )
  }
  run.log(`No Space named ${JSON.stringify(name)}: the run creates it (create-space).`)
  return {
    ownerType,
    toCreate: name,
    label: `${owner}/${JSON.stringify(name)}`,
    url: `${run.serverUrl}/copilot/spaces`,
    created: false
  }
}

function found(ref: SpaceRef, serverUrl: string, space?: Space, created = false): Target {
  return {
    ownerType: ref.ownerType,
    ref,
    label: `${ref.owner}/${ref.number}`,
    // Built, not taken from the answer: the summary links to it, and GitHub's text stays data.
    url: spaceUrl(serverUrl, ref.owner, ref.number),
    current: created ? undefined : space,
    created
  }
}

/** Creates the Space `resolveTarget` found missing, with every managed setting. */
export async function createTarget(
  client: Client,
  settings: Settings,
  wanted: WantedSettings,
  target: Target,
  run: { serverUrl: string; log: (line: string) => void }
): Promise<Target & { ref: SpaceRef }> {
  const name = target.toCreate!
  const body = { name, ...settingsBody(planSettings(undefined, wanted)) }
  const space = await client.createSpace(target.ownerType, settings.owner, body)
  const ref = { ownerType: target.ownerType, owner: settings.owner, number: space.number }
  const created = { ...found(ref, run.serverUrl, space, true), ref }
  run.log(
    `Created Space ${created.label} named ${JSON.stringify(name)} (create-space): ${created.url}. ` +
      `Its number can replace 'space-name' in the workflow: space-number: ${space.number}.`
  )
  return created
}
