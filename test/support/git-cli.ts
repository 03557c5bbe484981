import { execFile } from 'node:child_process';

/** A fixed identity and no credential prompts, whatever the machine's global config and terminal say. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Git CLI',
  GIT_AUTHOR_EMAIL: 'cli@example.com',
  GIT_COMMITTER_NAME: 'Git CLI',
  GIT_COMMITTER_EMAIL: 'cli@example.com',
  GIT_TERMINAL_PROMPT: '0',
};

/**
 * Runs the git CLI in `cwd` and resolves with its stdout; rejects with an Error whose message holds git's stderr.
 * Asynchronous on purpose: a synchronous child (`execFileSync`) blocks the event loop, so it deadlocks against
 * servers running in the test process, such as `startGitHttpServer`.
 */
export function gitCli(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')} failed (${error.code ?? error.signal}):\n${stderr}`));
      else resolve(stdout);
    });
  });
}
