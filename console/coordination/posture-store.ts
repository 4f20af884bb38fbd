/**
 * Where posture summaries are kept, the same at the node that computed one
 * and at every node it went up to: the history (one document per org and
 * period, id built here from the summary itself, never taken from a sender)
 * and the newest summary per org (`latest: true`), which is what a
 * regulator's overview lists — one read however many periods are stored.
 */
import { Collections, type DocumentStore } from '../../core/store/documents.js';
import { updateDocument } from '../../core/store/document-update.js';
import type { Posture } from '../../core/federation/messages.js';

export function postureId(orgId: string, periodEnd: string): string {
  return `posture:${orgId}:${periodEnd}`;
}

/**
 * Keep a summary: under its org and period, and as the org's latest when its
 * period ends after the one kept (compare-and-set, so two summaries arriving
 * together cannot leave the older one as latest; a late retry of an older
 * period never replaces a newer one). Resolves with the id it was kept under.
 */
export async function storePosture(store: DocumentStore, posture: Posture): Promise<string> {
  // One instant, one id and one sort order, whatever offset the sender wrote the time with.
  const periodEnd = new Date(posture.periodEnd).toISOString();
  const id = postureId(posture.orgId, periodEnd);
  const index = { orgId: posture.orgId, node: posture.node };
  await store.putDocument<Posture>(Collections.posture, { id, orgId: posture.orgId, sortKey: periodEnd, index: { ...index, latest: false }, body: posture });
  await updateDocument<Posture>(store, Collections.posture, `posture-latest:${posture.orgId}`, (doc) => {
    if (doc && Date.parse(doc.body.periodEnd) >= Date.parse(periodEnd)) return undefined;
    return { id: `posture-latest:${posture.orgId}`, orgId: posture.orgId, sortKey: periodEnd, index: { ...index, latest: true }, body: posture };
  });
  return id;
}

/** The newest summary of each org in `orgIds` (undefined: every org). */
export async function latestPosture(store: DocumentStore, orgIds: readonly string[] | undefined): Promise<Posture[]> {
  const page = await store.queryDocuments<Posture>({ collection: Collections.posture, where: { latest: true }, ...(orgIds ? { orgIds } : {}), limit: 10_000 });
  return page.documents.map((d) => d.body);
}

/**
 * Every period's summary of the orgs in `orgIds` (undefined: every org)
 * whose period ends in [from, to), oldest first, a page at a time.
 */
export async function postureHistory(
  store: DocumentStore, query: { orgIds: readonly string[] | undefined; from: Date; to?: Date; limit: number; cursor?: string },
): Promise<{ posture: Posture[]; nextCursor?: string }> {
  const page = await store.queryDocuments<Posture>({
    collection: Collections.posture, where: { latest: false }, ...(query.orgIds ? { orgIds: query.orgIds } : {}),
    from: query.from.toISOString(), ...(query.to ? { to: query.to.toISOString() } : {}),
    order: 'asc', limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return { posture: page.documents.map((d) => d.body), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
