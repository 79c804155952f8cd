// Test runner configuration: forks pool (tests spawn git and child processes).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // GitHub's workflow parser ships ESM with JSON imports vite-node must transform itself.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
