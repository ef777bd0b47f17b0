import { describe, expect, it } from '@jest/globals'
import { InputError, readSettings } from '../src/inputs.js'

const valid: Record<string, string> = {
  token: 'ghs_secret',
  owner: 'octo-org',
  'space-number': '3'
}

function settingsFrom(inputs: Record<string, string>) {
  return readSettings(name => inputs[name] ?? '')
}

function errorFor(inputs: Record<string, string>): InputError {
  try {
    settingsFrom(inputs)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an InputError')
}

describe('readSettings', () => {
  it('applies the documented defaults', () => {
    const s = settingsFrom({ ...valid, 'api-url': 'https://api.github.com/' })
    expect(s).toMatchObject({
      token: 'ghs_secret',
      owner: 'octo-org',
      ownerType: 'auto',
      spaceNumber: 3,
      resourceType: 'github_file',
      sync: 'auto',
      prune: true,
      dryRun: false,
      apiUrl: 'https://api.github.com',
      namePrefix: '',
      writeIntervalMs: 1000,
      maxDeletions: 50
    })
    expect(s.globs.patterns).toEqual(['**/*.md'])
  })

  it('reads every input', () => {
    const s = settingsFrom({
      ...valid,
      'owner-type': 'USER',
      'resource-type': 'free_text',
      sync: 'full',
      prune: 'False',
      'dry-run': 'TRUE',
      files: 'docs/**\n!docs/drafts/**\n\n# comment\n',
      'name-prefix': 'repo: ',
      'api-url': 'https://ghe.example.com/api/v3',
      'write-interval': '0.25',
      'max-deletions': '0'
    })
    expect(s).toMatchObject({
      ownerType: 'user',
      resourceType: 'free_text',
      sync: 'full',
      prune: false,
      dryRun: true,
      namePrefix: 'repo: ',
      apiUrl: 'https://ghe.example.com/api/v3',
      writeIntervalMs: 250,
      maxDeletions: 0
    })
    expect(s.globs.patterns).toEqual(['docs/**', '!docs/drafts/**'])
  })

  it.each([
    [{ token: '' }, /Input 'token' is required/],
    [
      { owner: 'bad owner' },
      /Input 'owner' must be a GitHub organization or user login.*got "bad owner"/
    ],
    [{ owner: '-leading' }, /Input 'owner'/],
    [{ owner: 'a'.repeat(40) }, /Input 'owner'/],
    [{ 'space-number': '' }, /Input 'space-number' must be a positive whole number.*got ""/],
    [{ 'space-number': '0' }, /Input 'space-number'.*got "0"/],
    [{ 'space-number': '-3' }, /Input 'space-number'.*got "-3"/],
    [{ 'space-number': '3.5' }, /Input 'space-number'.*got "3.5"/],
    [{ 'space-number': 'three' }, /Input 'space-number'.*got "three"/],
    [{ 'space-number': '99999999999999999' }, /Input 'space-number'/],
    [
      { 'owner-type': 'team' },
      /Input 'owner-type' must be one of 'auto', 'org', 'user'; got "team"/
    ],
    [
      { 'resource-type': 'repository' },
      /Input 'resource-type' must be one of 'github_file', 'free_text'; got "repository"/
    ],
    [
      { sync: 'sometimes' },
      /Input 'sync' must be one of 'auto', 'changed', 'full'; got "sometimes"/
    ],
    [{ prune: 'yes' }, /Input 'prune' must be 'true' or 'false'; got "yes"/],
    [{ 'dry-run': '1' }, /Input 'dry-run' must be 'true' or 'false'; got "1"/],
    [{ 'api-url': 'not a url' }, /Input 'api-url' must be an http\(s\) URL.*got "not a url"/],
    [{ 'api-url': 'ftp://example.com' }, /Input 'api-url'/],
    [{ files: '!docs/**' }, /Input 'files' needs at least one pattern that is not an exclusion/],
    [{ files: '# only a comment' }, /Input 'files' needs at least one pattern/],
    [{ files: 'docs/**\n!' }, /Input 'files' has a lone "!"/],
    [{ files: '/docs/*.md' }, /Input 'files' has a pattern starting with "\/"/],
    [{ files: '../other/*.md' }, /Input 'files' has a pattern with "\.\."/],
    [{ files: 'docs/[z-a].md' }, /Input 'files' has a pattern that is not a valid glob.*\[z-a\]/],
    [
      { files: 'docs/**/' },
      /Input 'files' has a pattern ending in "\/", which matches folders, never files/
    ],
    [{ files: 'docs\\' }, /Input 'files' has a pattern ending in a lone "\\"/],
    [{ 'write-interval': '-1' }, /Input 'write-interval' must be a number of seconds from 0 to 60/],
    [{ 'write-interval': '61' }, /Input 'write-interval'.*got "61"/],
    [
      { 'max-deletions': '2.5' },
      /Input 'max-deletions' must be a whole number, 0 or more.*got "2.5"/
    ],
    [{ 'name-prefix': 'a\nb' }, /Input 'name-prefix' must be a single line/]
  ])('rejects %j', (override, message) => {
    expect(errorFor({ ...valid, ...override }).message).toMatch(message)
  })

  it('never puts the token in an error message', () => {
    const error = errorFor({ ...valid, 'space-number': 'x' })
    expect(error.message).not.toContain('ghs_secret')
  })
})
