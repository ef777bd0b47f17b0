export { startEmulator } from './server.js'
export { API_VERSION } from './http.js'
export type * from './types.js'
export type { Exchange } from './exchange.js'
