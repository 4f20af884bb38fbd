/**
 * Escalation across a link: an alert goes to the parent when the parent's
 * tier is among those its grade escalates to (rules/grading.policy.yml).
 * Every change of such an alert goes, so the parent follows its lifecycle;
 * the outbox keeps only the newest revision of each waiting alert.
 */
import type { Alert } from '../../core/alert.js';
import type { NodeContext } from './context.js';

/** Queue `alert` for the parent if it escalates there; resolves with whether it did. */
export async function forwardAlert(ctx: NodeContext, alert: Alert): Promise<boolean> {
  if (!ctx.uplink || !ctx.parentTier || ctx.parentTier === 'enterprise') return false;
  if (!alert.escalateTo.includes(ctx.parentTier)) return false;
  await ctx.uplink({ type: 'alert', id: `alert:${alert.id}`, orgId: alert.orgId, alert });
  return true;
}

/** An alert was created or changed here: live views hear of it, and the parent when it escalates there. */
export async function alertChanged(ctx: NodeContext, alert: Alert): Promise<void> {
  ctx.publish?.({ kind: 'alert', alert });
  await forwardAlert(ctx, alert);
}
