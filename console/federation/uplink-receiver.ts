/**
 * The parent applying what a child sends up. Each item is checked on its
 * own: a malformed one, one speaking for an org the link does not serve, or
 * one whose application fails its checks is refused (with why; out-of-scope
 * refusals are logged durably) while the rest of the batch is applied.
 * Applying an item twice changes nothing (alerts and task status by
 * revision, receipts by state, posture by period), which is what makes the
 * child's retries safe: a failure of this node (its store away) fails the
 * whole batch, and the child sends it again.
 */
import { ZodError } from 'zod';
import { AlertSchema, alertIndex, type Alert } from '../../core/alert.js';
import { Collections } from '../../core/store/documents.js';
import { updateDocument } from '../../core/store/document-update.js';
import { UplinkItemSchema, itemOrgs, type Posture, type UplinkItem, type UplinkResult } from '../../core/federation/messages.js';
import { describeIssues } from '../../core/config.js';
import type { AdvisoryBook } from '../coordination/advisories.js';
import { CoordinationError, type NodeContext } from '../coordination/context.js';
import { alertChanged } from '../coordination/escalation.js';
import type { TaskBook } from '../coordination/tasks.js';
import { storePosture } from '../coordination/posture-store.js';
import type { SecurityLog } from './security-log.js';

export interface UplinkReceiverDeps {
  readonly ctx: NodeContext;
  readonly advisories: AdvisoryBook;
  readonly tasks: TaskBook;
  readonly security: SecurityLog;
  /** Orgs each child link may speak for. */
  readonly linkOrgs: (linkId: string) => ReadonlySet<string> | undefined;
}

/** An item refused while applying it: answered to the child as refused, logged durably under `reason`. */
class ItemRefused extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
    this.name = 'ItemRefused';
  }
}

/**
 * Errors that say the item itself cannot be applied, so sending it again
 * cannot help: refused, not retried. Anything else (the store away) is this
 * node's trouble and fails the batch.
 */
function isItemError(err: unknown): err is Error {
  return err instanceof ZodError || err instanceof TypeError || err instanceof RangeError || err instanceof CoordinationError;
}

export class UplinkReceiver {
  constructor(private readonly deps: UplinkReceiverDeps) {}

  async apply(linkId: string, items: readonly unknown[], remote: string): Promise<UplinkResult> {
    const result: { accepted: string[]; refused: { id: string; reason: string }[] } = { accepted: [], refused: [] };
    const allowed = this.deps.linkOrgs(linkId) ?? new Set<string>();
    for (const raw of items) {
      const parsed = UplinkItemSchema.safeParse(raw);
      const id = itemIdOf(raw);
      if (!parsed.success) {
        result.refused.push({ id, reason: `invalid item: ${describeIssues(parsed.error).join('; ')}` });
        continue;
      }
      const item = parsed.data;
      const foreign = itemOrgs(item).filter((org) => !allowed.has(org));
      if (foreign.length) {
        const reason = `link ${linkId} does not serve ${[...new Set(foreign)].join(', ')}`;
        await this.deps.security.record({ linkId, reason: 'wrong-org', detail: `${item.type} ${item.id}: ${reason}`, remote, item: item.id });
        result.refused.push({ id: item.id, reason });
        continue;
      }
      try {
        await this.applyItem(item, linkId);
      } catch (err) {
        if (err instanceof ItemRefused) {
          await this.deps.security.record({ linkId, reason: err.reason, detail: `${item.type} ${item.id}: ${err.message}`, remote, item: item.id });
          result.refused.push({ id: item.id, reason: err.message });
          continue;
        }
        if (!isItemError(err)) throw err;
        const reason = err instanceof ZodError ? `invalid item: ${describeIssues(err).join('; ')}` : `${err.name}: ${err.message}`;
        this.deps.ctx.log.warn('uplink item refused', { link: linkId, item: item.id, type: item.type, reason });
        result.refused.push({ id: item.id, reason });
        continue;
      }
      result.accepted.push(item.id);
    }
    return result;
  }

  private async applyItem(item: UplinkItem, linkId: string): Promise<void> {
    switch (item.type) {
      case 'alert': return this.applyAlert(item.alert, linkId);
      case 'posture': return this.applyPosture(item.posture);
      case 'receipt':
        if (item.receipt.subject === 'advisory') await this.deps.advisories.applyReceipt(item.receipt);
        else await this.deps.tasks.applyReceipt(item.receipt);
        return;
      case 'task-status':
        await this.deps.tasks.applyStatus(item.update);
        return;
    }
  }

  /** Keep the highest revision; pass it on up when the grading asked for the tier above too. */
  private async applyAlert(alert: Alert, linkId: string): Promise<void> {
    const { ctx } = this.deps;
    const checked = AlertSchema.parse(alert);
    // A misconfigured child must not fill this node with alerts its grading keeps below it.
    if (!(checked.escalateTo as readonly string[]).includes(ctx.tier)) {
      throw new ItemRefused('not-escalated-here', `alert ${checked.id} (grade ${checked.grade}) escalates to ${checked.escalateTo.join(', ') || 'no tier'}, not to ${ctx.tier}`);
    }
    let storedOrg: string | undefined;
    const written = await updateDocument<Alert>(ctx.store, Collections.alerts, checked.id, (doc) => {
      storedOrg = doc?.body.orgId;
      if (doc && doc.body.orgId !== checked.orgId) return undefined;
      if (doc && doc.body.revision >= checked.revision) return undefined;
      return { id: checked.id, orgId: checked.orgId, sortKey: checked.firstSeen, index: { ...alertIndex(checked), via: linkId }, body: checked };
    });
    // Alert ids are global: an id already kept for another org is not the child's to change.
    if (storedOrg !== undefined && storedOrg !== checked.orgId) {
      throw new ItemRefused('wrong-org', `alert ${checked.id} is kept here for another org than ${checked.orgId}`);
    }
    if (written) await alertChanged(ctx, checked);
  }

  private async applyPosture(posture: Posture): Promise<void> {
    const { ctx } = this.deps;
    const id = await storePosture(ctx.store, posture);
    ctx.publish?.({ kind: 'posture', posture });
    // Aggregates travel on up: the national center's posture is its provinces' enterprises'.
    await ctx.uplink?.({ type: 'posture', id, orgId: posture.orgId, posture });
  }
}

/** The id an item claims, for refusing even one that does not parse. */
export function itemIdOf(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null) {
    const id = (raw as { id?: unknown }).id;
    if (typeof id === 'string' && id.length > 0) return id.slice(0, 300);
  }
  return '(no id)';
}
