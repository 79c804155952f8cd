// Test runner configuration: forks pool (tests spawn git and child processes); JSON counts for CI.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    // Under test.server (not the root): the parser imports JSON without import attributes.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
