/**
 * jest runs TypeScript as ESM through ts-jest; type-checking is `npm run typecheck`.
 * `*.e2e.test.ts` (the committed dist/ run as the runner runs it) and `*.slow.test.ts` (long
 * in-process runs) are what `npm run test:unit` leaves out; `npm test` runs every suite.
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  verbose: false
}
