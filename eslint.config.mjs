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
  {
    // The Node runtime serves every front end, so it knows none of them.
    files: ['runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['vscode', 'vscode-*', '**/extension/**', '**/server/**', '**/webview/**', '**/cli/**'] }],
    },
  },
  {
    // The VS Code host only registers, routes and shows: worker entries and their code live in runtime/.
    files: ['extension/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:worker_threads', importNames: ['parentPort', 'workerData', 'isMainThread'], message: 'worker code belongs in runtime/' },
            { name: 'worker_threads', message: 'use node:worker_threads; worker code belongs in runtime/' },
          ],
          patterns: [
            { group: ['**/runtime/*Worker', '**/runtime/**/worker'], allowTypeImports: true, message: 'a worker entry runs in its own thread: import its types only, start it through its host' },
            { group: ['**/server/**', '**/webview/**', '**/cli/**'], message: 'the language server, webviews and CLI are reached by messages, not imports' },
          ],
        },
      ],
    },
  },
);
