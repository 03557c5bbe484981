import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { type DeliveryAttempt, decodeDeliveryAttempt, encodeDeliveryAttempt } from '../domain/webhook-delivery.js';
import { validateWebhookId } from '../domain/webhook.js';

/**
 * A webhook's delivery log on disk: `<system gitdir>/cairn/deliveries/<id>.jsonl`, one attempt per line, appended
 * in order. Cheap rather than fsynced: losing the last lines in a power cut loses history, never a delivery
 * (the cursor ref decides what is delivered). Bounded by rewriting it with only the newest entries.
 */
export class DeliveryLogFile {
  private readonly file: string;
  private queue: Promise<void> = Promise.resolve();
  /** Whether the file is known to end with a newline (checked once, then kept so by our own appends). */
  private tailChecked = false;

  constructor(gitdir: string, webhookId: string) {
    this.file = path.join(gitdir, 'cairn', 'deliveries', `${validateWebhookId(webhookId)}.jsonl`);
  }

  /** Every readable entry, oldest first; damaged lines (a torn tail) are skipped. */
  async load(): Promise<DeliveryAttempt[]> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    const entries: DeliveryAttempt[] = [];
    for (const line of text.split('\n')) {
      const entry = line ? decodeDeliveryAttempt(line) : null;
      if (entry) entries.push(entry);
    }
    return entries;
  }

  append(entry: DeliveryAttempt): Promise<void> {
    return this.enqueue(async () => {
      await fsp.mkdir(path.dirname(this.file), { recursive: true });
      // A line torn by a crash would glue onto this one: start on a fresh line if the file does not end with one.
      const separator = this.tailChecked ? '' : await this.separator();
      await fsp.appendFile(this.file, `${separator}${encodeDeliveryAttempt(entry)}\n`);
      this.tailChecked = true;
    });
  }

  /** Replaces the file with `entries`, atomically. */
  rewrite(entries: readonly DeliveryAttempt[]): Promise<void> {
    return this.enqueue(async () => {
      await fsp.mkdir(path.dirname(this.file), { recursive: true });
      const temp = `${this.file}.tmp-${process.pid}`;
      await fsp.writeFile(temp, entries.map((e) => `${encodeDeliveryAttempt(e)}\n`).join(''));
      await fsp.rename(temp, this.file);
      this.tailChecked = true;
    });
  }

  remove(): Promise<void> {
    return this.enqueue(async () => {
      await fsp.rm(this.file, { force: true });
      this.tailChecked = false;
    });
  }

  private async separator(): Promise<string> {
    let handle: fsp.FileHandle | null = null;
    try {
      handle = await fsp.open(this.file, 'r');
      const { size } = await handle.stat();
      if (size === 0) return '';
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      return last[0] === 0x0a ? '' : '\n';
    } catch {
      return '';
    } finally {
      await handle?.close();
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
