import { execFile } from 'node:child_process'

/**
 * Runs git in a repository. Output that holds paths is always requested with `-z`, so paths with
 * spaces, quotes or non-ASCII characters arrive verbatim; `core.quotepath=false` covers the rest.
 */
export function git(dir: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-C', dir, '-c', 'core.quotepath=false', '--literal-pathspecs', ...args],
      {
        encoding: 'buffer',
        maxBuffer: 1 << 30,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' }
      },
      (error, stdout) => (error ? reject(error) : resolve(stdout))
    )
  })
}

export async function gitText(dir: string, args: string[]): Promise<string> {
  return (await git(dir, args)).toString('utf8')
}

/** Like gitText, but a failing command (unknown revision, ...) gives undefined. */
export async function tryGit(dir: string, args: string[]): Promise<string | undefined> {
  try {
    return await gitText(dir, args)
  } catch {
    return undefined
  }
}

/** A revision a client sent, resolved to an object of the given type; undefined if there is none. */
export async function resolve(
  dir: string,
  rev: string,
  type: 'commit' | 'tree'
): Promise<string | undefined> {
  if (rev === '' || rev.includes('\0') || rev.startsWith('-')) return undefined
  const out = await tryGit(dir, [
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    `${rev}^{${type}}`
  ])
  return out?.trim() || undefined
}

export async function defaultBranch(dir: string): Promise<string> {
  const out = await tryGit(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD'])
  return out?.trim() || 'main'
}

export async function objectType(dir: string, sha: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) return undefined
  return (await tryGit(dir, ['cat-file', '-t', sha]))?.trim()
}

export function readBlob(dir: string, sha: string): Promise<Buffer> {
  return git(dir, ['cat-file', 'blob', sha])
}

export interface CommitInfo {
  sha: string
  tree: string
  parents: string[]
  author: { name: string; email: string; date: string }
  committer: { name: string; email: string; date: string }
  message: string
}

const LOG_FORMAT = ['%H', '%T', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%B'].join('%x00')

function utc(date: string): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A tuple of `N` strings: what a split or a regular expression match is known to hold. */
type Strings<N extends number, T extends string[] = []> = T['length'] extends N
  ? T
  : Strings<N, [string, ...T]>

/** `git log` with the given revision arguments, parsed. */
export async function commits(dir: string, revArgs: string[]): Promise<CommitInfo[]> {
  const out = await gitText(dir, ['log', '-z', `--format=${LOG_FORMAT}`, ...revArgs, '--'])
  const fields = out.split('\0')
  const result: CommitInfo[] = []
  for (let i = 0; i + 10 <= fields.length; i += 10) {
    const [sha, tree, parents, an, ae, ad, cn, ce, cd, message] = fields.slice(
      i,
      i + 10
    ) as Strings<10>
    result.push({
      sha,
      tree,
      parents: parents === '' ? [] : parents.split(' '),
      author: { name: an, email: ae, date: utc(ad) },
      committer: { name: cn, email: ce, date: utc(cd) },
      // GitHub shows the message without git's trailing newline.
      message: message.replace(/\n+$/, '')
    })
  }
  return result
}

export interface TreeEntry {
  mode: string
  type: string
  sha: string
  size?: number
  path: string
}

function parseTree(out: string): TreeEntry[] {
  const entries: TreeEntry[] = []
  for (const record of out.split('\0')) {
    const match = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(record)
    if (!match) continue
    const [, mode, type, sha, size, path] = match as unknown as Strings<6>
    entries.push({ mode, type, sha, size: size === '-' ? undefined : Number(size), path })
  }
  return entries
}

/** The entries of a tree; recursive listings include the subtrees themselves, as GitHub's do. */
export async function lsTree(dir: string, tree: string, recursive: boolean): Promise<TreeEntry[]> {
  const args = ['ls-tree', '-z', '-l', '--full-tree', ...(recursive ? ['-r', '-t'] : []), tree]
  return parseTree(await gitText(dir, args))
}

/** The entry at `path` in a commit (file, directory, symlink or submodule), if any. */
export async function entryAt(
  dir: string,
  commit: string,
  path: string
): Promise<TreeEntry | undefined> {
  const out = await gitText(dir, ['ls-tree', '-z', '-l', '--full-tree', commit, '--', path])
  return parseTree(out).find(e => e.path === path)
}

export interface FileChange {
  /** git's status letter: A, D, M, R, C, T. */
  status: string
  path: string
  previousPath?: string
  oldSha: string
  newSha: string
  additions: number
  deletions: number
}

/** The changes from `base` to `head`, with rename detection, as GitHub's compare lists them. */
export async function diffFiles(dir: string, base: string, head: string): Promise<FileChange[]> {
  const common = ['diff', '-z', '-M', '--no-ext-diff', '--no-color', base, head, '--']
  const [raw, numstat] = await Promise.all([
    gitText(dir, [...common.slice(0, 1), '--raw', '--no-abbrev', ...common.slice(1)]),
    gitText(dir, [...common.slice(0, 1), '--numstat', ...common.slice(1)])
  ])
  const changes: FileChange[] = []
  const rawTokens = raw.split('\0')
  for (let i = 0; i < rawTokens.length; i++) {
    const meta = rawTokens[i] as string
    if (!meta.startsWith(':')) continue
    const [, , oldSha = '', newSha = '', status = 'M'] = meta.slice(1).split(' ')
    const letter = status.charAt(0)
    // A rename or copy names the old path, then the new one.
    const paths = letter === 'R' || letter === 'C' ? 2 : 1
    changes.push({
      status: letter,
      ...(paths === 2 ? { previousPath: rawTokens[i + 1] } : {}),
      path: rawTokens[i + paths] as string,
      oldSha,
      newSha,
      additions: 0,
      deletions: 0
    })
    i += paths
  }
  // --numstat lists the same files in the same order; binary files count as "-".
  const numTokens = numstat.split('\0')
  let n = 0
  for (let i = 0; i < numTokens.length && n < changes.length; i++) {
    const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(numTokens[i] as string)
    if (!match) continue
    const change = changes[n++] as FileChange
    change.additions = match[1] === '-' ? 0 : Number(match[1])
    change.deletions = match[2] === '-' ? 0 : Number(match[2])
    if (match[3] === '') i += 2
  }
  return changes
}
