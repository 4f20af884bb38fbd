/**
 * The durable outbox of the link to the parent: everything the node sends
 * up waits here until the parent has confirmed it. Items are documents in
 * the node's store, so they survive restarts and a parent down for hours.
 *
 * One item per key: an alert changed five times while the parent is away
 * waits as its newest revision only (the parent keeps the highest revision
 * it has seen, so the order of one alert's updates holds even then). An
 * item is removed after delivery only if it is still the version that was
 * sent (compare-and-set), so an update queued during the send is not lost.
 */
import { Collections, DocumentConflictError, type DocumentStore, type StoredDocument } from '../../core/store/documents.js';
import type { UplinkItem } from '../../core/federation/messages.js';
import { nextSequence } from './sequence.js';

export class Outbox {
  constructor(private readonly store: DocumentStore, private readonly linkId: string) {}

  /** Queue (or replace the queued version of) an item. Resolves once it is durable. */
  async enqueue(item: UplinkItem): Promise<void> {
    await this.store.putDocument<UplinkItem>(Collections.outbox, {
      id: this.docId(item.id), orgId: item.orgId, sortKey: nextSequence(), index: { linkId: this.linkId, type: item.type }, body: item,
    });
  }

  /** The oldest waiting items, in the order they were queued. */
  async next(limit: number): Promise<StoredDocument<UplinkItem>[]> {
    const page = await this.store.queryDocuments<UplinkItem>({ collection: Collections.outbox, where: { linkId: this.linkId }, order: 'asc', limit });
    return page.documents;
  }

  /** How many items wait. */
  async size(): Promise<number> {
    const counts = await this.store.countDocuments({ collection: Collections.outbox, where: { linkId: this.linkId }, groupBy: 'linkId' });
    return counts.reduce((n, c) => n + c.count, 0);
  }

  /** Remove a delivered item unless it was replaced since it was read. */
  async delivered(doc: StoredDocument<UplinkItem>): Promise<void> {
    try {
      await this.store.deleteDocument(Collections.outbox, doc.id, { expectVersion: doc.version });
    } catch (err) {
      if (!(err instanceof DocumentConflictError)) throw err; // a newer version waits: it goes next time
    }
  }

  private docId(itemId: string): string {
    return `${this.linkId}|${itemId}`;
  }
}
