// Lint for the bugs strict types miss; formatting is not linted.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'core/wasm/build/**', 'core/wasm/as/**', 'test-results/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The engine must not reach for the host: the compiler holds the types, this holds the imports.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['vscode', 'vscode-*', '../extension/*', '../server/*', '../webview/*', '**/runtime/**', '**/cli/**', 'node:*', 'fs', 'path', 'worker_threads', 'child_process'] }],
    },
  },
);
