import path from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory build-sources.ts compiled src into for this run. */
    builtSources: string;
  }
}

/** An entry point of the tsc build of this run (build-sources.ts), e.g. `src/server/main`, to start with node. */
export function builtEntry(entry: 'src/server/main' | 'src/cli/main'): string {
  return path.join(inject('builtSources'), `${entry}.js`);
}
