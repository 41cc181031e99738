// ESLint for Perf Pulse: typescript-eslint's recommended rules (without type information, so
// the whole tree lints in seconds) plus the import rules that guard the layers:
//   src/core/     pure core: no `vscode`, no extension, CLI or webview code
//   src/protocol/ shared by host and webview: imports nothing outside itself
//   src/cli/      the command line: no `vscode`, no extension adapters
//   webview/src/  browser code: reaches the host only through src/protocol/
// test/unit/lint-layers.test.ts proves each layer rule fires on a deliberate violation
// (test/fixtures/lint/, ignored by the normal run).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** `no-restricted-imports` options: each entry a regex on the import string and why it is refused. */
function restrict(...rules) {
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: rules.map(([regex, message]) => ({ regex, message })),
      },
    ],
  };
}

const VSCODE = ['^vscode$', 'the vscode API belongs in src/extension/ only'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'out/**',
      '.vscode-test/**',
      'bench/.work/**',
      'examples/**',
      'test/fixtures/**',
      'test/unit/parsers/fixtures/**',
      '**/*.generated.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // Unused names are errors, except the deliberately ignored (`_x`) and rest siblings.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // `import vscode = require('vscode')` is the extension's deliberate form (see layers.test.ts).
      // The generated config validator is CommonJS without types, loaded the same way.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^vscode$', 'validate-config\\.generated$'] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    // CommonJS scripts (the mocha reporter) load their dependencies with require.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Terminal code matches ANSI escape sequences, which start with the ESC control character.
    files: ['src/cli/colour.ts', 'src/cli/progress.ts', 'test/unit/cli/**/*.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrict(
      VSCODE,
      ['(^|/)(extension|cli)(/|$)', 'the core imports no extension or CLI code: the dependency runs the other way'],
      ['(^|/)webview(/|$)', 'the core imports no webview code'],
    ),
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: restrict(VSCODE, ['^\\.\\./', 'src/protocol/ is shared with the webview: it imports nothing outside itself']),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict(VSCODE, ['(^|/)extension(/|$)', 'the CLI imports no extension adapters']),
  },
  {
    files: ['webview/src/**/*.ts'],
    rules: restrict(
      VSCODE,
      ['^(\\.\\./){2,}(?!src/protocol/)', 'the webview reaches the host only through src/protocol/'],
      ['^node:', 'the webview runs in a browser: no Node built-ins'],
    ),
  },
);
