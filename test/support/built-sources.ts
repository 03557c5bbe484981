import path from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory build-sources.ts bundled the server and the CLI into for this run. */
    builtSources: string;
    /** The directory build-sources.ts built the web console into for this run. */
    builtConsole: string;
  }
}

const BUNDLES = { 'src/server/main': 'server.js', 'src/cli/main': 'cli.js' } as const;

/** The bundle of this run (build-sources.ts) built from a source entry point, e.g. `src/server/main`, to start with node. */
export function builtEntry(entry: keyof typeof BUNDLES): string {
  return path.join(inject('builtSources'), BUNDLES[entry]);
}
