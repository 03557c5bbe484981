/** The most entries the API returns in one page (services/pagination.ts, MAX_PAGE_SIZE). */
export const MAX_PAGE_SIZE = 500;

/**
 * Entries per "Load more": `fallback`, unless the console's address asks for another size with `?pageSize=N`
 * before the `#` (1 to 500), e.g. to page through a long history in small steps on a slow link.
 */
export function pageSize(fallback: number): number {
  const asked = Number(new URLSearchParams(location.search).get('pageSize'));
  return Number.isInteger(asked) && asked >= 1 && asked <= MAX_PAGE_SIZE ? asked : fallback;
}
