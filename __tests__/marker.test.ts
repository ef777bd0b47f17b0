import { describe, expect, it } from '@jest/globals'
import { readMarker, withMarker } from '../src/marker.js'

describe('free_text marker', () => {
  it('round-trips repository, path and blob, whatever the path holds', () => {
    for (const path of ['a.md', 'docs/naïve café.md', 'x --> <b>&.md', '文档/说明.md']) {
      const marker = { repositoryId: 42, path, blobSha: 'abc123' }
      const text = withMarker('# Title\n\nBody', marker)
      expect(text.startsWith('# Title\n\nBody\n')).toBe(true)
      expect(text.split('-->').length).toBe(2)
      expect(readMarker(text)).toEqual(marker)
    }
  })

  it('finds no marker in hand-written notes or text that merely looks like one', () => {
    expect(readMarker('Some helpful notes')).toBeUndefined()
    expect(readMarker('<!-- copilot-space-sync: not json -->')).toBeUndefined()
    expect(readMarker('<!-- copilot-space-sync: {"path":"a.md"} -->')).toBeUndefined()
    expect(
      readMarker(withMarker('x', { repositoryId: 1, path: 'a', blobSha: 'b' }) + 'edited after')
    ).toBeUndefined()
    expect(readMarker(undefined)).toBeUndefined()
  })

  it('marks empty content too', () => {
    expect(readMarker(withMarker('', { repositoryId: 1, path: 'e.md', blobSha: 'e' }))?.path).toBe(
      'e.md'
    )
  })
})
