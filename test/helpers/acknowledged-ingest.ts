/**
 * A ledger of what a node acknowledged, for the fault tests: numbered NDJSON
 * batches (every FIRING_EVERY-th event a PLC stop a test rule fires on), a
 * node config that stores, detects and alerts, and a check, after the fault,
 * that every acknowledged event, rule hit and alert count is in the store
 * once and nothing is counted twice.
 */
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Alert } from '../../core/alert.js';
import type { EcsEvent } from '../../core/event.js';
import { Collections, type StoredDocument } from '../../core/store/documents.js';
import type { Store } from '../../core/store/store.js';
import { repoRoot } from './paths.js';

export const LEDGER_ORG = 'js-jinling-motor';
export const LEDGER_TOKEN = 'ledger-test-token-0123456789';
export const LEDGER_RULE_ID = '5d0b7f3e-6a51-4a8e-9a57-3c0e8f1d2b44';
export const BATCH_SIZE = 50;
/** Every FIRING_EVERY-th event of a batch is a PLC stop the rule fires on. */
export const FIRING_EVERY = 5;

/**
 * Write tokens, the PLC-stop rule and `node.yaml` under `dir` (state in `dataDir`);
 * `http` is merged into the HTTP source's config, `otherSources` are added. Returns the config path.
 */
export function writeLedgerNodeConfig(dir: string, dataDir: string, http: Record<string, unknown> = {}, otherSources: readonly Record<string, unknown>[] = []): string {
  const tokens = join(dir, 'tokens.yaml');
  writeFileSync(tokens, stringify([{ id: 'ledger', org: LEDGER_ORG, parser: 'ecs', token: LEDGER_TOKEN }]));
  const rules = join(dir, 'rules');
  mkdirSync(rules, { recursive: true });
  writeFileSync(join(rules, 'plc-stop.yml'), stringify({
    title: 'PLC stop', id: LEDGER_RULE_ID, status: 'test', level: 'high', tags: ['attack.ics', 'attack.t0881'],
    logsource: { product: 'ics', service: 's7comm' },
    detection: { selection: { 'ics.function': 'PLC Stop' }, condition: 'selection' },
  }));
  const file = join(dir, 'node.yaml');
  writeFileSync(file, stringify({
    node: { id: 'ledger-test', tier: 'enterprise' },
    registry: join(repoRoot, 'seeds', 'orgs.yaml'),
    dataDir,
    ingestTokens: tokens,
    detector: { rules: [rules] },
    sources: [{ type: 'http', listen: { host: '::', port: 0 }, ...http }, ...otherSources],
    log: { level: 'info' },
  }));
  return file;
}

function marker(batch: number, i: number): string {
  return `${batch}-${i}`;
}

/** The NDJSON body of batch number `batch`, half of it from IPv6 addresses; `padBytes` of filler per event make it heavier. */
export function ledgerBatch(batch: number, padBytes = 0): string {
  const pad = padBytes > 0 ? { pad: 'p'.repeat(padBytes) } : {};
  const lines: string[] = [];
  for (let i = 0; i < BATCH_SIZE; i++) {
    const firing = i % FIRING_EVERY === 0;
    lines.push(JSON.stringify({
      '@timestamp': new Date().toISOString(),
      message: `ledger ${marker(batch, i)}`,
      event: { category: ['network'], type: ['protocol'], dataset: 'zeek.s7comm', module: 'zeek' },
      network: { transport: 'tcp', protocol: 's7comm' },
      source: { ip: i % 2 ? '2001:db8::7' : '203.0.113.7', port: 40000 + i },
      destination: { ip: i % 2 ? '2001:db8::20' : '10.1.1.20', port: 102 },
      ics: { protocol: 's7comm', function: firing ? 'PLC Stop' : 'Read Var' },
      labels: { marker: marker(batch, i), ...pad },
    }));
  }
  return lines.join('\n');
}

/** POST batch `batch` to the node's ingest URL. */
export function postLedgerBatch(url: string, batch: number, padBytes = 0): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${LEDGER_TOKEN}`, 'content-type': 'application/x-ndjson' },
    body: ledgerBatch(batch, padBytes),
  });
}

async function allDocuments<T>(store: Store, collection: string): Promise<StoredDocument<T>[]> {
  const documents: StoredDocument<T>[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.queryDocuments<T>({ collection, orgIds: [LEDGER_ORG], limit: 10_000, ...(cursor ? { cursor } : {}) });
    documents.push(...page.documents);
    cursor = page.nextCursor;
  } while (cursor);
  return documents;
}

export interface LedgerCounts {
  readonly events: number;
  readonly hits: number;
  readonly alerts: number;
  readonly counted: number;
}

/**
 * Every event of every acknowledged batch is stored once; every firing one
 * has one hit; every such hit is counted on exactly one alert; every alert's
 * count equals the hits linked to it.
 */
export async function expectLedgerKept(store: Store, acknowledged: readonly number[]): Promise<LedgerCounts> {
  const events: EcsEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.searchEvents({ orgIds: [LEDGER_ORG], limit: 10_000, order: 'asc', ...(cursor ? { cursor } : {}) });
    // Other traffic of the org (a test's syslog) has no marker.
    events.push(...page.events.filter((e) => e.labels?.marker !== undefined));
    cursor = page.nextCursor;
  } while (cursor);
  expect(events.every((e) => e.org?.id === LEDGER_ORG)).to.equal(true);
  const markers = events.map((e) => String(e.labels?.marker));
  expect(markers.length, 'an event stored twice').to.equal(new Set(markers).size);
  const eventIdOf = new Map(events.map((e) => [String(e.labels?.marker), e.event.id]));
  const lost: string[] = [];
  const firing: string[] = [];
  for (const batch of acknowledged) {
    for (let i = 0; i < BATCH_SIZE; i++) {
      if (!eventIdOf.has(marker(batch, i))) lost.push(marker(batch, i));
      if (i % FIRING_EVERY === 0) firing.push(marker(batch, i));
    }
  }
  expect(lost, `acknowledged but lost: ${lost.slice(0, 10).join(', ')}`).to.deep.equal([]);

  const hits = await store.searchRuleHits({ orgIds: [LEDGER_ORG], ruleId: LEDGER_RULE_ID, limit: 10_000 });
  const hitEvents = hits.map((h) => h.eventIds[0]!);
  expect(hitEvents.length, 'a (rule, event) hit stored twice').to.equal(new Set(hitEvents).size);
  const hitByEvent = new Map(hits.map((h) => [h.eventIds[0]!, h.id]));
  const hitless = firing.filter((m) => !hitByEvent.has(eventIdOf.get(m)!));
  expect(hitless, `acknowledged firing events without a hit: ${hitless.slice(0, 10).join(', ')}`).to.deep.equal([]);

  const links = await allDocuments<{ alertId?: string }>(store, Collections.alertLinks);
  const alertOfHit = new Map(links.filter((l) => l.body.alertId).map((l) => [l.id, l.body.alertId!]));
  const uncounted = firing.filter((m) => !alertOfHit.has(hitByEvent.get(eventIdOf.get(m)!)!));
  expect(uncounted, `acknowledged hits counted on no alert: ${uncounted.slice(0, 10).join(', ')}`).to.deep.equal([]);
  const alerts = await allDocuments<Alert>(store, Collections.alerts);
  expect(alerts.length).to.be.at.least(1);
  const linksPerAlert = new Map<string, number>();
  for (const alertId of alertOfHit.values()) linksPerAlert.set(alertId, (linksPerAlert.get(alertId) ?? 0) + 1);
  for (const alert of alerts) {
    expect(alert.body.count, `alert ${alert.id} counts ${alert.body.count} hits but ${linksPerAlert.get(alert.id) ?? 0} link to it`)
      .to.equal(linksPerAlert.get(alert.id) ?? 0);
  }
  return { events: events.length, hits: hits.length, alerts: alerts.length, counted: alertOfHit.size };
}
