/**
 * Scope: which paths a run looks at, and at which commit, decided from the event.
 */
import type { FileChange } from './repo-files.js'

export type SyncMode = 'auto' | 'changed' | 'full'

export type Scope =
  /** Nothing to do (a deleted branch). */
  | { kind: 'none'; reason: string }
  /** Reconcile every file at `commit`. */
  | { kind: 'full'; commit: string; reason: string }
  /** Only the paths in `changes`, the net change from `base` to `commit`. */
  | { kind: 'changed'; base: string; commit: string; changes: FileChange[]; reason: string }
