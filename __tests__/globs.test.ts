import { describe, expect, it } from '@jest/globals'
import { Minimatch } from 'minimatch'
import { compileGlobs } from '../src/repository/globs.js'
import { mulberry32 } from './helpers/random.js'

describe('compileGlobs', () => {
  it('matches path strings: dotfiles included, case-sensitive, exclusions win', () => {
    const g = compileGlobs('**/*.md\n!drafts/**\n')
    expect(g.matches('README.md')).toBe(true)
    expect(g.matches('docs/deep/a.md')).toBe(true)
    expect(g.matches('.github/CONTRIBUTING.md')).toBe(true)
    expect(g.matches('.notes.md')).toBe(true)
    expect(g.matches('README.MD')).toBe(false)
    expect(g.matches('drafts/a.md')).toBe(false)
    expect(g.matches('src/a.ts')).toBe(false)
  })

  it('handles spaces and unicode in paths', () => {
    const g = compileGlobs('docs/**')
    expect(g.matches('docs/naïve café.md')).toBe(true)
    expect(g.matches('文档/说明.md')).toBe(false)
    expect(compileGlobs('文档/*.md').matches('文档/说明.md')).toBe(true)
  })

  it('accepts a leading ./ and ignores comments and blank lines', () => {
    const g = compileGlobs('\n# docs\n./docs/*.md\n   \n')
    expect(g.patterns).toEqual(['./docs/*.md'])
    expect(g.matches('docs/a.md')).toBe(true)
  })
})

describe('braces', () => {
  const refusal = (text: string) => {
    try {
      compileGlobs(text)
    } catch (error) {
      return (error as Error).message
    }
    throw new Error(`expected ${JSON.stringify(text)} to be refused`)
  }

  it('refuses a range that expands past the limit, without expanding it (today: minutes)', () => {
    expect(refusal('docs/{1..100000}.md')).toBe(
      'line 1 has braces that expand to more than 1,000 patterns (the limit is at most 1,000 patterns a line); ' +
        'use a wildcard instead, e.g. "docs/*.md" rather than "docs/{1..5000}.md"; got "docs/{1..100000}.md".'
    )
  })

  it('counts sets that multiply', () => {
    // 2^9 = 512 patterns is fine; 2^10 = 1024 is not.
    const nine = '{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}'
    expect(compileGlobs(nine).matches('acegikmoq')).toBe(true)
    expect(refusal(`${nine}{s,t}`)).toMatch(/^line 1 has braces that expand to more than 1,000/)
    expect(refusal('{a..z}{a..z}{a..z}')).toMatch(
      /^line 1 has braces that expand to more than 1,000/
    )
    expect(refusal('{a,b}'.repeat(400))).toMatch(/more than 1,000 patterns/)
    expect(refusal('docs/{a,{b,{c,d}}}/{1..300}.md')).toMatch(/more than 1,000 patterns/)
  })

  it('refuses deep nesting and expansions too long in all, naming the line', () => {
    expect(refusal('*.md\n' + '{'.repeat(11) + 'a,b' + '}'.repeat(11))).toBe(
      `line 2 nests braces more than 10 deep (the limit is 10 levels and at most 1,000 patterns a line); got ${JSON.stringify('{'.repeat(11) + 'a,b' + '}'.repeat(11))}.`
    )
    expect(refusal(`docs/{1..999}/${'x'.repeat(200)}.md`)).toMatch(
      /^line 1 has braces that expand to 999 patterns of 2\d\d,\d{3} characters in all \(the limit is 100,000 characters, and at most 1,000 patterns a line\)/
    )
    // Escaped braces are literal, not nesting.
    expect(compileGlobs(`${'\\{'.repeat(20)}a.md`).patterns).toHaveLength(1)
  })

  it('keeps ordinary braces working', () => {
    const g = compileGlobs('docs/{guide,api}/**/*.md\n!docs/api/{internal,drafts}/**')
    expect(g.matches('docs/guide/start.md')).toBe(true)
    expect(g.matches('docs/api/v1/users.md')).toBe(true)
    expect(g.matches('docs/api/internal/x.md')).toBe(false)
    expect(g.matches('docs/other/x.md')).toBe(false)
    const range = compileGlobs('chapters/{1..12}.md\nnotes/{a..c}/*.md')
    expect(range.matches('chapters/12.md')).toBe(true)
    expect(range.matches('chapters/13.md')).toBe(false)
    expect(range.matches('notes/b/x.md')).toBe(true)
    expect(compileGlobs('{a..z}{a..z}/*.md').matches('zz/x.md')).toBe(true)
  })

  it("answers as minimatch's own match() does, on odd paths and every kind of pattern", () => {
    const patterns = [
      '**/*.md',
      'docs/**',
      '*.md',
      'docs/*.md',
      '**/README*',
      'a/**/b/*.txt',
      '**/.github/**',
      'docs/[a-c]*.md',
      'docs/?.md',
      '**/*.{md,mdx}',
      'x/**/*',
      '**',
      '.*',
      'a/b/**/c',
      'docs/**/*.md/**',
      'x/!(*.md)',
      '+(a|b).md',
      '@(x|y)/**',
      'docs/\\*.md',
      '**/ü/*.md',
      'a b/*.md',
      '**/x/**',
      '*/**',
      '{a,b}/**/*.md',
      '**/README.md',
      '**/x',
      '**/.*',
      '**/[!a]*.md',
      '**/?',
      '**/{docs,x}',
      '**/*.md/**',
      '**/*md',
      '**/*.MD',
      '**/*.tar.gz',
      '**/*.',
      '**/*d',
      '**/*|x'
    ]
    const segments = [
      'a',
      'b',
      'x',
      'docs',
      'ü',
      '.github',
      '.hidden',
      'a b',
      'README.md',
      'x.md',
      'y.mdx',
      'q.txt',
      '*.md',
      'c\nd.md',
      'e\r.md',
      '.md',
      '[a].md',
      '%.md',
      '\\.md',
      'x.tar.gz',
      'md',
      '..md',
      'X.MD',
      'a.',
      'a|x'
    ]
    const next = mulberry32(20261129)
    const paths = Array.from({ length: 3000 }, () =>
      Array.from(
        { length: 1 + Math.floor(next() * 4) },
        () => segments[Math.floor(next() * segments.length)]
      ).join('/')
    )
    const options = { dot: true, nonegate: true, nocomment: true, optimizationLevel: 2 }
    for (const pattern of patterns) {
      const ours = compileGlobs(pattern)
      const theirs = new Minimatch(pattern, options)
      const differ = paths.filter(p => ours.matches(p) !== theirs.match(p))
      expect({ pattern, differ }).toEqual({ pattern, differ: [] })
    }
  })
})
