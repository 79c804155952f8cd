// Type-aware lint; src/core stays pure (no Node built-ins, SDKs or adapters).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'action/dist/**', 'node_modules/**', 'bin/**', 'scripts/*.mjs', 'eslint.config.js', '.ideamine/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'child_process', 'crypto', 'os'], message: 'src/core is pure: no Node built-ins.' },
          { group: ['@actions/*', '@octokit/*', '@anthropic-ai/*', '@opentelemetry/*', 'simple-git'], message: 'src/core is pure: no SDKs.' },
          { group: ['**/adapters/**', '**/engine/**', '**/cli/**'], message: 'src/core may not depend on outer layers.' },
        ],
      }],
    },
  },
);
