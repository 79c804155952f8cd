// Test runner configuration: forks pool (tests spawn git and child processes); JSON counts for CI.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Both cores: the tests mostly wait on git and child processes (vitest's default on 2 cores is 1 worker).
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    // Under test.server (not the root): the parser imports JSON without import attributes.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
