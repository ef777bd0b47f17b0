export { startEmulator, API_VERSION } from './server.js'
export type {
  AccessLevel,
  BaseRole,
  Emulator,
  EmulatorOptions,
  Fault,
  NewSpace,
  OwnerType,
  ResourceRecord,
  SpaceRecord,
  TokenGrant,
  TokenKind
} from './types.js'
export type { Exchange } from './exchange.js'
