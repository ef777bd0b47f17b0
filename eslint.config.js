import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// Lines reach the runner's log only through src/report/log.ts, which neutralises workflow commands.
const PRINTING = ['info', 'notice', 'warning', 'error', 'debug', 'setFailed', 'group', 'startGroup']

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/report/log.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportDeclaration[source.value='@actions/core'] > ImportSpecifier[imported.name=/^(${PRINTING.join('|')})$/]`,
          message:
            'Log through src/report/log.ts, which neutralises workflow commands in untrusted text.'
        }
      ],
      'no-restricted-properties': [
        'error',
        ...PRINTING.map(property => ({
          object: 'core',
          property,
          message:
            'Log through src/report/log.ts, which neutralises workflow commands in untrusted text.'
        })),
        {
          object: 'process',
          property: 'stdout',
          message:
            'Log through src/report/log.ts, which neutralises workflow commands in untrusted text.'
        },
        {
          object: 'process',
          property: 'stderr',
          message:
            'Log through src/report/log.ts, which neutralises workflow commands in untrusted text.'
        }
      ]
    }
  }
)
