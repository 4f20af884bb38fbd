/**
 * The parent's nonce store on the node's Store: a nonce recorded survives a
 * restart of the parent, so a request captured just before a restart cannot
 * be replayed just after it. Creating the nonce's document is the check
 * (create-only: a second create is a conflict, i.e. a replay); expired ones
 * are swept by sort key, which is the expiry time.
 */
import type { NonceStore } from '../../core/federation/nonce-store.js';
import { Collections, DocumentConflictError, type DocumentStore } from '../../core/store/documents.js';

export class DocumentNonceStore implements NonceStore {
  constructor(private readonly store: DocumentStore, private readonly clock: () => number = Date.now) {}

  async remember(linkId: string, nonce: string, expiresAtMs: number): Promise<boolean> {
    const id = `${linkId}|${nonce}`;
    try {
      await this.store.putDocument(Collections.nonces, { id, sortKey: new Date(expiresAtMs).toISOString(), body: { linkId } }, { expectVersion: 0 });
      return true;
    } catch (err) {
      if (!(err instanceof DocumentConflictError)) throw err;
    }
    // Seen before; a leftover the sweep has not removed yet does not count once it expired.
    const doc = await this.store.getDocument(Collections.nonces, id);
    if (!doc || Date.parse(doc.sortKey) > this.clock()) return false;
    try {
      await this.store.putDocument(Collections.nonces, { id, sortKey: new Date(expiresAtMs).toISOString(), body: { linkId } }, { expectVersion: doc.version });
      return true;
    } catch (err) {
      if (err instanceof DocumentConflictError) return false; // the same nonce twice at once: one of them is the replay
      throw err;
    }
  }

  /** Drop expired nonces; resolves with how many. */
  sweep(): Promise<number> {
    return this.store.deleteDocumentsBefore(Collections.nonces, new Date(this.clock()).toISOString());
  }
}
