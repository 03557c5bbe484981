// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * What each layer may not import (README, "Layout"): dependencies point inward. A path pattern per forbidden layer,
 * as the relative imports from inside `src/<layer>/` (and its subfolders) spell them.
 */
const LAYERS = ['domain', 'git', 'services', 'graphql', 'server', 'console', 'cli'];
const FORBIDDEN = {
  domain: ['git', 'services', 'graphql', 'server', 'console', 'cli'],
  git: ['services', 'graphql', 'server', 'console', 'cli'],
  services: ['graphql', 'server', 'console', 'cli'],
  graphql: ['git', 'server', 'console', 'cli'],
  server: ['console', 'cli'],
  console: ['domain', 'git', 'services', 'graphql', 'server', 'cli'],
  cli: ['git', 'services', 'graphql', 'console'],
};

/** `../<layer>/…` and `../../<layer>/…` from a file in `src/<from>/` or one folder below it. */
function boundary(from) {
  const layers = FORBIDDEN[from];
  return {
    files: [`src/${from}/**/*.{ts,tsx}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers.flatMap((layer) => [`../${layer}/*`, `../../${layer}/*`, `../../src/${layer}/*`]),
              message: `src/${from} may not import this layer: dependencies point inward (README, "Layout").`,
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'repos/**', 'scratch/**', 'src/console/graphql-env.d.ts', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its error and its ordering; say `void` where that is meant.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // The TypeScript compiler checks these, with the project's own settings.
      'no-undef': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  ...LAYERS.map(boundary),
);
