import { describe, expect, it } from '@jest/globals'
import { readMarker } from '../src/space/marker.js'
import {
  blobsToRead,
  checkDeletions,
  plan,
  settle,
  type PlanInput,
  type PlannedAction
} from '../src/sync/plan.js'
import { MAX_FREE_TEXT_BYTES, type OwnedResource } from '../src/space/resource.js'
import { mulberry32 } from './helpers/random.js'

const HEAD = 'h'.repeat(40)
const OLD = 'o'.repeat(40)

function input(overrides: Partial<PlanInput>): PlanInput {
  return {
    resourceType: 'github_file',
    commit: HEAD,
    namePrefix: '',
    desired: [],
    decide: 'all',
    renames: [],
    owned: [],
    prune: true,
    pin: true,
    complete: true,
    inFiles: () => true,
    changedSince: new Map(),
    ...overrides
  }
}

const file = (path: string, blobSha = `blob-${path}`, mode = '100644') => ({ path, blobSha, mode })
const gh = (id: number, path: string, commit = HEAD): OwnedResource => ({
  id,
  type: 'github_file',
  path,
  commit
})
const ft = (
  id: number,
  path: string,
  blobSha = `blob-${path}`,
  name = path,
  intact = true
): OwnedResource => ({
  id,
  type: 'free_text',
  path,
  blobSha,
  name,
  intact
})
const kinds = (actions: ReturnType<typeof plan>) => actions.map(a => `${a.kind} ${a.path}`)

describe('plan', () => {
  it('creates missing files, keeps current ones, deletes removed ones', () => {
    const actions = plan(
      input({ desired: [file('a.md'), file('b.md')], owned: [gh(1, 'a.md'), gh(2, 'gone.md')] })
    )
    expect(actions).toEqual([
      { kind: 'unchanged', action: 'unchanged', path: 'a.md', resourceId: 1 },
      { kind: 'create', path: 'b.md', blobSha: 'blob-b.md' },
      { kind: 'delete', path: 'gone.md', resourceId: 2, reason: 'file removed' }
    ])
  })

  it('is empty for an empty repository and an empty Space', () => {
    expect(plan(input({}))).toEqual([])
  })

  it('updates a github_file synced at an older commit only when the file changed since', () => {
    const changedSince = new Map([[OLD, new Set(['changed.md'])]])
    const actions = plan(
      input({
        desired: [file('changed.md'), file('same.md')],
        owned: [gh(1, 'changed.md', OLD), gh(2, 'same.md', OLD)],
        changedSince
      })
    )
    expect(actions).toEqual([
      {
        kind: 'update',
        path: 'changed.md',
        blobSha: 'blob-changed.md',
        resourceId: 1,
        reason: 'file changed'
      },
      { kind: 'unchanged', action: 'unchanged', path: 'same.md', resourceId: 2 }
    ])
  })

  it('updates a github_file when what changed since its commit is unknown', () => {
    const actions = plan(
      input({
        desired: [file('a.md')],
        owned: [gh(1, 'a.md', OLD)],
        changedSince: new Map([[OLD, undefined]])
      })
    )
    expect(kinds(actions)).toEqual(['update a.md'])
  })

  it('compares free_text by the blob in its marker and by its name', () => {
    const actions = plan(
      input({
        resourceType: 'free_text',
        namePrefix: 'docs: ',
        desired: [file('same.md'), file('edited.md', 'new-blob'), file('renamed-prefix.md')],
        owned: [
          ft(1, 'same.md', 'blob-same.md', 'docs: same.md'),
          ft(2, 'edited.md', 'old-blob', 'docs: edited.md'),
          ft(3, 'renamed-prefix.md', 'blob-renamed-prefix.md', 'renamed-prefix.md')
        ]
      })
    )
    expect(kinds(actions)).toEqual([
      'update edited.md',
      'update renamed-prefix.md',
      'unchanged same.md'
    ])
  })

  it('repairs a free_text whose text a person edited under our marker (same blob, same name)', () => {
    const actions = plan(
      input({
        resourceType: 'free_text',
        desired: [file('edited-by-hand.md'), file('kept.md')],
        owned: [
          ft(1, 'edited-by-hand.md', 'blob-edited-by-hand.md', 'edited-by-hand.md', false),
          ft(2, 'kept.md')
        ]
      })
    )
    expect(actions).toEqual([
      {
        kind: 'update',
        path: 'edited-by-hand.md',
        blobSha: 'blob-edited-by-hand.md',
        resourceId: 1,
        reason: 'text edited in the Space; restored from the file'
      },
      { kind: 'unchanged', action: 'unchanged', path: 'kept.md', resourceId: 2 }
    ])
  })

  it('moves the resource along with a renamed file (same id), within scope', () => {
    const actions = plan(
      input({
        decide: new Set(['old/a.md', 'new/a.md']),
        desired: [file('new/a.md')],
        renames: [{ from: 'old/a.md', to: 'new/a.md' }],
        owned: [gh(7, 'old/a.md', OLD)]
      })
    )
    expect(actions).toEqual([
      {
        kind: 'update',
        path: 'new/a.md',
        blobSha: 'blob-new/a.md',
        resourceId: 7,
        previousPath: 'old/a.md',
        reason: 'renamed from old/a.md'
      }
    ])
  })

  it('moves a renamed file even when prune is false: the old path never stays behind', () => {
    const actions = plan(
      input({
        prune: false,
        decide: new Set(['a.md', 'b.md']),
        desired: [file('b.md')],
        renames: [{ from: 'a.md', to: 'b.md' }],
        owned: [gh(1, 'a.md')]
      })
    )
    expect(kinds(actions)).toEqual(['update b.md'])
  })

  it('replaces the old resource when the rename target already has one', () => {
    const actions = plan(
      input({
        prune: false,
        decide: new Set(['a.md', 'b.md']),
        desired: [file('b.md')],
        renames: [{ from: 'a.md', to: 'b.md' }],
        owned: [gh(1, 'a.md'), gh(2, 'b.md')]
      })
    )
    expect(actions).toEqual([
      { kind: 'delete', path: 'a.md', resourceId: 1, reason: 'renamed to b.md' },
      { kind: 'unchanged', action: 'unchanged', path: 'b.md', resourceId: 2 }
    ])
  })

  it('deletes on a rename out of scope when pruning, keeps it otherwise', () => {
    const base = {
      decide: new Set(['docs/a.md', 'archive/a.txt']),
      desired: [],
      renames: [{ from: 'docs/a.md', to: 'archive/a.txt' }],
      owned: [gh(1, 'docs/a.md')]
    }
    expect(plan(input(base))).toEqual([
      {
        kind: 'delete',
        path: 'docs/a.md',
        resourceId: 1,
        reason: "renamed to archive/a.txt, which 'files' does not match"
      }
    ])
    expect(plan(input({ ...base, prune: false }))).toEqual([
      {
        kind: 'skip',
        path: 'docs/a.md',
        resourceId: 1,
        reason:
          "renamed to archive/a.txt, which 'files' does not match; kept because prune is false"
      }
    ])
  })

  it('creates on a rename into scope', () => {
    const actions = plan(
      input({
        decide: new Set(['notes.txt', 'docs/notes.md']),
        desired: [file('docs/notes.md')],
        renames: [{ from: 'notes.txt', to: 'docs/notes.md' }]
      })
    )
    expect(kinds(actions)).toEqual(['create docs/notes.md'])
  })

  it('converges several of our resources for one path to one, keeping the current one', () => {
    const actions = plan(
      input({
        desired: [file('a.md')],
        owned: [gh(3, 'a.md', OLD), gh(5, 'a.md', HEAD), gh(9, 'a.md', OLD)],
        changedSince: new Map([[OLD, new Set(['a.md'])]])
      })
    )
    expect(actions).toEqual([
      { kind: 'delete', path: 'a.md', resourceId: 3, reason: 'duplicate' },
      { kind: 'delete', path: 'a.md', resourceId: 9, reason: 'duplicate' },
      { kind: 'unchanged', action: 'unchanged', path: 'a.md', resourceId: 5 }
    ])
  })

  it('takes a resource listed twice (the same id) for one resource, never a duplicate of itself', () => {
    // Pages that shifted while they were read can list a resource twice.
    const actions = plan(
      input({
        desired: [file('a.md'), file('b.md')],
        owned: [gh(7, 'a.md'), gh(2, 'b.md', OLD), gh(7, 'a.md'), gh(2, 'b.md', OLD)]
      })
    )
    expect(actions).toEqual([
      { kind: 'unchanged', action: 'unchanged', path: 'a.md', resourceId: 7 },
      { kind: 'update', path: 'b.md', blobSha: 'blob-b.md', resourceId: 2, reason: 'file changed' }
    ])
    // Nothing left over to prune either, in a full reconcile that lists neither file.
    expect(plan(input({ owned: [gh(7, 'a.md'), gh(7, 'a.md')] }))).toEqual([
      { kind: 'delete', path: 'a.md', resourceId: 7, reason: 'file removed' }
    ])
  })

  it('keeps the oldest duplicate and updates it when none is current', () => {
    const actions = plan(
      input({ desired: [file('a.md')], owned: [gh(9, 'a.md', OLD), gh(4, 'a.md', OLD)] })
    )
    expect(actions.map(a => [a.kind, 'resourceId' in a ? a.resourceId : undefined])).toEqual([
      ['delete', 9],
      ['update', 4]
    ])
  })

  it('replaces a resource of the other type for the same path', () => {
    const actions = plan(
      input({ resourceType: 'free_text', desired: [file('a.md')], owned: [gh(1, 'a.md')] })
    )
    expect(actions).toEqual([
      {
        kind: 'delete',
        path: 'a.md',
        resourceId: 1,
        reason: 'replaced by a free_text resource',
        replaced: gh(1, 'a.md')
      },
      { kind: 'create', path: 'a.md', blobSha: 'blob-a.md' }
    ])
  })

  describe('ownership: repository (resources of ours outside files)', () => {
    const inDocs = (path: string) => path.startsWith('docs/')
    const narrowed = {
      inFiles: inDocs,
      desired: [file('docs/a.md')],
      owned: [gh(1, 'docs/a.md'), gh(2, 'guide/b.md'), ft(3, 'notes/c.md'), gh(4, 'docs/gone.md')]
    }

    it('a full reconcile removes them, saying files no longer matches them; removed files as before', () => {
      expect(plan(input(narrowed))).toEqual([
        { kind: 'unchanged', action: 'unchanged', path: 'docs/a.md', resourceId: 1 },
        { kind: 'delete', path: 'docs/gone.md', resourceId: 4, reason: 'file removed' },
        {
          kind: 'delete',
          path: 'guide/b.md',
          resourceId: 2,
          reason: "'files' does not match it (ownership: repository)"
        },
        {
          kind: 'delete',
          path: 'notes/c.md',
          resourceId: 3,
          reason: "'files' does not match it (ownership: repository)"
        }
      ])
    })

    it('keeps them when prune is false, and on a file listing cut short', () => {
      expect(plan(input({ ...narrowed, prune: false }))[2]).toEqual({
        kind: 'skip',
        path: 'guide/b.md',
        resourceId: 2,
        reason: "'files' does not match it (ownership: repository); kept because prune is false"
      })
      expect(plan(input({ ...narrowed, complete: false }))[2]).toEqual({
        kind: 'skip',
        path: 'guide/b.md',
        resourceId: 2,
        reason: 'not in the file listing, which was cut short; not pruned'
      })
    })

    it('counts them toward max-deletions', () => {
      expect(() => checkDeletions(plan(input(narrowed)), 2)).toThrow(
        'Refusing to delete 3 resources, more than max-deletions (2)'
      )
    })
  })

  it('never prunes on a listing that was cut short', () => {
    const actions = plan(
      input({ complete: false, desired: [file('a.md')], owned: [gh(1, 'b.md')] })
    )
    expect(actions).toEqual([
      { kind: 'create', path: 'a.md', blobSha: 'blob-a.md' },
      {
        kind: 'skip',
        path: 'b.md',
        resourceId: 1,
        reason: 'not in the file listing, which was cut short; not pruned'
      }
    ])
  })

  it('keeps resources of removed files when prune is false', () => {
    expect(kinds(plan(input({ prune: false, owned: [gh(1, 'b.md')] })))).toEqual(['skip b.md'])
  })

  it('in changed mode, decides only the paths of the change set', () => {
    const actions = plan(
      input({
        decide: new Set(['deleted.md', 'edited.md']),
        desired: [file('edited.md')],
        owned: [gh(1, 'deleted.md'), gh(2, 'edited.md', OLD), gh(3, 'untouched.md', OLD)],
        changedSince: new Map([[OLD, new Set(['edited.md', 'deleted.md'])]])
      })
    )
    expect(kinds(actions)).toEqual(['delete deleted.md', 'update edited.md'])
  })

  it('skips symbolic links and submodules; a resource made when one was a file is removed', () => {
    const desired = [file('link.md', 'x', '120000'), file('sub', 'y', '160000')]
    expect(plan(input({ desired, owned: [gh(1, 'link.md')] }))).toEqual([
      {
        kind: 'delete',
        path: 'link.md',
        resourceId: 1,
        reason: 'symbolic link; its outdated resource is removed'
      },
      { kind: 'skip', path: 'sub', reason: 'submodule' }
    ])
    expect(plan(input({ prune: false, desired, owned: [gh(1, 'link.md')] }))[0]).toEqual({
      kind: 'skip',
      path: 'link.md',
      resourceId: 1,
      reason: 'symbolic link; its resource is outdated, kept because prune is false'
    })
  })

  it('keeps unicode and spaces in paths as they are, sorted by path', () => {
    const paths = ['文档/说明.md', 'docs/naïve café.md', 'a b/c d.md']
    const actions = plan(input({ desired: paths.map(p => file(p)) }))
    expect(actions.map(a => a.path)).toEqual([...paths].sort())
    expect(actions.every(a => a.kind === 'create')).toBe(true)
  })

  it('plans a large change set without quadratic blow-up in its result', () => {
    const desired = Array.from({ length: 5000 }, (_, i) => file(`docs/${i}.md`))
    const owned = Array.from({ length: 5000 }, (_, i) => gh(i + 1, `docs/${i}.md`))
    const actions = plan(input({ desired, owned }))
    expect(actions).toHaveLength(5000)
    expect(actions.every(a => a.kind === 'unchanged')).toBe(true)
  })

  it('decides the same whether the files and resources come in path order or not', () => {
    // In path order, the planner walks the resources alongside the files; out of order, it
    // looks every path up. Seeded Spaces: kept, stale, other-type, unpinned and removed resources.
    const next = mulberry32(20261130)
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!
    for (let round = 0; round < 200; round++) {
      const paths = [...new Set(Array.from({ length: 40 }, () => pick(NAMES) + pick(NAMES)))]
      paths.sort()
      const desired = paths.filter(() => next() < 0.7).map(p => file(p, pick(['x', 'y'])))
      const owned = paths
        .filter(() => next() < 0.7)
        .map((p, i): OwnedResource => {
          const kind = next()
          if (kind < 0.6) return gh(i + 1, p, pick([HEAD, OLD]))
          if (kind < 0.8) return ft(i + 1, p, pick(['x', 'y']))
          return { id: i + 1, type: 'github_file', path: p }
        })
      const settings = {
        resourceType: pick(['github_file', 'free_text'] as const),
        pin: next() < 0.8,
        prune: next() < 0.8,
        changedSince: new Map([[OLD, new Set(paths.filter(() => next() < 0.3))]])
      }
      const inOrder = plan(input({ ...settings, desired, owned }))
      const shuffled = (list: readonly unknown[]) =>
        list
          .map(v => [next(), v] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, v]) => v)
      const outOfOrder = plan(
        input({
          ...settings,
          desired: [...desired.slice(1), ...desired.slice(0, 1)],
          owned: shuffled(owned) as OwnedResource[]
        })
      )
      expect(outOfOrder).toEqual(inOrder)
    }
  })
})

const NAMES = ['a', 'b', 'B', 'docs/', 'docs/a', 'ü', 'z.md', '-', '.md', 'a/b', '~']

describe('settle: the plan once the files to write have been read', () => {
  const draft: PlannedAction[] = [
    { kind: 'create', path: 'new.md', blobSha: 'b-new' },
    { kind: 'create', path: 'binary.md', blobSha: 'b-bin' },
    {
      kind: 'update',
      path: 'latin1.md',
      blobSha: 'b-latin',
      resourceId: 7,
      reason: 'file changed'
    },
    {
      kind: 'update',
      path: 'moved.md',
      blobSha: 'b-gone',
      resourceId: 8,
      previousPath: 'old.md',
      reason: 'renamed from old.md'
    },
    { kind: 'unchanged', action: 'unchanged', path: 'same.md', resourceId: 9 }
  ]
  const contents = new Map<string, Buffer | { error: string }>([
    ['b-new', Buffer.from('# New\n')],
    ['b-bin', Buffer.from([0x23, 0x00])],
    ['b-latin', Buffer.from('caf\xe9\n', 'latin1')],
    ['b-gone', { error: 'GET /repos/o/r/git/blobs/b-gone answered 404: Not Found' }]
  ])
  const common = {
    pin: true,
    resourceType: 'free_text' as const,
    commit: HEAD,
    namePrefix: 'docs: ',
    changedSince: new Map(),
    repositoryId: 42,
    contents
  }

  it('reads each blob once', () => {
    expect(blobsToRead([...draft, { kind: 'create', path: 'copy.md', blobSha: 'b-new' }])).toEqual([
      'b-new',
      'b-bin',
      'b-latin',
      'b-gone'
    ])
  })

  it('gives each write its body, turns what cannot be synced into skips or outdated deletes, and unreadable files into failures', () => {
    const settled = settle(draft, { ...common, prune: true })
    expect(settled.map(a => [a.kind, a.path, 'reason' in a ? a.reason : undefined])).toEqual([
      ['create', 'new.md', undefined],
      ['skip', 'binary.md', 'binary file (contains a NUL byte)'],
      ['delete', 'latin1.md', 'not valid UTF-8; its outdated resource is removed'],
      [
        'fail',
        'moved.md',
        'could not read the file: GET /repos/o/r/git/blobs/b-gone answered 404: Not Found'
      ],
      ['unchanged', 'same.md', undefined]
    ])
    const body = (settled[0] as Extract<PlannedAction, { kind: 'create' }>).body!
    expect(body.resource_type).toBe('free_text')
    expect(body.metadata.name).toBe('docs: new.md')
    expect(readMarker(body.metadata.text)).toEqual({
      repositoryId: 42,
      path: 'new.md',
      blobSha: 'b-new',
      intact: true
    })
    expect(settled[3]).toMatchObject({ resourceId: 8, previousPath: 'old.md' })
  })

  it('keeps an outdated resource, saying so, when prune is false', () => {
    const settled = settle(draft, { ...common, prune: false })
    expect(settled[2]).toEqual({
      kind: 'skip',
      path: 'latin1.md',
      resourceId: 7,
      reason: 'not valid UTF-8; its resource is outdated, kept because prune is false'
    })
  })

  it('pins a github_file at the synced commit', () => {
    const settled = settle(draft.slice(0, 1), {
      ...common,
      resourceType: 'github_file',
      prune: true
    })
    expect(settled[0]).toMatchObject({
      body: {
        resource_type: 'github_file',
        metadata: { repository_id: 42, file_path: 'new.md', sha: HEAD }
      }
    })
  })
})

describe('settle: switching resource-type on a file the new type cannot hold', () => {
  const big = Buffer.from(`${'x'.repeat(MAX_FREE_TEXT_BYTES)}\n`)
  const settings = {
    pin: true,
    commit: HEAD,
    namePrefix: '',
    repositoryId: 42,
    prune: true
  }
  /** The draft of a switch at one path, settled with its file's bytes. */
  function switched(
    resourceType: 'github_file' | 'free_text',
    owned: OwnedResource[],
    bytes: Buffer | { error: string },
    extra: Partial<Parameters<typeof settle>[1]> = {}
  ) {
    const changedSince = new Map([[OLD, new Set(['a.md'])]])
    const common = { ...settings, resourceType, changedSince, ...extra }
    const draft = plan(input({ ...common, desired: [file('a.md', 'blob-a')], owned }))
    return settle(draft, { ...common, contents: new Map([['blob-a', bytes]]) })
  }
  const tooLarge =
    /^kept as github_file: larger than 256 KiB, the free_text limit \(262\d{3} bytes with the marker\)$/

  it('keeps a current github_file when its file is too large for free_text: one skip, no delete', () => {
    const settled = switched('free_text', [gh(1, 'a.md')], big)
    expect(settled).toEqual([
      { kind: 'skip', path: 'a.md', resourceId: 1, reason: expect.stringMatching(tooLarge) }
    ])
  })

  it('updates the kept github_file, pinned at the synced commit, when its file changed', () => {
    const settled = switched('free_text', [gh(1, 'a.md', OLD)], big)
    expect(settled).toEqual([
      {
        kind: 'update',
        path: 'a.md',
        blobSha: 'blob-a',
        resourceId: 1,
        reason: expect.stringMatching(/^kept as github_file: larger than 256 KiB.*; file changed$/),
        body: {
          resource_type: 'github_file',
          metadata: { repository_id: 42, file_path: 'a.md', sha: HEAD }
        }
      }
    ])
  })

  it('keeps the oldest of several github_files and deletes the others as duplicates', () => {
    const settled = switched('free_text', [gh(1, 'a.md'), gh(2, 'a.md')], big)
    expect(settled.map(a => [a.kind, 'resourceId' in a ? a.resourceId : undefined])).toEqual([
      ['skip', 1],
      ['delete', 2]
    ])
    expect(settled[1]).toMatchObject({ reason: 'duplicate' })
  })

  it('replaces it as before when the file fits', () => {
    const settled = switched('free_text', [gh(1, 'a.md')], Buffer.from('# small\n'))
    expect(settled.map(a => `${a.kind} ${'reason' in a ? a.reason : ''}`)).toEqual([
      'delete replaced by a free_text resource',
      'create '
    ])
  })

  it('keeps it unchanged when the file could not be read, next to the failure', () => {
    const settled = switched('free_text', [gh(1, 'a.md')], { error: 'answered 502' })
    expect(settled).toEqual([
      {
        kind: 'skip',
        path: 'a.md',
        resourceId: 1,
        reason: 'kept as github_file: could not read the file: answered 502'
      },
      { kind: 'fail', path: 'a.md', reason: 'could not read the file: answered 502' }
    ])
  })

  it('free_text to github_file: a file neither type can hold makes the free_text outdated, not replaced', () => {
    const binary = Buffer.from([0x23, 0x00])
    expect(switched('github_file', [ft(1, 'a.md', 'old-blob')], binary)).toEqual([
      {
        kind: 'delete',
        path: 'a.md',
        resourceId: 1,
        reason: 'binary file (contains a NUL byte); its outdated resource is removed'
      }
    ])
    expect(switched('github_file', [ft(1, 'a.md', 'old-blob')], binary, { prune: false })).toEqual([
      {
        kind: 'skip',
        path: 'a.md',
        resourceId: 1,
        reason:
          'binary file (contains a NUL byte); its resource is outdated, kept because prune is false'
      }
    ])
  })
})
