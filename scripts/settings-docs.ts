import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTable } from '../src/server/settings-table.js';

const README = new URL('../README.md', import.meta.url);
writeFileSync(README, withSettingsTable(readFileSync(README, 'utf8')));
console.log('README.md: the configuration table written from src/server/setting-declarations.ts');
