import { describe, expect, it } from '@jest/globals'
import { InputError, previewWithoutToken, readSettings } from '../src/run/inputs.js'

const valid: Record<string, string> = {
  token: 'ghs_secret',
  owner: 'octo-org',
  'space-number': '3'
}

/**
 * readSettings over `inputs` for a run of `eventName`; what it masks goes to `masked`, in order
 * (nothing reaches stdout).
 */
function settingsFrom(inputs: Record<string, string>, masked: string[] = [], eventName = 'push') {
  return readSettings(
    name => inputs[name] ?? '',
    secret => masked.push(secret),
    { eventName }
  )
}

function errorFor(
  inputs: Record<string, string>,
  masked: string[] = [],
  eventName = 'push'
): InputError {
  try {
    settingsFrom(inputs, masked, eventName)
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
      ownership: 'files',
      resourceType: 'github_file',
      sync: 'auto',
      prune: true,
      dryRun: false,
      apiUrl: 'https://api.github.com',
      namePrefix: '',
      writeIntervalMs: 1000,
      maxDeletions: 50,
      batchSize: 100
    })
    expect(s.globs.patterns).toEqual(['**/*.md'])
  })

  it('reads every input', () => {
    const s = settingsFrom({
      ...valid,
      'owner-type': 'USER',
      ownership: 'Repository',
      'resource-type': 'free_text',
      sync: 'full',
      prune: 'False',
      'dry-run': 'TRUE',
      files: 'docs/**\n!docs/drafts/**\n\n# comment\n',
      'name-prefix': 'repo: ',
      'api-url': 'https://ghe.example.com/api/v3',
      'write-interval': '0.25',
      'max-deletions': '0',
      'batch-size': '1'
    })
    expect(s).toMatchObject({
      ownerType: 'user',
      ownership: 'repository',
      resourceType: 'free_text',
      sync: 'full',
      prune: false,
      dryRun: true,
      namePrefix: 'repo: ',
      apiUrl: 'https://ghe.example.com/api/v3',
      writeIntervalMs: 250,
      maxDeletions: 0,
      batchSize: 1
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
    [{ 'space-number': '' }, /Input 'space-number' or 'space-name' is required; got neither/],
    [
      { 'space-name': 'Docs' },
      /Input 'space-number' \("3"\) and input 'space-name' \("Docs"\) are both set; set exactly one/
    ],
    [{ 'space-number': '', 'space-name': 'a\nb' }, /Input 'space-name' must be a single line/],
    [{ 'create-space': 'true' }, /Input 'create-space' is true, .*needs 'space-name'/],
    [
      { 'base-role': 'owner' },
      /Input 'base-role' must be one of no_access, reader, writer, admin; got "owner"/
    ],
    [
      { 'owner-type': 'user', 'base-role': 'reader' },
      /Input 'base-role' \("reader"\) is for organization Spaces only; 'owner-type' is user/
    ],
    [{ 'instructions-file': '../x.md' }, /Input 'instructions-file' must be a file's path/],
    [{ 'instructions-file': '/abs.md' }, /Input 'instructions-file'/],
    [{ 'instructions-file': 'docs/' }, /Input 'instructions-file'/],
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
    [{ ownership: 'all' }, /^Input 'ownership' must be one of 'files', 'repository'; got "all"\.$/],
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
    [{ 'name-prefix': 'a\nb' }, /Input 'name-prefix' must be a single line/],
    [
      { 'batch-size': '0' },
      /Input 'batch-size' must be a whole number from 1 to 1000 \(default 100; 1 sends one request per resource\).*got "0"/
    ],
    [{ 'batch-size': '1001' }, /Input 'batch-size'.*got "1001"/],
    [
      { 'release-notes': '101' },
      /Input 'release-notes' must be a whole number from 0 to 100 \(default 0: no release notes\); got "101"/
    ],
    [{ 'release-notes': '-1' }, /Input 'release-notes'.*got "-1"/],
    [{ 'batch-size': '10.5' }, /Input 'batch-size'.*got "10.5"/]
  ])('rejects %j', (override, message) => {
    expect(errorFor({ ...valid, ...override }).message).toMatch(message)
  })

  it('reads the Space by name, with its settings', () => {
    const s = settingsFrom({
      ...valid,
      'space-number': '',
      'space-name': 'Team docs',
      'create-space': 'true',
      description: 'What we wrote down',
      'instructions-file': './.github/instructions.md',
      'base-role': 'reader'
    })
    expect(s).toMatchObject({
      spaceName: 'Team docs',
      createSpace: true,
      spaceSettings: {
        description: 'What we wrote down',
        instructionsFile: '.github/instructions.md',
        baseRole: 'reader'
      }
    })
    expect(s.spaceNumber).toBeUndefined()
  })

  it('leaves every setting of the Space alone by default', () => {
    expect(settingsFrom(valid)).toMatchObject({ createSpace: false, spaceSettings: {} })
  })

  it('never puts the token in an error message', () => {
    const error = errorFor({ ...valid, 'space-number': 'x' })
    expect(error.message).not.toContain('ghs_secret')
  })
})

describe('token', () => {
  it.each([
    ['a line feed', 'ghp_firstHalf0123\nsecondHalf4567'],
    ['CR LF', 'ghp_firstHalf0123\r\nsecondHalf4567'],
    ['a carriage return', 'ghp_firstHalf0123\rsecondHalf4567'],
    ['a NUL', 'ghp_firstHalf0123\u0000secondHalf4567'],
    ['a tab', 'ghp_firstHalf0123\tsecondHalf4567'],
    ['DEL', 'ghp_firstHalf0123\u007fsecondHalf4567'],
    ['a C1 control', 'ghp_firstHalf0123\u0085secondHalf4567']
  ])('with %s is masked, piece by piece, and refused without showing any of it', (_, token) => {
    const masked: string[] = []
    const error = errorFor({ ...valid, token }, masked)
    expect(error.message).toMatch(
      /^Input 'token' holds a line break or another control character, which no HTTP header may carry; its value is not shown\./
    )
    for (const piece of ['ghp_firstHalf0123', 'secondHalf4567', 'ghp_', 'Half', token]) {
      expect(error.message).not.toContain(piece)
    }
    // The runner masks line by line: the whole token and each piece between control characters.
    expect(masked).toEqual([token, 'ghp_firstHalf0123', 'secondHalf4567'])
  })

  it('an ordinary token is masked once and accepted', () => {
    const masked: string[] = []
    const token = settingsFrom({ ...valid, token: 'ghs_ordinary0123' }, masked).token
    expect(token).toBe('ghs_ordinary0123')
    expect(masked).toEqual(['ghs_ordinary0123'])
  })
})

describe('an empty token on a pull request (a fork gets no secrets)', () => {
  it.each(['pull_request'])(
    'on %s is no error: the step previews nothing, with a notice naming the input and forks',
    eventName => {
      const masked: string[] = []
      const s = settingsFrom({ ...valid, token: '' }, masked, eventName)
      expect(s.token).toBe('')
      expect(masked).toEqual([])
      const notice = previewWithoutToken(s, eventName)
      expect(notice).toContain(`Input 'token' is empty on this ${eventName} event`)
      expect(notice).toContain('Pull requests from forks get no secrets')
      expect(notice).toContain(
        'if: github.event.pull_request.head.repo.full_name == github.repository'
      )
    }
  )

  // pull_request_target gets secrets, forks included: an empty token there is a missing secret.
  it.each(['pull_request_target', 'push', 'workflow_dispatch', 'schedule', 'release', ''])(
    'on %j stays an input error',
    eventName => {
      expect(errorFor({ ...valid, token: '' }, [], eventName).message).toMatch(
        /^Input 'token' is required; got an empty value\./
      )
    }
  )

  it('with a token, a pull request previews as usual', () => {
    const s = settingsFrom(valid, [], 'pull_request')
    expect(previewWithoutToken(s, 'pull_request')).toBeUndefined()
  })

  it('still checks the other inputs', () => {
    expect(
      errorFor({ ...valid, token: '', 'space-number': 'x' }, [], 'pull_request').message
    ).toMatch(/^Input 'space-number' must be a positive whole number/)
  })
})

describe('api-url', () => {
  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://127.3.4.5:8080/api/v3/', 'http://127.3.4.5:8080/api/v3'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
    ['https://ghe.example.com/api/v3', 'https://ghe.example.com/api/v3'],
    ['https://api.octo.ghe.com', 'https://api.octo.ghe.com']
  ])('accepts %s', (given, apiUrl) => {
    expect(settingsFrom({ ...valid, 'api-url': given }).apiUrl).toBe(apiUrl)
  })

  it.each([
    [
      'https://alice:s3cr3tPw@ghe.example.com/api/v3',
      'https://***:***@ghe.example.com/api/v3',
      ['alice', 's3cr3tPw']
    ],
    [
      'http://alice:s3cr3tPw@127.0.0.1:8080',
      'http://***:***@127.0.0.1:8080',
      ['alice', 's3cr3tPw']
    ],
    ['https://s3cr3tTok@ghe.example.com', 'https://***@ghe.example.com', ['s3cr3tTok']],
    [
      'https://alice:p%40ss%20w0rd@ghe.example.com',
      'https://***:***@ghe.example.com',
      ['alice', 'p%40ss%20w0rd', 'p@ss w0rd']
    ],
    // Unparseable, yet the credentials are still hidden.
    ['https://alice:s3cr3t Pw@ghe example.com', 'https://***:***@ghe example.com', ['alice']]
  ])('refuses credentials in %s, masks them and never shows them', (given, shown, secrets) => {
    const masked: string[] = []
    const error = errorFor({ ...valid, 'api-url': given }, masked)
    expect(error.message).toBe(
      `Input 'api-url' must be a URL without credentials (no user:password@; the action authenticates with the 'token' input), such as https://api.github.com or https://HOST/api/v3; got ${JSON.stringify(shown)}.`
    )
    for (const secret of secrets) expect(masked).toContain(secret)
    for (const secret of [...secrets, 's3cr3t']) expect(error.message).not.toContain(secret)
  })

  it.each([
    ['https://api.github.com/?access_token=abc123', 'https://api.github.com/?***'],
    ['https://api.github.com/api/v3?', 'https://api.github.com/api/v3?***'],
    ['https://api.github.com/#frag', 'https://api.github.com/#***'],
    ['http://127.0.0.1:8080/?a=1#b', 'http://127.0.0.1:8080/?***#***']
  ])('refuses a query or a fragment: %s', (given, shown) => {
    const error = errorFor({ ...valid, 'api-url': given })
    expect(error.message).toBe(
      `Input 'api-url' must be a URL without a query (?…) or a fragment (#…), such as https://api.github.com or https://HOST/api/v3; got ${JSON.stringify(shown)}.`
    )
    expect(error.message).not.toContain('abc123')
  })

  it.each([
    'http://ghe.example.com/api/v3',
    'http://api.github.com',
    'http://10.0.0.5:8080',
    'http://128.0.0.1',
    'http://[::2]:3000',
    'http://localhost.example.com'
  ])('refuses plain http to a host that is not loopback: %s', given => {
    expect(errorFor({ ...valid, 'api-url': given }).message).toBe(
      `Input 'api-url' must be an https:// URL, such as https://api.github.com or https://HOST/api/v3 (plain http:// would send the token in clear; it is accepted only for a loopback host: localhost, 127.0.0.0/8 or [::1]); got ${JSON.stringify(given)}.`
    )
  })
})

describe('warnings', () => {
  it('says name-prefix is ignored for github_file resources', () => {
    expect(settingsFrom({ ...valid, 'name-prefix': 'docs: ' }).warnings).toEqual([
      `Input 'name-prefix' ("docs: ") is ignored: it names free_text resources, and 'resource-type' is github_file (a github_file resource is named by its path).`
    ])
  })

  it('has none for free_text with a prefix, or github_file without one', () => {
    expect(
      settingsFrom({ ...valid, 'name-prefix': 'docs: ', 'resource-type': 'free_text' }).warnings
    ).toEqual([])
    expect(settingsFrom(valid).warnings).toEqual([])
  })
})

describe('files with braces', () => {
  it.each([
    ['docs/{1..100000}.md', 1, /more than 1,000 patterns/],
    ['README.md\n# comment\n\ndocs/{1..100000}.md', 4, /more than 1,000 patterns/],
    ['{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}{s,t}', 1, /more than 1,000 patterns/],
    ['{a..z}{a..z}{a..z}', 1, /more than 1,000 patterns/]
  ])('refuses %j before any request, naming the line and the limit', (files, line, why) => {
    const message = errorFor({ ...valid, files }).message
    expect(message).toMatch(new RegExp(`^Input 'files' line ${line} `))
    expect(message).toMatch(why)
    expect(message).toContain('the limit is at most 1,000 patterns a line')
  })
})
