import { closeSync, openSync, readSync } from 'node:fs';

/** CAIRN_MAX_OPEN_PACKS's default: well under the usual limit of 1,024 descriptors, which sockets share. */
export const DEFAULT_MAX_OPEN_PACKS = 128;

/**
 * The pack files this process has open, shared by every repository and bounded: a thousand namespaces with a pack
 * each must not hold a thousand descriptors (the usual limit is 1,024, and client sockets need theirs). The least
 * recently read pack is closed when another must open; reading it again reopens it.
 *
 * Everything here is synchronous, open, read and close alike: a descriptor is never closed between a caller
 * getting it and reading with it, and a read from the page cache costs less than a promise round trip.
 */
export class PackHandles {
  /** Descriptor per pack path, least recently read first. */
  private readonly open = new Map<string, number>();

  constructor(private limit: number) {}

  /** Changes the bound (CAIRN_MAX_OPEN_PACKS), closing what exceeds it. */
  setLimit(limit: number): void {
    this.limit = Math.max(1, limit);
    this.evict();
  }

  /** Fills `buffer` from `file` at `position`; throws ENOENT when the pack is gone (repacked away while closed). */
  read(file: string, buffer: Buffer, position: number): void {
    readSync(this.descriptorOf(file), buffer, 0, buffer.length, position);
  }

  /** Closes `file` if it is open (its pack was replaced); a later read opens it again. */
  close(file: string): void {
    const fd = this.open.get(file);
    if (fd === undefined) return;
    this.open.delete(file);
    closeSync(fd);
  }

  /** How many packs are open now. */
  get openCount(): number {
    return this.open.size;
  }

  private descriptorOf(file: string): number {
    const fd = this.open.get(file);
    if (fd !== undefined) {
      this.open.delete(file);
      this.open.set(file, fd);
      return fd;
    }
    const opened = openSync(file, 'r');
    this.open.set(file, opened);
    this.evict();
    return opened;
  }

  private evict(): void {
    while (this.open.size > this.limit) {
      const [file, fd] = this.open.entries().next().value as [string, number];
      this.open.delete(file);
      closeSync(fd);
    }
  }
}

/** The process's pack handles: one bound for every repository it opens. */
export const packHandles = new PackHandles(DEFAULT_MAX_OPEN_PACKS);
