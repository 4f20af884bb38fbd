/**
 * Builders the federation unit tests share: a SQLite store in a temp dir, a
 * logger that keeps its lines, a node context on the seed registry, and one
 * valid item of each kind that crosses a link.
 */
import { join } from 'node:path';
import type { Alert } from '../../../core/alert.js';
import type { Advisory, DownlinkItem, Posture, Receipt, Task, TaskStatusUpdate, UplinkItem } from '../../../core/federation/messages.js';
import { OrgRegistry } from '../../../core/orgs.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { JsonLogger } from '../../../core/telemetry.js';
import type { NodeContext, Tier } from '../../../console/coordination/context.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';

export const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));

export const PROVINCE = 'js-industry-regulator';
export const JINLING = 'js-jinling-motor';
export const YANGTZE = 'js-yangtze-petro';
export const PEARL = 'gd-pearl-electronics';

export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** A logger whose lines a test can read. */
export function recordingLogger(): { log: JsonLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { log: new JsonLogger('info', {}, (line) => lines.push(JSON.parse(line) as LogLine)), lines };
}

/** A fresh SQLite store in its own temp dir; close it in an after hook. */
export function openStore(): SqliteStore {
  return SqliteStore.open({ path: join(tempDir('iisa-fed-'), 'node.db') });
}

export interface ContextOptions {
  readonly tier?: Tier;
  readonly parentTier?: Tier;
  readonly servedOrgs?: readonly string[];
  readonly uplink?: (item: UplinkItem) => Promise<void>;
  readonly relay?: NodeContext['relay'];
  readonly log?: JsonLogger;
  readonly nodeId?: string;
}

export function nodeContext(store: SqliteStore, options: ContextOptions = {}): NodeContext {
  return {
    store, registry,
    nodeId: options.nodeId ?? 'test-node',
    tier: options.tier ?? 'provincial',
    servedOrgs: new Set(options.servedOrgs ?? [PROVINCE]),
    ...(options.parentTier ? { parentTier: options.parentTier } : {}),
    ...(options.uplink ? { uplink: options.uplink } : {}),
    relay: options.relay ?? (async () => []),
    log: options.log ?? recordingLogger().log,
    now: () => new Date(),
  };
}

const T0 = '2026-03-02T08:00:00.000Z';

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'alert-0001', orgId: JINLING, originNode: 'jinling-node', ruleId: 'rule-plc-stop', ruleTitle: 'PLC stop command',
    kind: 'detection', tags: ['attack.t0881'], techniques: ['t0881'], groupKey: { 'destination.ip': '10.12.1.10' },
    dedupKey: 'dedup-1', generation: 1, grade: 'II', score: 71, gradeReasons: ['critical asset'],
    escalateTo: ['provincial'], assets: ['plc-01'], status: 'new', count: 1,
    firstSeen: T0, lastSeen: T0, hitIds: ['hit-1'], eventIds: ['event-1'], createdAt: T0, updatedAt: T0, revision: 1,
    ...overrides,
  };
}

export function alertItem(a: Alert = alert()): UplinkItem {
  return { type: 'alert', id: `alert:${a.id}`, orgId: a.orgId, alert: a };
}

export function posture(orgId: string, periodEnd: string, overrides: Partial<Posture> = {}): Posture {
  const end = Date.parse(periodEnd);
  return {
    orgId, node: `${orgId}-node`, periodStart: new Date(end - 300_000).toISOString(), periodEnd,
    alerts: { new: 1, open: 2, byGrade: { II: 1 }, byRule: {}, byTechnique: {}, byCategory: {} },
    sources: [{ name: 'edge-syslog', events: 12, silent: false }],
    tasks: { open: 0, overdue: 0, done: 0 }, events: 12,
    ...overrides,
  };
}

export function postureItem(p: Posture, id = `posture:${p.orgId}:${p.periodEnd}`): UplinkItem {
  return { type: 'posture', id, orgId: p.orgId, posture: p };
}

export function advisory(id: string, overrides: Partial<Advisory> = {}): Advisory {
  return {
    id, issuer: PROVINCE, issuerNode: 'province-node', title: `Advisory ${id}`, grade: 'II', text: 'Block these addresses.',
    targets: { industries: [], categories: [], grades: [], provinces: [], orgs: [JINLING] },
    indicators: { ips: ['203.0.113.7', '2001:db8:66::7'], identifiers: [], domains: [], hashes: [], sigma: [] },
    issuedAt: T0,
    ...overrides,
  };
}

export function advisoryItem(a: Advisory): DownlinkItem {
  return { type: 'advisory', id: a.id, advisory: a };
}

export function task(id: string, overrides: Partial<Task> = {}): Task {
  return {
    id, issuer: PROVINCE, issuerNode: 'province-node', title: `Task ${id}`, text: 'Patch the PLCs.',
    targetOrgs: [JINLING], deadline: '2099-01-01T00:00:00.000Z', requiredActions: ['patch'], issuedAt: T0,
    ...overrides,
  };
}

export function taskItem(t: Task): DownlinkItem {
  return { type: 'task', id: t.id, task: t };
}

export function receiptItem(receipt: Receipt): UplinkItem {
  return { type: 'receipt', id: `receipt:${receipt.subject}:${receipt.subjectId}:${receipt.orgId}:${receipt.state}`, orgId: receipt.orgId, receipt };
}

export function statusItem(update: TaskStatusUpdate): UplinkItem {
  return { type: 'task-status', id: `task-status:${update.taskId}:${update.orgId}:${update.revision}`, orgId: update.orgId, update };
}
