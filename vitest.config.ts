import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import { SLOW_DIRECTORIES } from './test/tiers.js';

const require = createRequire(import.meta.url);

const slow = SLOW_DIRECTORIES.map((directory) => `${directory}/**/*.test.ts`);

export default defineConfig({
  resolve: {
    // One graphql module for everyone: Node loads graphql's CommonJS build for Pothos and yoga, while Vite would
    // give our sources its ESM build, and graphql refuses to mix types from two copies ("another realm").
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll waits for what a server or a browser does: its default second is a loaded machine's normal delay.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one on a 2-core machine. Most files wait on git, sockets
    // and timers as much as they compute, so two keep both cores busy.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Test files share their worker's modules: importing the server (schema, yoga, isomorphic-git) once per
        // worker instead of once per file saves seconds a file. Each file starts and closes its own servers.
        test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: slow, isolate: false },
      },
      // The servers and CLIs these tests start run a tsc build of src made once per run (build-sources.ts).
      { extends: true, test: { name: 'slow', include: slow, globalSetup: ['test/support/build-sources.ts'] } },
    ],
  },
});
