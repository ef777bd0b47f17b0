/** The `Emulator` methods that set up and read the state directly, without a request or a log entry. */
import { existsSync } from 'node:fs'
import { ROLES } from './spaces.js'
import {
  addAccount,
  addToken,
  copyResource,
  findAccount,
  findSpace,
  insertSpace,
  iso,
  newResource,
  ownerType,
  repoKey,
  resourcesChanged,
  spaceRecord,
  spacesOf,
  type State,
  type StoredRelease
} from './state.js'
import type { BaseRole, Emulator, OwnerType } from './types.js'

export type Seeding = Pick<
  Emulator,
  | 'addOrg'
  | 'addUser'
  | 'addToken'
  | 'addRepo'
  | 'createSpace'
  | 'addResource'
  | 'resources'
  | 'spaces'
  | 'addRelease'
  | 'updateRelease'
  | 'deleteRelease'
  | 'addComment'
  | 'comments'
>

function ownerOf(state: State, type: OwnerType, login: string) {
  const account = findAccount(state, login)
  if (!account || ownerType(account) !== type) {
    throw new Error(`${login} is not a registered ${type === 'org' ? 'organization' : 'user'}`)
  }
  return account
}

/** A user owns their spaces; an organization space seeded without a creator gets its first user. */
function defaultCreator(state: State, type: OwnerType, owner: string): string {
  if (type === 'user') return owner
  return [...state.accounts.values()].find(a => a.type === 'User')?.login ?? 'ghost'
}

function spaceOf(state: State, type: OwnerType, owner: string, number: number, caller: string) {
  const space = findSpace(state, ownerOf(state, type, owner).login, number)
  if (!space) throw new Error(`${caller}: ${owner} has no space ${number}`)
  return space
}

function repoOf(state: State, owner: string, name: string) {
  const repo = state.repos.get(repoKey(owner, name))
  if (!repo) throw new Error(`${owner}/${name} is not a registered repository`)
  return repo
}

export function seeding(state: State): Seeding {
  return {
    addOrg: (login, id) => void addAccount(state, login, 'Organization', id),
    addUser: (login, id) => void addAccount(state, login, 'User', id),
    addToken: (token, grant) => addToken(state, token, grant),
    addRepo: repo => {
      if (!existsSync(repo.dir)) throw new Error(`addRepo: ${repo.dir} does not exist`)
      const registered_at = iso(state.now())
      state.repos.set(repoKey(repo.owner, repo.name), {
        ...repo,
        registered_at,
        releases: [],
        comments: []
      })
    },
    createSpace: (type, owner, space) => {
      const account = ownerOf(state, type, owner)
      const role = (space.base_role ?? 'no_access') as BaseRole
      if (!ROLES[type].includes(role))
        throw new Error(`createSpace: base_role ${role} is not valid for a ${type}`)
      const stored = insertSpace(state, account, {
        ...space,
        base_role: role,
        creator: space.creator ?? defaultCreator(state, type, account.login)
      })
      return spaceRecord(stored)
    },
    addResource: (type, owner, number, r) => {
      const space = spaceOf(state, type, owner, number, 'addResource')
      const resource = newResource(state, r.resource_type, r.metadata)
      space.resources.push(resource)
      resourcesChanged(space)
      return copyResource(resource)
    },
    resources: (type, owner, number) =>
      spaceOf(state, type, owner, number, 'resources').resources.map(copyResource),
    addRelease: (owner, name, release) => {
      const repo = repoOf(state, owner, name)
      const stamp = iso(state.now())
      const stored: StoredRelease = {
        id: Math.max(0, ...repo.releases.map(r => r.id)) + 1,
        tag_name: release.tag_name,
        name: release.name ?? null,
        body: release.body ?? null,
        draft: release.draft ?? false,
        prerelease: release.prerelease ?? false,
        created_at: release.published_at ?? stamp,
        published_at: release.draft ? null : (release.published_at ?? stamp)
      }
      repo.releases.push(stored)
      return { ...stored }
    },
    updateRelease: (owner, name, id, changes) => {
      const release = repoOf(state, owner, name).releases.find(r => r.id === id)
      if (!release) throw new Error(`updateRelease: ${owner}/${name} has no release ${id}`)
      Object.assign(release, changes)
      return { ...release }
    },
    deleteRelease: (owner, name, id) => {
      const repo = repoOf(state, owner, name)
      repo.releases = repo.releases.filter(r => r.id !== id)
    },
    addComment: (owner, name, issueNumber, comment) => {
      const stamp = iso(state.now())
      const stored = {
        id: state.nextCommentId++,
        issue_number: issueNumber,
        body: comment.body,
        user: comment.user,
        created_at: stamp,
        updated_at: stamp
      }
      repoOf(state, owner, name).comments.push(stored)
      return { ...stored }
    },
    comments: (owner, name, issueNumber) =>
      repoOf(state, owner, name)
        .comments.filter(c => c.issue_number === issueNumber)
        .map(c => ({ ...c })),
    spaces: (type, owner) =>
      spacesOf(state, ownerOf(state, type, owner).login)
        .map(spaceRecord)
        .sort((a, b) => a.number - b.number)
  }
}
