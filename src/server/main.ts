import pino from 'pino';
import { startServer } from './app.js';
import { readSettings } from './settings.js';

const settings = readSettings();
const logger = pino({ level: settings.logLevel });

try {
  const running = await startServer(settings, { logger });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight writes');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Reloads the tokens file (it is also watched); without a handler SIGHUP would end the process.
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading the tokens file');
    void running.reloadTokens();
  });
} catch (error) {
  logger.fatal({ err: error }, 'Cairn could not start');
  process.exit(1);
}
