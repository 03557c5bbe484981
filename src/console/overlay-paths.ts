/**
 * Where a base document's overlays live, as the server lays them out (src/domain/overlay-path.ts):
 * `services/payments.yaml` has one RFC 6902 patch per cluster in `services/payments.overlays/<cluster>.patch.json`.
 */
const FOLDER_SUFFIX = '.overlays';
const FILE_SUFFIX = '.patch.json';
const BASE_EXTENSION = /\.(?:ya?ml|json)$/;

/** The folder of a base document's overlays, with its trailing slash. */
export function overlayFolderOf(basePath: string): string {
  return `${basePath.replace(BASE_EXTENSION, '')}${FOLDER_SUFFIX}/`;
}

export function overlayPathOf(basePath: string, cluster: string): string {
  return `${overlayFolderOf(basePath)}${cluster}${FILE_SUFFIX}`;
}

/** The cluster and the base's stem of an overlay document; null for any other document. */
export function overlayOf(path: string): { readonly stem: string; readonly cluster: string } | null {
  const match = /^(.*)\.overlays\/([^/]+)\.patch\.json$/.exec(path);
  return match ? { stem: match[1] ?? '', cluster: match[2] ?? '' } : null;
}

/** The clusters with an overlay among `paths` (the documents of a base's overlay folder). */
export function clustersIn(folder: string, paths: readonly string[]): string[] {
  return paths
    .filter((p) => p.startsWith(folder) && p.endsWith(FILE_SUFFIX) && !p.slice(folder.length).includes('/'))
    .map((p) => p.slice(folder.length, -FILE_SUFFIX.length))
    .sort();
}

/** The same rule as the server's: DNS-label-like, so a name reads the same in a path, a trailer and a context. */
export const CLUSTER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
