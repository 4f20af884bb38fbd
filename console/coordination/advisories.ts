/**
 * Advisories at one node: issued here (national center, provincial
 * regulator) or received from the parent; relayed to the children whose
 * enterprises they target; their indicators installed as detections; and
 * the receipts of every target tracked (delivered when it arrives at the
 * enterprise's node, acknowledged when a person there says so), flowing
 * back up to the issuer.
 */
import { Collections } from '../../core/store/documents.js';
import { updateDocument } from '../../core/store/document-update.js';
import { uuidv7 } from '../../core/ids.js';
import { AdvisorySchema, type Advisory, type Receipt } from '../../core/federation/messages.js';
import { parseRuleText } from '../../detector/sigma/parse.js';
import { CoordinationError, type NodeContext } from './context.js';
import { IndicatorError, advisoryRules } from './indicators.js';
import { targetedOrgs } from './targets.js';

export interface ReceiptState {
  delivered?: string;
  acknowledged?: string;
  acknowledgedBy?: string;
}

export interface AdvisoryRecord {
  readonly advisory: Advisory;
  /** `local` when issued at this node, else the parent link it came over. */
  readonly receivedFrom: string;
  readonly receivedAt: string;
  /** Targeted enterprises (all of them, wherever they are), with their receipts. */
  readonly receipts: Record<string, ReceiptState>;
  /** Child links it was relayed to. */
  readonly relayedTo: string[];
}

/** The detections advisories installed, as the detector reads them (detector/stage.ts `extraRules`). */
export interface DetectionDocument {
  readonly advisoryId: string;
  readonly name: string;
  readonly text: string;
}

export type AdvisoryInput = Omit<Advisory, 'id' | 'issuedAt' | 'issuerNode'>;

export class AdvisoryBook {
  constructor(private readonly ctx: NodeContext) {}

  /** Issue a new advisory from this node. Indicators are checked first: a bad one refuses the whole advisory (IndicatorError). */
  async issue(input: AdvisoryInput): Promise<AdvisoryRecord> {
    const advisory = AdvisorySchema.parse({ ...input, id: uuidv7(), issuerNode: this.ctx.nodeId, issuedAt: this.ctx.now().toISOString() });
    checkRules(advisory);
    return this.accept(advisory, 'local');
  }

  /** An advisory from the parent; receiving one twice changes nothing. */
  async receive(advisory: Advisory, fromLink: string): Promise<AdvisoryRecord> {
    const existing = await this.get(advisory.id);
    if (existing) return existing;
    return this.accept(advisory, fromLink);
  }

  async get(id: string): Promise<AdvisoryRecord | undefined> {
    return (await this.ctx.store.getDocument<AdvisoryRecord>(Collections.advisories, id))?.body;
  }

  /** Advisories newest first, those `visible` lets through. */
  async list(visible: (record: AdvisoryRecord) => boolean, limit = 100): Promise<AdvisoryRecord[]> {
    const page = await this.ctx.store.queryDocuments<AdvisoryRecord>({ collection: Collections.advisories, order: 'desc', limit: 10_000 });
    return page.documents.map((d) => d.body).filter(visible).slice(0, limit);
  }

  /** A person at a targeted enterprise acknowledges it. */
  async acknowledge(id: string, orgId: string, by: string): Promise<AdvisoryRecord> {
    const record = await this.get(id);
    if (!record || !(orgId in record.receipts)) throw new CoordinationError(`no advisory ${id} addressed to ${orgId}`, 'not-found');
    if (!this.ctx.servedOrgs.has(orgId)) throw new CoordinationError(`${orgId} acknowledges at its own node, not at ${this.ctx.nodeId}`, 'forbidden');
    // applyReceipt records it and sends it up when the advisory came from above.
    await this.applyReceipt({ subject: 'advisory', subjectId: id, orgId, state: 'acknowledged', at: this.ctx.now().toISOString(), by });
    return (await this.get(id))!;
  }

  /**
   * A receipt, from this node or from a child: recorded, and passed up when
   * the advisory came from above (the issuer tracks every target).
   */
  async applyReceipt(receipt: Receipt): Promise<boolean> {
    let forward = false;
    const written = await updateDocument<AdvisoryRecord>(this.ctx.store, Collections.advisories, receipt.subjectId, (doc) => {
      if (!doc || !(receipt.orgId in doc.body.receipts)) return undefined;
      const current = doc.body.receipts[receipt.orgId];
      if (current[receipt.state] !== undefined) return undefined; // seen before: a retried delivery
      forward = doc.body.receivedFrom !== 'local';
      const next: ReceiptState = { ...current, [receipt.state]: receipt.at, ...(receipt.state === 'acknowledged' ? { acknowledgedBy: receipt.by } : {}) };
      return { ...stored(doc.body), body: { ...doc.body, receipts: { ...doc.body.receipts, [receipt.orgId]: next } } };
    });
    if (written) this.announce(written.body);
    if (written && forward && this.ctx.uplink) await this.ctx.uplink({ type: 'receipt', id: receiptId(receipt), orgId: receipt.orgId, receipt });
    return written !== undefined;
  }

  private async accept(advisory: Advisory, from: string): Promise<AdvisoryRecord> {
    const now = this.ctx.now().toISOString();
    const targets = targetedOrgs(advisory.targets, this.ctx.registry);
    const record: AdvisoryRecord = {
      advisory, receivedFrom: from, receivedAt: now,
      receipts: Object.fromEntries(targets.map((id) => [id, {}])), relayedTo: [],
    };
    await this.installDetections(advisory);
    const relayedTo = await this.ctx.relay({ type: 'advisory', id: advisory.id, advisory }, targets);
    const written = await updateDocument<AdvisoryRecord>(this.ctx.store, Collections.advisories, advisory.id, (doc) =>
      doc ? undefined : { ...stored(record), body: { ...record, relayedTo } });
    if (!written) return (await this.get(advisory.id))!;
    this.announce(written.body);
    // Targets this node serves itself: the advisory has arrived where they work.
    for (const orgId of targets.filter((id) => this.ctx.servedOrgs.has(id))) {
      const receipt: Receipt = { subject: 'advisory', subjectId: advisory.id, orgId, state: 'delivered', at: now, by: `node:${this.ctx.nodeId}` };
      await this.applyReceipt(receipt);
      // applyReceipt forwards only what came from above; a local advisory's issuer is here already.
    }
    this.ctx.log.info('advisory accepted', { advisory: advisory.id, from, targets: targets.length, relayedTo: relayedTo.join(',') });
    return (await this.get(advisory.id))!;
  }

  /** Live views hear of every change (console/live). */
  private announce(record: AdvisoryRecord): void {
    this.ctx.publish?.({ kind: 'advisory', record });
  }

  private async installDetections(advisory: Advisory): Promise<void> {
    for (const rule of advisoryRules(advisory)) {
      const doc: DetectionDocument = { advisoryId: advisory.id, name: rule.name, text: rule.text };
      await this.ctx.store.putDocument(Collections.detections, { id: rule.name, sortKey: advisory.issuedAt, index: { advisoryId: advisory.id }, body: doc });
    }
  }
}

/** Every installed detection, for the detector's `extraRules`. */
export async function installedDetections(store: NodeContext['store']): Promise<{ name: string; text: string }[]> {
  const page = await store.queryDocuments<DetectionDocument>({ collection: Collections.detections, limit: 10_000 });
  return page.documents.map((d) => ({ name: d.body.name, text: d.body.text }));
}

/** A receipt's id: one per subject, org and state, so retries are one. */
export function receiptId(receipt: Receipt): string {
  return `receipt:${receipt.subject}:${receipt.subjectId}:${receipt.orgId}:${receipt.state}`;
}

/** Refuse an advisory whose indicators or Sigma rules would not become detections. */
function checkRules(advisory: Advisory): void {
  for (const rule of advisoryRules(advisory)) {
    const set = parseRuleText(rule.text, rule.name);
    const error = set.problems.find((p) => p.severity === 'error');
    if (error) throw new IndicatorError(`${rule.name}: ${error.message}`);
    if (set.rules.length + set.correlations.length === 0) throw new IndicatorError(`${rule.name}: no rule in the text`);
  }
}

function stored(record: AdvisoryRecord) {
  return { id: record.advisory.id, orgId: record.advisory.issuer, sortKey: record.advisory.issuedAt, index: { issuer: record.advisory.issuer, grade: record.advisory.grade } };
}
