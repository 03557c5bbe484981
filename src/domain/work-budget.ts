import { TooExpensiveError } from './errors.js';

/**
 * Counts the units of work one request spends (values compared, versions read, bytes parsed) against a documented
 * limit, and refuses the request with TooExpensive once it would pass it. Work that grows with user data takes a
 * budget, so its worst case is the limit, not the data.
 */
export class WorkBudget {
  private spentUnits = 0;

  constructor(
    /** The setting (or built-in bound) named in the refusal, e.g. `CAIRN_MAX_BLAME_VALUES`. */
    readonly limit: string,
    readonly max: number,
    /** What is counted, for the message: "blame compares values". */
    private readonly what: string,
  ) {}

  get spent(): number {
    return this.spentUnits;
  }

  /** Records `units` more; throws TooExpensiveError when the total passes the limit. */
  spend(units: number): void {
    this.spentUnits += units;
    if (this.spentUnits > this.max) throw new TooExpensiveError(this.limit, `${this.what}: more than ${this.max}`);
  }

  /** True when `units` more would still be within the limit (a cheap refusal before the work starts). */
  affords(units: number): boolean {
    return this.spentUnits + units <= this.max;
  }
}
