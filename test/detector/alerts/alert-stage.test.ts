/**
 * The alerting stage on the in-process bus and the SQLite store: a batch of
 * rule hits is recorded in one write batch (one commit, not two or three per
 * hit), each alert changed by the batch is offered once, as it stands at the
 * end, and only after the batch is committed.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Alert } from '../../../core/alert.js';
import { Topics } from '../../../core/bus/bus.js';
import { InMemoryBus } from '../../../core/bus/memory.js';
import { OrgRegistry } from '../../../core/orgs.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import type { RuleHit } from '../../../core/store/store.js';
import { CounterMetrics, JsonLogger } from '../../../core/telemetry.js';
import { AlertBook } from '../../../detector/alerts/alert-book.js';
import { AlertStage } from '../../../detector/alerts/alert-stage.js';
import { defaultGradingPolicyPath, loadGradingPolicy } from '../../../detector/alerts/grading.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait-for.js';

const JINLING = 'js-jinling-motor';
const T0 = Date.parse('2026-11-26T08:00:00.000Z');

function hit(n: number, source: string): RuleHit {
  return {
    id: `hit-${n}`, kind: 'detection', ruleId: 'rule-s7-stop', ruleTitle: 'S7 PLC stop', level: 'high',
    tags: ['attack.ics', 'attack.t0881'], orgId: JINLING, time: new Date(T0 + n * 1000).toISOString(),
    detectedAt: new Date(T0 + n * 1000 + 50).toISOString(), eventIds: [`event-${n}`],
    groupKey: { 'source.ip': source, 'destination.ip': '10.10.1.10' }, assets: ['plc-01'],
  };
}

describe('AlertStage', () => {
  it('records a batch of hits in one write batch and offers each changed alert once, after the commit', async () => {
    const path = join(tempDir('iisa-alert-stage-'), 'iisa.db');
    const store = SqliteStore.open({ path });
    const bus = new InMemoryBus();
    const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
    const policy = loadGradingPolicy(defaultGradingPolicyPath());
    const book = new AlertBook({ store, registry, policy: () => policy, nodeId: 'test-node', dedupWindowMs: 3_600_000 });
    let batches = 0;
    const batchWrites = store.batchWrites.bind(store);
    store.batchWrites = (work) => { batches++; return batchWrites(work); };
    const offered: { alert: Alert; committed: number }[] = [];
    const committedAlerts = (): number => {
      const raw = new Database(path, { readonly: true });
      try {
        return (raw.prepare("SELECT count(*) AS n FROM documents WHERE collection = 'alerts'").get() as { n: number }).n;
      } finally {
        raw.close();
      }
    };
    const stage = await AlertStage.start({
      bus, book, log: new JsonLogger('silent'), metrics: new CounterMetrics(),
      onChange: async (alert) => { offered.push({ alert, committed: committedAlerts() }); },
    });
    try {
      // Ten hits from an IPv4 attacker and five from an IPv6 one, published together: one batch, two alerts.
      const hits = [...Array.from({ length: 10 }, (_, i) => hit(i, '203.0.113.9')), ...Array.from({ length: 5 }, (_, i) => hit(100 + i, '2001:db8:bad::9'))];
      await bus.publish(Topics.ruleHits, hits.map((h) => ({ key: h.orgId, value: h })));
      await waitFor(() => offered.length === 2, 5_000, 'two alerts offered');
      expect(offered.map((o) => o.alert.count).sort((a, b) => a - b), 'each offered once, with every hit of the batch counted').to.deep.equal([5, 10]);
      expect(offered.every((o) => o.committed === 2), 'offered only once both alerts were committed').to.equal(true);
      expect(batches, 'one write batch to record, one to offer').to.equal(2);
    } finally {
      await stage.close();
      await bus.close();
      await store.close();
    }
  });
});
