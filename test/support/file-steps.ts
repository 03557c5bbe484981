import path from 'node:path';
import type { FileStep } from '../../src/git/durable-file.js';

/**
 * The file system steps a repository takes, through its durability options' fault hook: each recorded, watched as
 * it happens (`during`: what a reader sees meanwhile) and failed on demand (`fail`: an EIO at that step).
 */
export class FileSteps {
  steps: { step: FileStep; file: string }[] = [];
  during: ((step: FileStep, file: string) => void) | null = null;
  fail: ((step: FileStep, file: string) => boolean) | null = null;

  readonly faults = (step: FileStep, file: string): void => {
    this.steps.push({ step, file });
    this.during?.(step, file);
    if (this.fail?.(step, file)) throw Object.assign(new Error(`EIO: simulated ${step} failure on ${path.basename(file)}`), { code: 'EIO' });
  };
}
