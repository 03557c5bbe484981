import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { spawnCli } from '../cli/cli-process.js';

/** One structured log line of `cairn agent` (pino JSON on stderr). */
export interface AgentLog {
  readonly msg: string;
  readonly version?: string;
  readonly [field: string]: unknown;
}

/** A real `cairn agent` process (the built CLI), its logs parsed as they come. */
export class AgentProcess {
  readonly logs: AgentLog[] = [];
  readonly exited: Promise<number | null>;
  private partial = '';

  constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => {
      const parts = (this.partial + chunk.toString()).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) {
        try {
          this.logs.push(JSON.parse(line) as AgentLog);
        } catch {
          this.logs.push({ msg: line });
        }
      }
    });
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  /** The first log line matching, once it came. */
  async log(matches: (line: AgentLog) => boolean, timeoutMs = 20_000): Promise<AgentLog> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(matches);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such agent log line; the agent said:\n${this.logs.map((l) => JSON.stringify(l)).join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The local server's base URL (--listen with port 0). */
  async listening(): Promise<string> {
    const line = await this.log((l) => l.msg === 'serving the documents locally');
    return `http://${String(line.listen)}`;
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

export function startAgent(args: readonly string[], url: string, token: string): AgentProcess {
  return new AgentProcess(spawnCli(['agent', ...args], { url, token }));
}

/** What a reader sees through `<dir>/..data`, resolved once: the state file's version and every document's text. */
export interface DirectoryView {
  readonly version: string;
  readonly documents: Record<string, string>;
}

/**
 * Reads an agent's directory as a careful reader does (one resolution of `..data`); null before the first write. A
 * version directory removed while it is read (the agent keeps two) is read again from the one in service.
 */
export function readAgentDirectory(dir: string): DirectoryView | null {
  for (;;) {
    try {
      return readOnce(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (!existsSync(path.join(dir, '..data'))) return null;
    }
  }
}

function readOnce(dir: string): DirectoryView {
  const folder = realpathSync(path.join(dir, '..data'));
  const state = JSON.parse(readFileSync(path.join(folder, '..cairn-state.json'), 'utf8')) as { version: string; files: Record<string, string> };
  const documents: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(folder, relative), { withFileTypes: true })) {
      if (entry.name.startsWith('..')) continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else documents[child] = readFileSync(path.join(folder, child), 'utf8');
    }
  };
  walk('');
  return { version: state.version, documents };
}
