/**
 * `startEmulator`: the state, the request pipeline over it, a loopback HTTP server in front, and
 * the seeding methods.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readIncoming } from './incoming.js'
import { primaryLimit, secondaryLimit } from './limits.js'
import { createPipeline, type Pipeline } from './pipeline.js'
import { createRequestLog, type RequestLog } from './request-log.js'
import { seeding } from './seeding.js'
import { archive, CODELOAD_PATH } from './repos.js'
import { createState, type State } from './state.js'
import type { Emulator, EmulatorOptions } from './types.js'

interface Listening {
  base: string
  close(): Promise<void>
}

/** A server on 127.0.0.1 whose requests `handle` answers; a handler that throws drops the socket. */
async function listen(
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>
): Promise<Listening> {
  const server = createServer((req, res) => {
    handle(req, res).catch(error => {
      res.destroy(error as Error)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
  }
}

/** Answers one HTTP exchange through the pipeline and records it in the log. */
function exchangeHandler(
  state: State,
  pipeline: Pipeline,
  log: RequestLog,
  now: () => number,
  base: () => string
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let seq = 0
  return async (req, res) => {
    // The archive host GitHub redirects tarball requests to: not the API, so not in its log.
    if (req.url?.startsWith(CODELOAD_PATH)) {
      const found = await archive(state, new URL(req.url, base()).pathname)
      if (!found) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found')
        return
      }
      res.writeHead(200, {
        'content-type': 'application/x-gzip',
        'content-length': String(found.bytes.length),
        'content-disposition': `attachment; filename=${found.name}`
      })
      res.end(found.bytes)
      return
    }
    const startedAt = now()
    const entrySeq = ++seq
    const inc = await readIncoming(req, base(), startedAt)
    const reply = await pipeline.respond(inc)
    log.record({ seq: entrySeq, ...reply.exchange, startedAt, endedAt: now() }, reply.body)
    if (reply.reset) {
      req.socket.destroy()
      return
    }
    res.writeHead(reply.status, reply.headers)
    res.end(reply.payload)
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const now = options.now ?? Date.now
  const state = createState(now)
  const log = createRequestLog()
  let base = ''
  const pipeline = createPipeline(
    {
      state,
      now,
      secondary: secondaryLimit(options.secondaryRateLimit, now),
      base: () => base,
      treeLimit: options.treeLimit ?? 100000,
      treeBytesLimit: options.treeBytesLimit ?? 7_000_000,
      resourcesPageSize: options.resourcesPageSize,
      storeText: options.storeText,
      nestedAttributes: options.nestedAttributes
    },
    primaryLimit(options.rateLimit, now),
    options.latencyMs
  )
  const server = await listen(
    options.port ?? 0,
    exchangeHandler(state, pipeline, log, now, () => base)
  )
  base = server.base
  return {
    url: base,
    close: server.close,
    ...seeding(state),
    requests: log.entries,
    clearLog: log.clear,
    injectFault: pipeline.injectFault,
    setLatency: pipeline.setLatency
  }
}
