/**
 * Preloaded into the action's process by `npm run bench` (NODE_OPTIONS=--require <this file>):
 * when the process exits, writes its peak resident set size (`maxRSS`, in KiB) to the file named
 * by RSS_PROBE_FILE. Nothing else: the action runs as it would without it.
 */
/* global require */
'use strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeFileSync } = require('node:fs')

const file = process.env.RSS_PROBE_FILE
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, String(process.resourceUsage().maxRSS))
    } catch {
      // The figure is then missing from the bench's table; the run itself is unaffected.
    }
  })
}
