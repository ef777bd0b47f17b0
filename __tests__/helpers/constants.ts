/**
 * The names every test agrees on: the organization and user the emulator is seeded with, the token
 * the action is given, and the repository it syncs from.
 */
export const ORG = 'octo-org'
export const USER = 'octocat'
/** Classic-token shaped, and long enough that a leak of any part of it would show. */
export const TOKEN = 'ghp_testSecretToken0123456789abcdef'
export const REPO = 'docs-repo'
export const REPO_ID = 4242

/** What `before` holds in a push that created a ref, and `after` in one that deleted it. */
export const NULL_SHA = '0000000000000000000000000000000000000000'
