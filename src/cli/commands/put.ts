import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { PUT_CONFIG, unwrap } from '../operations.js';
import { type WritePayload, printWrite } from '../write-result.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Documents are stored byte for byte: bytes that are not UTF-8 would arrive as U+FFFD, so they are refused. */
function textOf(bytes: Buffer, file: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw usageError(`${file === '-' ? 'stdin' : `'${file}'`} is not valid UTF-8; convert it first (e.g. iconv -f latin1 -t utf-8)`);
  }
}

export async function readSource(file: string): Promise<string> {
  if (file === '-') return textOf(await readStdin(), file);
  try {
    return textOf(await readFile(file), file);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') throw usageError(`cannot read '${file}': ${code}`);
    throw new CliError(`cannot read '${file}': ${(error as Error).message}`, ExitCode.unexpected, 'Unexpected');
  }
}

/**
 * Without --expect a put creates: a conflict then means the document is already there. Said so, with the version to
 * pass, rather than as a conflict with a version the user never named (the details stay for --json).
 */
function existingDocument(error: unknown, path: string): unknown {
  if (!(error instanceof CliError) || error.type !== 'VersionConflict') return error;
  const current = typeof error.details.currentVersion === 'string' ? error.details.currentVersion : '?';
  return new CliError(`${path} already exists: pass --expect <version> (current: ${current})`, error.exitCode, error.type, error.details);
}

export function registerPut(program: Command): void {
  program
    .command('put')
    .description('write a document from a file (or - for stdin), stored byte for byte')
    .argument('<namespace>')
    .argument('<path>', 'document path, e.g. services/api/prod.yaml')
    .argument('<file>', 'the new content, or - to read stdin')
    .option(
      '--expect <version>',
      'the version you read: refused (exit 4) if the document changed since. Omitted: the document must not exist yet; HEAD: overwrite whatever is there',
    )
    .option('-m, --message <comment>', 'why: the commit message')
    .option('--request-id <id>', 'idempotency key: a retry with the same id never commits twice')
    .action(async (namespace: string, path: string, file: string, options: { expect?: string; message?: string; requestId?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const text = await readSource(file);
      const input = { namespace, path, text, expectedVersion: options.expect ?? null, comment: options.message ?? null, requestId: options.requestId ?? null };
      const data = await client.request<{ putConfig: { __typename: string } }>(PUT_CONFIG, { input });
      let payload: WritePayload;
      try {
        payload = unwrap<WritePayload>(data.putConfig, 'WritePayload');
      } catch (error) {
        throw options.expect === undefined ? existingDocument(error, path) : error;
      }
      printWrite(out, payload);
    });
}
