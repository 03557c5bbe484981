import { InvalidInputError } from './errors.js';

/** What Cairn does with an edit made in etcd under an environment's prefix (CAIRN_ETCD_DRIFT). */
export type DriftPolicy = 'report' | 'capture' | 'restore';

export const DRIFT_POLICIES: readonly DriftPolicy[] = ['report', 'capture', 'restore'];

export function parseDriftPolicy(text: string): DriftPolicy {
  const policy = DRIFT_POLICIES.find((p) => p === text.trim().toLowerCase());
  if (!policy) throw new InvalidInputError(`must be one of ${DRIFT_POLICIES.join(', ')}, got '${text}'`);
  return policy;
}

/**
 * Where a drifted key stands: `detected` (reported), `captured` (committed to main, not released yet), `restored`
 * (etcd holds the released value again, by Cairn), `failed` (the capture or restore was refused: see `message`), and
 * `resolved` (etcd holds the released value again otherwise: a release, or a hand).
 */
export type DriftStatus = 'detected' | 'captured' | 'restored' | 'failed' | 'resolved';

/** A key under an environment's prefix whose value in etcd is not the one its release published. */
export interface EtcdDrift {
  readonly namespace: string;
  readonly environment: string;
  readonly key: string;
  /** The cluster whose key it is (null: `_`, the base documents; also for the version key and keys naming no document). */
  readonly cluster: string | null;
  /** The document it holds; null for the version key and for a key that names no document. */
  readonly path: string | null;
  /** The etcd revision of the edit: the key's modification revision, or the revision that deleted it. */
  readonly revision: number;
  /** What the release published there; null for a key added in etcd. */
  readonly releasedValue: string | null;
  /** What etcd holds; null when the key was deleted. */
  readonly foundValue: string | null;
  readonly status: DriftStatus;
  /** The capture's commit on main (status `captured`). */
  readonly capturedVersion: string | null;
  /** Why a capture or restore was refused (status `failed`). */
  readonly message: string | null;
  readonly detectedAt: number;
}
