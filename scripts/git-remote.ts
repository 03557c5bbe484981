/**
 * A Git smart-HTTP remote for trying replicas on one machine: the real `git http-backend` behind a loopback HTTP
 * server (the same one the tests use). In production, point CAIRN_REMOTE_URL at any Git host instead.
 *
 *   npx tsx scripts/git-remote.ts <directory> [port]     → serves <directory>/config.git at http://127.0.0.1:<port>/config.git
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startGitHttpServer } from '../test/support/git-http-server.js';

const root = path.resolve(process.argv[2] ?? 'git-remote');
const port = Number(process.argv[3] ?? 8080);
mkdirSync(root, { recursive: true });
const server = await startGitHttpServer({ root, port });
const url = existsSync(path.join(root, 'config.git')) ? `${server.url}config.git` : server.createRepository('config.git');
console.log(`Git remote for Cairn replicas: CAIRN_REMOTE_URL=${url}`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
