/**
 * Label values chosen by clients (GraphQL operation names) kept to a bounded set: the first `limit` distinct
 * values are kept as they are, later new ones share one overflow value. Every label value is a time series in
 * Prometheus, so a client sending a fresh name per request must not be able to grow them without end.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    private readonly limit: number,
    private readonly overflow: string,
  ) {}

  valueOf(candidate: string): string {
    if (this.seen.has(candidate)) return candidate;
    if (this.seen.size >= this.limit) return this.overflow;
    this.seen.add(candidate);
    return candidate;
  }
}
