import { validateDocumentPath } from './document-path.js';
import { InvalidInputError, InvalidPathError } from './errors.js';

/**
 * Where overlays live: the base `services/payments.yaml` has its overlays in `services/payments.overlays/`, one
 * RFC 6902 patch per cluster, `<cluster>.patch.json`. The folder is named after the base without its extension,
 * so `payments.yaml` and `payments.json` would share one (each overlay must then apply to both).
 */
export const OVERLAY_FOLDER_SUFFIX = '.overlays';
export const OVERLAY_FILE_SUFFIX = '.patch.json';
export const BASE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** DNS-label-like, so a cluster name reads the same in a path, a trailer and a Kubernetes context. */
const CLUSTER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface OverlayLocation {
  /** The base path without its extension: `services/payments`. */
  readonly stem: string;
  readonly cluster: string;
}

export function validateClusterName(cluster: string): string {
  if (!CLUSTER_NAME.test(cluster)) {
    throw new InvalidInputError(`invalid cluster name '${cluster}': 1 to 63 lowercase letters, digits and "-", starting and ending with a letter or digit`);
  }
  return cluster;
}

/**
 * The overlay a document path names, null when it is not inside an overlay folder. A document inside an overlay
 * folder that is not `<cluster>.patch.json` directly in it is refused: everything there is read as an overlay.
 */
export function overlayLocationOf(path: string): OverlayLocation | null {
  const segments = path.split('/');
  const folderIndex = segments.findIndex((segment, i) => i < segments.length - 1 && segment.endsWith(OVERLAY_FOLDER_SUFFIX));
  if (folderIndex === -1) return null;
  const folder = segments[folderIndex] ?? '';
  const name = segments.at(-1) ?? '';
  const reason = overlayNameProblem(folder, name, folderIndex === segments.length - 2);
  if (reason !== null) throw new InvalidPathError(path, reason);
  const stem = [...segments.slice(0, folderIndex), folder.slice(0, -OVERLAY_FOLDER_SUFFIX.length)].join('/');
  return { stem, cluster: name.slice(0, -OVERLAY_FILE_SUFFIX.length) };
}

function overlayNameProblem(folder: string, name: string, direct: boolean): string | null {
  if (folder === OVERLAY_FOLDER_SUFFIX) return `an overlay folder is named after its base document: '<base>${OVERLAY_FOLDER_SUFFIX}/'`;
  if (!direct || !name.endsWith(OVERLAY_FILE_SUFFIX)) return `a '${OVERLAY_FOLDER_SUFFIX}' folder holds only overlays named '<cluster>${OVERLAY_FILE_SUFFIX}'`;
  const cluster = name.slice(0, -OVERLAY_FILE_SUFFIX.length);
  return CLUSTER_NAME.test(cluster)
    ? null
    : `invalid cluster name '${cluster}': 1 to 63 lowercase letters, digits and "-", starting and ending with a letter or digit`;
}

/** The stem of a base document path: the path without its extension. */
export function stemOf(basePath: string): string {
  const extension = BASE_EXTENSIONS.find((ext) => basePath.endsWith(ext));
  return extension ? basePath.slice(0, -extension.length) : basePath;
}

/** Checks a path given as a base document (a document, not an overlay). */
export function validateBasePath(path: string): string {
  const valid = validateDocumentPath(path);
  if (overlayLocationOf(valid) !== null) throw new InvalidPathError(path, 'this is an overlay; give the path of its base document');
  return valid;
}

export function overlayFolderOf(stem: string): string {
  return `${stem}${OVERLAY_FOLDER_SUFFIX}/`;
}

export function overlayPathOf(basePath: string, cluster: string): string {
  return `${overlayFolderOf(stemOf(basePath))}${validateClusterName(cluster)}${OVERLAY_FILE_SUFFIX}`;
}

/** The base documents an overlay folder may belong to. */
export function baseCandidatesOf(stem: string): string[] {
  return BASE_EXTENSIONS.map((ext) => `${stem}${ext}`);
}
