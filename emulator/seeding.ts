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
  spaceRecord,
  spacesOf,
  type State
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

export function seeding(state: State): Seeding {
  return {
    addOrg: (login, id) => void addAccount(state, login, 'Organization', id),
    addUser: (login, id) => void addAccount(state, login, 'User', id),
    addToken: (token, grant) => addToken(state, token, grant),
    addRepo: repo => {
      if (!existsSync(repo.dir)) throw new Error(`addRepo: ${repo.dir} does not exist`)
      state.repos.set(repoKey(repo.owner, repo.name), { ...repo, registered_at: iso(state.now()) })
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
      return copyResource(resource)
    },
    resources: (type, owner, number) =>
      spaceOf(state, type, owner, number, 'resources').resources.map(copyResource),
    spaces: (type, owner) =>
      spacesOf(state, ownerOf(state, type, owner).login)
        .map(spaceRecord)
        .sort((a, b) => a.number - b.number)
  }
}
