/**
 * Which reader answers for the repository: the git checkout when there is one that has (or can
 * fetch) the commit, with the REST API behind it; otherwise the REST API alone.
 */
import { statSync } from 'node:fs'
import type { Client } from '../github/client.js'
import { createApiFiles } from './api-reader.js'
import { short, type ExplainingRepoFiles } from './files.js'
import { createGit } from './git.js'
import { createGitFiles } from './git-reader.js'

export interface ChooseFilesInput {
  /** The directory that may hold a checkout (GITHUB_WORKSPACE); undefined when there is none. */
  workspace: string | undefined
  /** The commit the run syncs; a checkout that cannot produce it is of no use. */
  commit: string
  client: Client
  owner: string
  repo: string
  log?: (msg: string) => void
}

export interface ChosenFiles {
  files: ExplainingRepoFiles
  /** Which reader and why, as logged. */
  reason: string
}

/**
 * The git reader when the workspace is a checkout that has (or can fetch) the commit, with the
 * API reader behind it; otherwise the API reader alone. Running without a checkout is normal.
 */
export async function chooseFiles(input: ChooseFilesInput): Promise<ChosenFiles> {
  const { workspace, commit, client, owner, repo } = input
  const log = input.log ?? (() => {})
  const api = createApiFiles(client, owner, repo)
  const useApi = (why: string): ChosenFiles => {
    const reason = `reading ${owner}/${repo} through the REST API: ${why}`
    log(reason)
    return { files: api, reason }
  }

  if (!workspace) return useApi('no workspace directory')
  try {
    if (!statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) {
      return useApi(`${workspace} does not exist`)
    }
    const git = createGit(workspace, { log })
    if (!(await git.isRepo())) {
      const probe = await git.run(['rev-parse', '--is-inside-work-tree'], { allowFailure: true })
      const said = probe.stderr.toString('utf8').trim().split('\n')[0]
      return useApi(`${workspace} is not a git work tree${said ? ` (git: ${said})` : ''}`)
    }
    if (!(await git.hasCommit(commit))) {
      log(`the checkout at ${workspace} does not have ${short(commit)}; fetching it`)
      if (!(await git.fetchCommit(commit))) {
        return useApi(
          `the checkout at ${workspace} does not have ${short(commit)} and could not fetch it`
        )
      }
    }
    const reason = `reading ${owner}/${repo} from the git checkout at ${workspace}, with the REST API as fallback`
    log(reason)
    return { files: createGitFiles(git, { log, fallback: api }), reason }
  } catch (error) {
    // No git on the runner, or git failing in ways a checkout should not: the API still works.
    return useApi(`git is not usable (${error instanceof Error ? error.message : String(error)})`)
  }
}
