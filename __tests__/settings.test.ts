import { describe, expect, it } from '@jest/globals'
import { characters, notHeld, planSettings, settingsBody } from '../src/space/settings.js'

const space = { description: 'Docs', general_instructions: 'Be brief.', base_role: 'no_access' }

describe('planSettings', () => {
  it('plans nothing when no setting is managed', () => {
    expect(planSettings(space, {})).toEqual([])
  })

  it('plans nothing when every managed setting already holds', () => {
    const wanted = {
      description: 'Docs',
      instructions: { text: 'Be brief.', path: 'i.md' },
      baseRole: 'no_access' as const
    }
    expect(planSettings(space, wanted)).toEqual([])
  })

  it('plans each setting that differs, naming its input and both values', () => {
    const changes = planSettings(space, {
      description: 'Docs',
      instructions: { text: 'Be brief.\n', path: 'i.md' },
      baseRole: 'reader'
    })
    expect(changes).toEqual([
      {
        field: 'general_instructions',
        input: 'instructions-file',
        from: 'Be brief.',
        to: 'Be brief.\n'
      },
      { field: 'base_role', input: 'base-role', from: 'no_access', to: 'reader' }
    ])
    expect(settingsBody(changes)).toEqual({
      general_instructions: 'Be brief.\n',
      base_role: 'reader'
    })
  })

  it('treats an unset setting as null, and plans every given one for a Space to create', () => {
    expect(
      planSettings({ description: null, general_instructions: null }, { description: '' })
    ).toEqual([{ field: 'description', input: 'description', from: null, to: '' }])
    expect(
      planSettings(undefined, { description: 'x', baseRole: 'admin' }).map(c => c.field)
    ).toEqual(['description', 'base_role'])
  })
})

describe('notHeld', () => {
  it('names the changes the answer holds otherwise', () => {
    const changes = planSettings(space, {
      description: 'New',
      instructions: { text: 'Line\r\n', path: 'i.md' }
    })
    const answer = { description: 'New', general_instructions: 'Line\n' }
    expect(notHeld(changes, answer).map(c => c.field)).toEqual(['general_instructions'])
    expect(notHeld(changes, { ...answer, general_instructions: 'Line\r\n' })).toEqual([])
  })
})

describe('characters', () => {
  it('counts code points, as GitHub counts the instructions', () => {
    expect(characters('')).toBe(0)
    expect(characters('abc')).toBe(3)
    expect(characters('é'.repeat(4000))).toBe(4000)
    expect(characters('😀'.repeat(4000))).toBe(4000)
    // A lone surrogate is one character.
    expect(characters('\ud83d')).toBe(1)
    expect(characters('a\ud83db')).toBe(3)
  })
})
