/**
 * `owner-type: auto`: whether the Space's owner is an organization or a user, asked once.
 */
import type { Client, OwnerType } from '../github/client.js'
import { ApiError } from '../github/api.js'
import { InputError, type Settings } from './inputs.js'

/** api.github.com, where a 404 for a login means the login does not exist. */
const GITHUB_API_URL = 'https://api.github.com'

export async function resolveOwnerType(
  client: Client,
  settings: Settings,
  log: (line: string) => void
): Promise<OwnerType> {
  if (settings.ownerType !== 'auto') return settings.ownerType
  let account
  try {
    account = await client.getAccount(settings.owner)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      // A wrong api-url answers 404 for every login, so blaming 'owner' alone would mislead.
      const apiUrlHint =
        settings.apiUrl === GITHUB_API_URL
          ? ''
          : ` Input 'api-url' is ${JSON.stringify(settings.apiUrl)}, not GitHub's default: if it is wrong, every login is "not found" (GitHub Enterprise Server needs https://HOST/api/v3, GHE.com https://api.SUBDOMAIN.ghe.com).`
      throw new InputError(
        `Input 'owner': GitHub has no organization or user named ${JSON.stringify(settings.owner)} (${error.endpoint} answered 404). Check the login, or set 'owner-type'.${apiUrlHint}`
      )
    }
    throw error
  }
  const type: OwnerType = account.type === 'Organization' ? 'org' : 'user'
  log(`owner-type auto: '${settings.owner}' is ${type === 'org' ? 'an organization' : 'a user'}.`)
  return type
}
