import type { VersionView } from '../services/version-view.js';
import { builder } from './builder.js';

/**
 * The Version type, declared apart from its fields (version.ts): a version lists its file diffs, and a diff names
 * the versions it compares, so both files point here instead of at each other.
 */
export const VersionRef = builder.objectRef<VersionView>('Version');
