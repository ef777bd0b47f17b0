/**
 * What makes a listed resource ours (classifyResources, isCanonicalPath) and how a create whose
 * answer was lost is recognised in the listing (isCreatedResource).
 */
import { describe, expect, it } from '@jest/globals'
import type { CreateResourceBody, SpaceResource } from '../src/github/client.js'
import { withMarker } from '../src/space/marker.js'
import { isCanonicalPath, isCreatedResource, isUpdatedResource } from '../src/space/resource.js'
import { classifyResources } from '../src/space/state.js'
import { REPO_ID } from './helpers/constants.js'

const COMMIT = 'c'.repeat(40)
const BLOB = 'b'.repeat(40)
const inDocs = (path: string) => path.startsWith('docs/')

function githubFile(id: number, metadata: Record<string, unknown>) {
  return { id, resource_type: 'github_file', metadata }
}

function freeText(id: number, name: string, text: string) {
  return { id, resource_type: 'free_text', metadata: { name, text } }
}

const marked = (path: string, repositoryId = REPO_ID, blobSha = BLOB) =>
  withMarker('# Title\n\nBody\n', { repositoryId, path, blobSha })

describe('classifyResources', () => {
  it('keeps release notes of this repository apart: never a file, never counted as others', () => {
    const state = classifyResources(
      [
        freeText(1, 'Release v1', marked('/releases/7')),
        freeText(2, 'Release v2', marked('/releases/8', REPO_ID + 1)),
        freeText(3, 'Release v3', marked('/releases/x')),
        freeText(4, 'docs/a.md', marked('docs/a.md'))
      ],
      REPO_ID,
      () => true
    )
    expect(state.notes).toEqual([
      { id: 1, releaseId: 7, name: 'Release v1', version: BLOB, intact: true }
    ])
    expect(state.ours.map(r => r.id)).toEqual([4])
    expect(state.othersCount).toBe(2)
  })

  it('keeps github_file resources of this repository with a canonical path in scope', () => {
    const state = classifyResources(
      [
        githubFile(1, { repository_id: REPO_ID, file_path: 'docs/a.md', sha: COMMIT }),
        githubFile(2, { repository_id: REPO_ID, file_path: 'docs/no-sha.md' }),
        githubFile(3, { repository_id: REPO_ID + 1, file_path: 'docs/a.md', sha: COMMIT }),
        githubFile(4, { repository_id: REPO_ID, file_path: 'src/a.md', sha: COMMIT }),
        githubFile(5, { repository_id: REPO_ID, file_path: 'docs//a.md', sha: COMMIT }),
        githubFile(6, { repository_id: String(REPO_ID), file_path: 'docs/b.md', sha: COMMIT }),
        githubFile(7, { repository_id: REPO_ID, file_path: 42, sha: COMMIT })
      ],
      REPO_ID,
      inDocs
    )
    expect(state).toEqual({
      ours: [
        { id: 1, type: 'github_file', path: 'docs/a.md', commit: COMMIT },
        { id: 2, type: 'github_file', path: 'docs/no-sha.md', commit: undefined }
      ],
      notes: [],
      othersCount: 5
    })
  })

  it('keeps free_text resources whose marker names this repository and a canonical path in scope', () => {
    const edited = marked('docs/edited.md').replace('Body', 'Body, edited by hand')
    const state = classifyResources(
      [
        freeText(1, 'docs/a.md', marked('docs/a.md')),
        freeText(2, 'renamed by hand', edited),
        freeText(3, 'docs/a.md', 'A hand-written note with the same name'),
        freeText(4, 'docs/a.md', marked('docs/a.md', REPO_ID + 1)),
        freeText(5, 'src/a.md', marked('src/a.md')),
        freeText(6, 'docs/../a.md', marked('docs/../a.md')),
        { id: 7, resource_type: 'free_text', metadata: { text: marked('docs/nameless.md') } }
      ],
      REPO_ID,
      inDocs
    )
    expect(state).toEqual({
      ours: [
        {
          id: 1,
          type: 'free_text',
          path: 'docs/a.md',
          blobSha: BLOB,
          name: 'docs/a.md',
          intact: true
        },
        {
          id: 2,
          type: 'free_text',
          path: 'docs/edited.md',
          blobSha: BLOB,
          name: 'renamed by hand',
          intact: false
        },
        {
          id: 7,
          type: 'free_text',
          path: 'docs/nameless.md',
          blobSha: BLOB,
          name: undefined,
          intact: true
        }
      ],
      notes: [],
      othersCount: 4
    })
  })

  it('leaves alone, and counts, anything of a shape it does not expect', () => {
    const listed: unknown[] = [
      null,
      'docs/a.md',
      [githubFile(1, { repository_id: REPO_ID, file_path: 'docs/a.md' })],
      {
        resource_type: 'github_file',
        metadata: { repository_id: REPO_ID, file_path: 'docs/a.md' }
      },
      githubFile(1.5, { repository_id: REPO_ID, file_path: 'docs/a.md' }),
      githubFile(Number.MAX_SAFE_INTEGER + 1, { repository_id: REPO_ID, file_path: 'docs/a.md' }),
      { id: 2, resource_type: 'github_file', metadata: null },
      { id: 3, resource_type: 'github_file', metadata: [REPO_ID, 'docs/a.md'] },
      { id: 4, resource_type: 'repository', metadata: { repository_id: REPO_ID } },
      { id: 5, resource_type: 'free_text', metadata: { name: 'n', text: 42 } }
    ]
    expect(classifyResources(listed, REPO_ID, inDocs)).toEqual({
      ours: [],
      notes: [],
      othersCount: listed.length
    })
  })

  it('is empty for an empty Space', () => {
    expect(classifyResources([], REPO_ID, () => true)).toEqual({
      ours: [],
      notes: [],
      othersCount: 0
    })
  })
})

describe('isCanonicalPath', () => {
  it.each(['a.md', 'docs/a.md', 'docs/.hidden/a.md', 'docs/..a.md', 'docs/a..md', 'a b/c.md'])(
    'accepts %j',
    path => {
      expect(isCanonicalPath(path)).toBe(true)
    }
  )

  it.each([
    '',
    '/docs/a.md',
    'docs/',
    'docs//a.md',
    './docs/a.md',
    'docs/./a.md',
    'docs/../a.md',
    '..'
  ])('refuses %j', path => {
    expect(isCanonicalPath(path)).toBe(false)
  })
})

describe('isUpdatedResource', () => {
  it('is isCreatedResource, and for free_text the name as sent too', () => {
    const text = withMarker('# T\n', { repositoryId: REPO_ID, path: 'docs/a.md', blobSha: BLOB })
    const sent = {
      resource_type: 'free_text',
      metadata: { name: 'handbook: docs/a.md', text }
    } as CreateResourceBody
    const back = (name: string) =>
      ({
        id: 9,
        resource_type: 'free_text',
        metadata: { name, text },
        created_at: '',
        updated_at: ''
      }) as unknown as SpaceResource
    expect(isUpdatedResource(sent, back('handbook: docs/a.md'))).toBe(true)
    expect(isCreatedResource(sent, back('docs/a.md'))).toBe(true)
    // A name-only update has not taken effect while the old name is there.
    expect(isUpdatedResource(sent, back('docs/a.md'))).toBe(false)
    const file = {
      resource_type: 'github_file',
      metadata: { repository_id: REPO_ID, file_path: 'docs/a.md' }
    } as CreateResourceBody
    const listedFile = (metadata: object) =>
      ({ id: 9, resource_type: 'github_file', metadata }) as unknown as SpaceResource
    expect(
      isUpdatedResource(file, listedFile({ repository_id: REPO_ID, file_path: 'docs/a.md' }))
    ).toBe(true)
    // Unpinned sent, still pinned listed: not yet updated.
    expect(
      isUpdatedResource(
        file,
        listedFile({ repository_id: REPO_ID, file_path: 'docs/a.md', sha: COMMIT })
      )
    ).toBe(false)
  })
})

describe('isCreatedResource', () => {
  const sentFile: CreateResourceBody = {
    resource_type: 'github_file',
    metadata: { repository_id: REPO_ID, file_path: 'docs/a.md', sha: COMMIT }
  } as CreateResourceBody
  const listed = (r: Record<string, unknown>) =>
    ({ id: 9, created_at: '2026-03-02T09:00:00Z', ...r }) as unknown as SpaceResource

  it('github_file: the same repository, path and commit', () => {
    expect(isCreatedResource(sentFile, listed({ ...sentFile }))).toBe(true)
    for (const metadata of [
      { repository_id: REPO_ID + 1, file_path: 'docs/a.md', sha: COMMIT },
      { repository_id: REPO_ID, file_path: 'docs/b.md', sha: COMMIT },
      { repository_id: REPO_ID, file_path: 'docs/a.md', sha: 'd'.repeat(40) },
      { repository_id: REPO_ID, file_path: 'docs/a.md' }
    ]) {
      expect(isCreatedResource(sentFile, listed({ resource_type: 'github_file', metadata }))).toBe(
        false
      )
    }
    expect(
      isCreatedResource(
        sentFile,
        listed({ resource_type: 'free_text', metadata: sentFile.metadata })
      )
    ).toBe(false)
  })

  it('free_text: the same marker, with the text intact even when the server normalised it', () => {
    const text = withMarker('# Title\r\n\r\nBody  \r\n', {
      repositoryId: REPO_ID,
      path: 'docs/a.md',
      blobSha: BLOB
    })
    const sent = {
      resource_type: 'free_text',
      metadata: { name: 'docs/a.md', text }
    } as CreateResourceBody
    const back = (t: string, name = 'docs/a.md') =>
      listed({ resource_type: 'free_text', metadata: { name, text: t } })
    expect(isCreatedResource(sent, back(text))).toBe(true)
    // Line endings and trailing whitespace normalised by the server; the name is not compared.
    expect(isCreatedResource(sent, back(text.replace(/[ \t]*\r\n/g, '\n'), 'other'))).toBe(true)
    // Edited, another blob, path or repository, no marker: not the one sent.
    expect(isCreatedResource(sent, back(text.replace('Body', 'Body!')))).toBe(false)
    expect(isCreatedResource(sent, back(text.replace(BLOB, 'e'.repeat(40))))).toBe(false)
    expect(isCreatedResource(sent, back(text.replace('docs/a.md', 'docs/b.md')))).toBe(false)
    expect(isCreatedResource(sent, back(text.replace(String(REPO_ID), '4243')))).toBe(false)
    expect(isCreatedResource(sent, back('# Title\n\nBody\n'))).toBe(false)
  })

  it('free_text without a marker in what was sent matches nothing', () => {
    const sent = {
      resource_type: 'free_text',
      metadata: { name: 'n', text: 'no marker' }
    } as CreateResourceBody
    expect(
      isCreatedResource(sent, listed({ resource_type: 'free_text', metadata: sent.metadata }))
    ).toBe(false)
  })

  it('a listed entry of an unexpected shape is never the one sent', () => {
    for (const entry of [
      null,
      'x',
      [],
      { resource_type: 'github_file' },
      { resource_type: 'github_file', metadata: [] }
    ]) {
      expect(isCreatedResource(sentFile, entry as unknown as SpaceResource)).toBe(false)
    }
  })
})
