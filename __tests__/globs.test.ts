import { describe, expect, it } from '@jest/globals'
import { compileGlobs } from '../src/globs.js'

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
