/**
 * Builders for the jobs suites: a small registry (two provinces' worth of
 * tiers, three enterprises with dual-stack assets), a clock the test moves,
 * a logger that keeps what it was told, a node context on a real store, and
 * the alert book as cli/node.ts builds it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../../collector/sources/types.js';
import type { UplinkItem } from '../../../core/federation/messages.js';
import { OrgRegistry, RegistrySchema } from '../../../core/orgs.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import type { Store } from '../../../core/store/store.js';
import type { NodeContext, Tier } from '../../../console/coordination/context.js';
import { AlertBook } from '../../../detector/alerts/alert-book.js';
import { defaultGradingPolicyPath, loadGradingPolicy } from '../../../detector/alerts/grading.js';
import { tempDir } from '../../helpers/paths.js';

export function testRegistry(): OrgRegistry {
  return new OrgRegistry(RegistrySchema.parse({
    provinces: [{ code: 'JS', name: 'Jiangsu' }],
    orgs: [
      { id: 'ncisc', name: 'National center', tier: 'national' },
      { id: 'js-industry-regulator', name: 'JS industry regulator', tier: 'provincial', province: 'JS', oversees: ['industrial'] },
      {
        id: 'org-a', name: 'Plant A', tier: 'enterprise', province: 'JS', industry: 'automotive', category: 'industrial', grade: 3,
        assets: [
          { id: 'ews-a', name: 'EWS A', kind: 'engineering-workstation', criticality: 'high', ips: ['10.10.2.50', '2001:db8:10:2::50'] },
          { id: 'plc-a', name: 'PLC A', kind: 'plc', criticality: 'critical', ips: ['10.10.1.10', '2001:db8:10:1::10'] },
        ],
      },
      {
        id: 'org-b', name: 'Cloud B', tier: 'enterprise', province: 'JS', industry: 'electronics', category: 'platform', grade: 1,
        assets: [{ id: 'ews-b', name: 'EWS B', kind: 'engineering-workstation', criticality: 'medium', ips: ['10.20.2.50', '2001:db8:20:2::50'] }],
      },
      { id: 'org-c', name: 'Plant C', tier: 'enterprise', province: 'JS', industry: 'machinery', category: 'industrial', grade: 2 },
    ],
  }));
}

/** A clock the test sets and moves. */
export class TestClock {
  private ms: number;

  constructor(iso: string) {
    this.ms = Date.parse(iso);
  }

  readonly now = (): Date => new Date(this.ms);

  set(iso: string): void {
    this.ms = Date.parse(iso);
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

export class CapturingLogger implements Logger {
  readonly lines: LogLine[] = [];
  info(msg: string, fields: Record<string, unknown> = {}): void { this.lines.push({ level: 'info', msg, fields }); }
  warn(msg: string, fields: Record<string, unknown> = {}): void { this.lines.push({ level: 'warn', msg, fields }); }
  error(msg: string, fields: Record<string, unknown> = {}): void { this.lines.push({ level: 'error', msg, fields }); }

  with(level: LogLine['level'], msg: string): LogLine[] {
    return this.lines.filter((l) => l.level === level && l.msg === msg);
  }
}

export interface TestContext extends NodeContext {
  readonly log: CapturingLogger;
  /** What went to the parent (when the context has one). */
  readonly uplinked: UplinkItem[];
}

export function nodeContext(store: Store, registry: OrgRegistry, clock: TestClock, options: { served: readonly string[]; parent?: boolean; tier?: Tier }): TestContext {
  const uplinked: UplinkItem[] = [];
  return {
    store, registry, nodeId: 'node-test', tier: options.tier ?? 'enterprise', servedOrgs: new Set(options.served),
    ...(options.parent ? { parentTier: 'provincial' as const, uplink: async (item: UplinkItem) => { uplinked.push(item); } } : {}),
    relay: async () => [],
    log: new CapturingLogger(),
    now: clock.now,
    uplinked,
  };
}

/** The alert book as cli/node.ts builds it (the shipped grading policy, a 60-minute dedup window). */
export function alertBook(store: Store, registry: OrgRegistry, clock: TestClock): AlertBook {
  const policy = loadGradingPolicy(defaultGradingPolicyPath());
  return new AlertBook({ store, registry, policy: () => policy, nodeId: 'node-test', dedupWindowMs: 60 * 60_000, now: clock.now });
}

export interface TempSqlite {
  readonly store: SqliteStore;
  readonly dir: string;
  close(): Promise<void>;
}

/** A SQLite store on a file in a fresh temp dir (a search opens a second connection to it). */
export function tempSqliteStore(): TempSqlite {
  const dir = tempDir('iisa-jobs-');
  const store = SqliteStore.open({ path: join(dir, 'iisa.db'), synchronous: 'normal' });
  return {
    store, dir,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
