/**
 * What the coordination services (alerts going up, advisories and tasks
 * coming down, receipts and status going back up) need to know about the
 * node they run in, and the two ways out of it: up to the parent (the
 * outbox of the parent link) and down to the children (their feeds).
 */
import type { Logger } from '../../collector/sources/types.js';
import type { DownlinkItem, UplinkItem } from '../../core/federation/messages.js';
import type { OrgRegistry } from '../../core/orgs.js';
import type { Store } from '../../core/store/store.js';
import type { LiveChange } from '../live/visibility.js';

export type Tier = 'enterprise' | 'provincial' | 'national';

export interface NodeContext {
  readonly store: Store;
  readonly registry: OrgRegistry;
  readonly nodeId: string;
  readonly tier: Tier;
  /** Orgs this node serves directly (its config's node.orgs). */
  readonly servedOrgs: ReadonlySet<string>;
  /** Tier of the parent, when the node has one: which escalated alerts go up. */
  readonly parentTier?: Tier;
  /** Queue an item for the parent (durable; resolves once queued). Absent without a parent. */
  readonly uplink?: (item: UplinkItem) => Promise<void>;
  /** Queue an item for every child link covering any of `orgs`; resolves with the links it went to. */
  readonly relay: (item: DownlinkItem, orgs: readonly string[]) => Promise<string[]>;
  readonly log: Logger;
  readonly now: () => Date;
  /**
   * Told of every change people should see live (alerts, posture,
   * advisories, tasks): the console's live hub (console/live). Never throws.
   */
  readonly publish?: (change: LiveChange) => void;
}

/** A request the coordination services refuse (the API answers 404/403/400/409 by code). */
export class CoordinationError extends Error {
  constructor(message: string, readonly code: 'not-found' | 'forbidden' | 'invalid' | 'conflict') {
    super(message);
    this.name = 'CoordinationError';
  }
}
