import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { BackupService } from '../services/backup.js';
import type { Authenticator } from './authenticator.js';
import { answer, answerFailure, authenticated } from './json-answer.js';
import { decodedSegment } from './path-segment.js';

const LIST = '/v1/backup';
const PREFIX = `${LIST}/`;

/**
 * What `cairn backup` reads from a running server, with a token that is admin of `*`:
 * `GET /v1/backup` lists the repositories (`{"repositories": ["payments", ..., ".cairn"]}`, the system repository
 * last), and `GET /v1/backup/<name>` answers one repository as a Git bundle (`application/x-git-bundle`) whose
 * refs are one consistent snapshot, read in the namespace's write lock, so a backup is taken while writes go on.
 */
export class BackupApi {
  constructor(
    private readonly backups: BackupService,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
  ) {}

  static owns(path: string): boolean {
    return path === LIST || path.startsWith(PREFIX);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://backup.invalid');
    if (req.method !== 'GET') return answer(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only' } }, { allow: 'GET' });
    const actor = await authenticated(this.authenticator, req, res);
    if (!actor) return;
    try {
      const name = url.pathname === LIST || url.pathname === PREFIX ? null : decodedSegment(url.pathname.slice(PREFIX.length));
      if (name === null) return answer(res, 200, { repositories: await this.backups.repositories(actor) });
      const snapshot = await this.backups.snapshot(actor, name);
      res.writeHead(200, { 'content-type': 'application/x-git-bundle', 'cache-control': 'no-store' });
      await snapshot.write(res);
    } catch (error) {
      // Half a bundle is sent: the connection is cut so the client cannot take it for a whole one (it verifies, too).
      if (res.headersSent) {
        this.logger.warn({ err: error, path: url.pathname }, 'a backup bundle stopped half way (the client left, or git failed)');
        return void res.destroy();
      }
      answerFailure(res, error, this.logger, url.pathname);
    }
  }
}
