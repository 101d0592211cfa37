import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['local-gateway/**/*.test.ts', 'electron/**/*.test.ts', 'sync/**/*.test.ts', 'scripts/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
