import * as core from '@actions/core'

core.info('copilot-space-sync')
