import { InvalidInputError } from '../domain/errors.js';
import type { Actor } from './actor.js';
import type { BlobSource } from './blob-source.js';
import type { DocumentDiff } from './document-diff.js';
import { differences } from './environment-diff.js';
import type { EnvironmentService } from './environments.js';
import type { OverlayService } from './overlays.js';
import type { VersionView } from './version-view.js';

/** One side of a comparison: a namespace at a version (or what one of its environments released), as a cluster runs it. */
export interface ConfigSide {
  readonly namespace: string;
  /** A version of main (hash, tag, HEAD~N); not with `environment`. Neither: main's head. */
  readonly at?: string | null;
  readonly environment?: string | null;
  /** The cluster whose overlay is applied; null: the base documents. */
  readonly cluster?: string | null;
}

export interface ConfigComparisonResult {
  readonly left: VersionView;
  readonly right: VersionView;
  /** Each effective document under the prefix whose text differs, from left to right. */
  readonly files: readonly DocumentDiff[];
}

/**
 * Any two configurations side by side: two namespaces (a team's staging copy and its production one), two
 * environments, two clusters of one environment, two versions. Each side is its effective documents (overlays
 * applied), read as the viewer reads them; the difference is per document, as a diff between versions is.
 */
export class ConfigComparison {
  constructor(
    private readonly overlays: OverlayService,
    private readonly environments: EnvironmentService,
  ) {}

  async compare(actor: Actor, blobs: BlobSource, left: ConfigSide, right: ConfigSide, prefix: string): Promise<ConfigComparisonResult> {
    const [before, after] = [await this.side(actor, blobs, left, prefix), await this.side(actor, blobs, right, prefix)];
    return { left: before.at, right: after.at, files: differences(before.documents, after.documents) };
  }

  private async side(actor: Actor, blobs: BlobSource, side: ConfigSide, prefix: string): Promise<Awaited<ReturnType<OverlayService['effectiveBundle']>>> {
    if (side.at && side.environment) throw new InvalidInputError('give at or environment on one side, not both');
    const version = side.environment ? await this.environments.releasedVersion(actor, side.namespace, side.environment) : (side.at ?? null);
    return this.overlays.effectiveBundle(actor, blobs, side.namespace, prefix, side.cluster ?? null, version);
  }
}
