import { defineConfig } from 'vitest/config';

/**
 * The fault matrix of RELIABILITY.md §6 (`make faults`): only test/faults, the same small world as
 * the main suite. Two files at a time: much of the suite waits on Retry-After, timeouts and stalls,
 * so two forks roughly halve the wall time; every timing assertion is a lower bound or has seconds
 * of slack.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/faults/setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
