import { describe, expect, it } from '@jest/globals'
import { contentHash, readMarker, withMarker } from '../src/space/marker.js'

describe('free_text marker', () => {
  it('round-trips repository, path and blob, whatever the path holds', () => {
    for (const path of ['a.md', 'docs/naïve café.md', 'x --> <b>&.md', '文档/说明.md']) {
      const marker = { repositoryId: 42, path, blobSha: 'abc123' }
      const text = withMarker('# Title\n\nBody', marker)
      expect(text.startsWith('# Title\n\nBody\n')).toBe(true)
      expect(text.split('-->').length).toBe(2)
      expect(readMarker(text)).toEqual({ ...marker, intact: true })
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

  it("sees a person's edit of the text above the marker, marker kept", () => {
    const marker = { repositoryId: 7, path: 'docs/a.md', blobSha: 'b1' }
    const text = withMarker('# Title\n\nBody\n', marker)
    const edited = text.replace('Body', 'Body, edited by hand')
    expect(readMarker(edited)).toEqual({ ...marker, intact: false })
    expect(readMarker(text.replace('# Title', '# Title!'))?.intact).toBe(false)
  })

  it('takes line endings, trailing whitespace and composition a server normalised for the same text', () => {
    const marker = { repositoryId: 7, path: 'docs/a.md', blobSha: 'b1' }
    const text = withMarker('Line one   \r\nCafe\u0301\t\n\n\n', marker)
    const normalised = text
      .replace(/\r\n/g, '\n')
      .replace(/[ \t]+\n/g, '\n')
      .normalize('NFC')
    expect(normalised).not.toBe(text)
    expect(readMarker(normalised)).toEqual({ ...marker, intact: true })
    expect(readMarker(text.trimEnd())).toEqual({ ...marker, intact: true })
  })

  it('counts a marker written before the text hash existed as not intact', () => {
    const legacy =
      'Body\n\n<!-- copilot-space-sync: {"repository_id":1,"path":"a.md","blob":"b"} -->\n'
    expect(readMarker(legacy)).toEqual({
      repositoryId: 1,
      path: 'a.md',
      blobSha: 'b',
      intact: false
    })
  })

  it('hashes what a person reads: the same for CRLF and LF, different for other words', () => {
    expect(contentHash('a\r\nb  ')).toBe(contentHash('a\nb'))
    expect(contentHash('a\nb')).not.toBe(contentHash('a\nc'))
  })
})
