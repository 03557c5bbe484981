/**
 * The suite's two tiers. `npm test` runs both (what CI runs); `npm run test:fast` runs the fast one, for the
 * edit-test loop. The slow tier is these directories: tests that start processes (the server, the CLI, Redis, git
 * http-backend), drive a browser, kill -9, run replicas, or load the server for minutes. Every other test file is in
 * the fast tier, so a new one lands there unless it is put in one of these; tiers.test.ts keeps processes and
 * browsers out of it.
 */
export const SLOW_DIRECTORIES = ['test/cli', 'test/client', 'test/cluster', 'test/console', 'test/process', 'test/reliability'] as const;

/** Helpers that start a process or a browser: a fast test file imports none of them. */
export const PROCESS_HELPERS = [
  'support/server-process',
  'support/process-harness',
  'support/browser',
  'support/redis-server',
  'support/etcd-server',
  'support/git-http-server',
  'support/git-http-server-process',
  'cli/cli-process',
  'support/agent-process',
  'support/test-certificates',
] as const;
