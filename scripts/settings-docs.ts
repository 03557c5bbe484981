import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTable } from '../src/server/settings-table.js';

const README = new URL('../docs/operations.md', import.meta.url);
writeFileSync(README, withSettingsTable(readFileSync(README, 'utf8')));
console.log('docs/operations.md: the configuration table written from src/server/setting-declarations.ts');
