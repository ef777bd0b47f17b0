/**
 * The Space's own settings as the repository declares them, and what makes the Space's current:
 * each setting given is compared with the Space's, and only those that differ are written.
 */
import type { Space, UpdateSpaceBody } from '../github/client.js'

/** GitHub's limit on `general_instructions`, in characters (code points, as Rails counts them). */
export const MAX_INSTRUCTIONS = 4000

export const BASE_ROLES = ['no_access', 'reader', 'writer', 'admin'] as const
export type BaseRole = (typeof BASE_ROLES)[number]

/** Each setting left as the Space has it when undefined. */
export interface WantedSettings {
  description?: string
  /** The instructions file's text, and its path (for messages). */
  instructions?: { text: string; path: string }
  baseRole?: BaseRole
}

export type SettingField = 'description' | 'general_instructions' | 'base_role'

/** One setting to write: the input that declares it, the Space's value and the new one. */
export interface SettingChange {
  field: SettingField
  input: 'description' | 'instructions-file' | 'base-role'
  from: string | null
  to: string
}

/** The Space's fields the settings compare with (a list entry has them, as a full Space does). */
export type SpaceFields = Pick<Space, 'description' | 'general_instructions'> & {
  base_role?: string | null
}

/** The length in code points (a surrogate pair is one character), without copying the text. */
export function characters(text: string): number {
  let pairs = 0
  for (let i = 0; i + 1 < text.length; i++) {
    const high = text.charCodeAt(i)
    const low = text.charCodeAt(i + 1)
    if (high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
      pairs++
      i++
    }
  }
  return text.length - pairs
}

/** The settings that differ from the Space's; every given one when the Space is to be created. */
export function planSettings(
  current: SpaceFields | undefined,
  wanted: WantedSettings
): SettingChange[] {
  const changes: SettingChange[] = []
  const compare = (
    field: SettingField,
    input: SettingChange['input'],
    to: string | undefined
  ): void => {
    if (to === undefined) return
    const from = current === undefined ? null : (current[field] ?? null)
    if (from !== to) changes.push({ field, input, from, to })
  }
  compare('description', 'description', wanted.description)
  compare('general_instructions', 'instructions-file', wanted.instructions?.text)
  compare('base_role', 'base-role', wanted.baseRole)
  return changes
}

/** The Set Space (or Create Space) body that writes these changes. */
export function settingsBody(changes: readonly SettingChange[]): UpdateSpaceBody {
  return Object.fromEntries(changes.map(c => [c.field, c.to])) as UpdateSpaceBody
}

/** The changes the Space, as answered after the write, does not hold as sent. */
export function notHeld(changes: readonly SettingChange[], answer: SpaceFields): SettingChange[] {
  return changes.filter(c => (answer[c.field] ?? null) !== c.to)
}
