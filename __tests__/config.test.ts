import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import { ENTRY_KEYS, spacesFromConfig } from '../src/run/config.js'
import { InputError } from '../src/run/inputs.js'

const step: Record<string, string> = {
  token: 'ghs_secret',
  owner: 'octo-org',
  files: '**/*.md',
  config: '.github/copilot-spaces.yml'
}
const read = (name: string) => step[name] ?? ''
const spaces = (text: string) => spacesFromConfig(text, 'c.yml', read, () => {})

async function refusal(text: string): Promise<string> {
  try {
    await spaces(text)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as Error).message
  }
  throw new Error('expected an InputError')
}

describe('the schema', () => {
  const action = parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> }
  const stepOnly = [
    ...['token', 'api-url', 'sync', 'dry-run', 'write-interval', 'batch-size', 'config'],
    ...['comment', 'github-token', 'comment-author']
  ]

  it('lets an entry take every input about one Space, and only those', () => {
    const perSpace = Object.keys(action.inputs).filter(k => !stepOnly.includes(k))
    expect([...ENTRY_KEYS].sort()).toEqual(perSpace.sort())
  })
})

describe('spacesFromConfig', () => {
  it("takes the run's defaults where neither the entry nor the step gives 'owner' or 'api-url'", async () => {
    const noOwner = (name: string) => (name === 'owner' ? '' : read(name))
    const [space] = await spacesFromConfig(
      'spaces:\n  - space-number: 4\n',
      'c.yml',
      noOwner,
      () => {},
      {
        repoOwner: 'repo-owner',
        apiUrl: 'https://ghe.example.com/api/v3'
      }
    )
    expect(space).toMatchObject({ owner: 'repo-owner', apiUrl: 'https://ghe.example.com/api/v3' })
  })

  it('reads each entry as the inputs of one Space, the step filling in what it leaves out', async () => {
    const [a, b] = await spaces(`
spaces:
  - space-number: 3
    files: |
      docs/**
      !docs/drafts/**
    prune: false
  - space-name: Handbook
    owner: other-org
    create-space: true
    files: [handbook/**, guides/*.md]
    ownership: repository
    resource-type: free_text
    max-deletions: 0
`)
    expect(a).toMatchObject({
      spaceNumber: 3,
      owner: 'octo-org',
      ownership: 'files',
      prune: false,
      origin: 'Config file "c.yml", entry 1 (space-number 3)'
    })
    expect(a!.globs.patterns).toEqual(['docs/**', '!docs/drafts/**'])
    expect(a!.config).toBeUndefined()
    expect(b).toMatchObject({
      spaceName: 'Handbook',
      owner: 'other-org',
      createSpace: true,
      ownership: 'repository',
      resourceType: 'free_text',
      maxDeletions: 0,
      token: 'ghs_secret'
    })
    expect(b!.spaceNumber).toBeUndefined()
    expect(b!.globs.patterns).toEqual(['handbook/**', 'guides/*.md'])
  })

  it.each([
    ['spaces:\n  - space-number: 0\n', "key 'space-number' must be 1 or more; got 0"],
    ['spaces:\n  - space-number: "3"\n', 'key \'space-number\' must be a whole number; got "3"'],
    ['spaces:\n  - space-name: ""\n', "key 'space-name' must not be empty"],
    ['spaces:\n  - space-name: A\n    files: []\n', "key 'files' must be a list of globs"],
    [
      'spaces:\n  - space-name: A\n    max-deletions: -1\n',
      "key 'max-deletions' must be 0 or more"
    ],
    [
      'spaces:\n  - space-name: A\n    owner: "bad owner"\n',
      `key 'owner' must be a GitHub organization or user login`
    ],
    ['spaces:\n  - space-name: A\n    token: x\n', "unknown key 'token'"],
    [
      'spaces:\n  - space-name: A\n    ownership: all\n',
      'key \'ownership\' must be one of files, repository; got "all"'
    ],
    [
      'spaces:\n  - space-number: 3\n    files: a/**\n  - space-number: 3\n    files: b/**\n',
      'entries 1 and 2 name the same Space (octo-org/3); give each Space one entry'
    ],
    [
      'spaces:\n  - space-name: Docs\n  - space-name: Docs\n    owner: Octo-Org\n',
      'entries 1 and 2 name the same Space (Octo-Org/"Docs")'
    ],
    [
      'spaces:\n  - space-name: A\n    release-notes: 101\n',
      "key 'release-notes' must be 100 or less; got 101"
    ],
    ['spaces:\n  - 3\n', 'entry 1: must be a mapping of keys to values'],
    ['spaces: docs\n', "'spaces' must be a list"],
    ['- space-name: A\n', "must be a mapping: the file holds one key, 'spaces'"],
    ['spaces:\n  - space-name: A\n    space-name: B\n', 'is not valid YAML'],
    [
      'spaces:\n  - space-number: 2\n    create-space: true\n',
      "key 'create-space' is true, but the Space is named by 'space-number'"
    ]
  ])('refuses %j', async (text, message) => {
    const got = await refusal(text)
    expect(got).toMatch(/^Config file "c.yml"(: |, entry 1)/)
    expect(got).toContain(message)
  })
})
