import { rmSync } from 'node:fs';
import { type GitHttpServerOptions, startGitHttpServer } from './git-http-server.js';
import type { ChildMessage, ParentCommand } from './git-http-server-process.js';

/**
 * The process `startGitHttpServerProcess` starts: serves `process.argv[2]`'s options and does what the parent asks
 * over IPC. It ends with the parent (the IPC channel closes however the parent ends), and then removes the root
 * the parent made for it, which a parent killed outright could not.
 */
const send = (message: ChildMessage): void => void process.send?.(message);
const options = JSON.parse(process.argv[2] ?? '{}') as Omit<GitHttpServerOptions, 'onLogged'>;
const server = await startGitHttpServer({ ...options, onLogged: (entry) => send({ type: 'logged', entry }) });

process.on('message', (command: ParentCommand) => {
  if (command.op === 'failNext') server.failNext(command.count, command.options);
  else if (command.op === 'pause') server.pause();
  else if (command.op === 'resume') server.resume();
  if (command.op === 'close') void server.close().then(() => send({ type: 'done', id: command.id }));
  // After the I/O callbacks of this turn: a request whose answer the parent already read is logged (and sent) first.
  else setImmediate(() => send({ type: 'done', id: command.id }));
});
/** The parent is gone (or done with this server): nobody else will stop it or remove its root. */
async function end(): Promise<void> {
  await server.close();
  if (options.root) rmSync(options.root, { recursive: true, force: true });
  process.exit(0);
}

process.once('disconnect', () => void end());
send({ type: 'listening', url: server.url });
