/**
 * A node on loopback receives every format over every transport (HTTP,
 * syslog UDP and TCP over IPv4 and IPv6, a tailed file, MQTT), stores each
 * event with its ECS fields and org, and dead-letters the malformed lines
 * while keeping their neighbours.
 */
import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { appendFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { getField, type EcsEvent } from '../../core/event.js';
import { loadConfigFile } from '../../core/config.js';
import { IngestTokenListSchema } from '../../collector/tokens.js';
import { finishNodeConfig, NodeConfigSchema } from '../../cli/node-config.js';
import { startNode, type RunningNode } from '../../cli/node.js';
import { generateTraffic, streamPreamble, type SimRecord } from '../../seeds/simulator/simulate.js';
import { ParserNames, type ParserName } from '../../seeds/simulator/parsers.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const MALFORMED = 'this is not a log line of any format \u0001';
const PER_FORMAT = 4;

/** Fields each format must fill, with a check of the value: "the right ECS fields". */
const EXPECTED: Record<ParserName, [field: string, check: (v: unknown) => boolean][]> = {
  'iptables': [['source.ip', isIp], ['destination.port', isPort], ['network.transport', isText], ['event.category', includes('network')]],
  'cef': [['observer.vendor', isText], ['observer.product', isText], ['event.severity', isNumber], ['rule.name', isText]],
  'zeek-modbus': [['ics.protocol', equals('modbus')], ['ics.function', isText], ['source.ip', isIp], ['destination.port', isPort]],
  'zeek-s7comm': [['ics.protocol', (v) => v === 's7comm' || v === 's7comm-plus'], ['ics.function', isText], ['source.ip', isIp]],
  'zeek-opcua': [['ics.protocol', equals('opcua')], ['source.ip', isIp], ['destination.port', isPort]],
  'zeek-dnp3': [['ics.protocol', equals('dnp3')], ['ics.function', isText], ['source.ip', isIp]],
  'opcua-audit': [['ics.protocol', equals('opcua')], ['event.outcome', isText], ['source.ip', isIp]],
  'access-combined': [['source.ip', isIp], ['http.request.method', isText], ['http.response.status_code', isNumber], ['url.original', isText]],
  'app-audit': [['event.action', isText], ['event.outcome', isText], ['source.ip', isIp]],
  'handle-access': [['idres.identifier', isText], ['idres.prefix', isText], ['idres.response_code', isText], ['source.ip', isIp]],
  'bind-query': [['dns.question.name', isText], ['dns.question.type', isText], ['source.ip', isIp]],
  'resolver-json': [['idres.identifier', isText], ['idres.node', isText], ['idres.response_code', isText], ['source.ip', isIp]],
};

function isIp(v: unknown) { return typeof v === 'string' && /^[0-9a-f:.]+$/.test(v) && (v.includes('.') || v.includes(':')); }
function isPort(v: unknown) { return typeof v === 'number' && v >= 0 && v <= 65535; }
function isText(v: unknown) { return typeof v === 'string' && v.length > 0; }
function isNumber(v: unknown) { return typeof v === 'number'; }
function equals(x: unknown) { return (v: unknown) => v === x; }
function includes(x: string) { return (v: unknown) => Array.isArray(v) && v.includes(x); }

interface Sample { org: string; token: string; lines: string[] }

/** A few simulator lines per format, for an org that has a token for it. */
function samples(tokensFile: string): Map<ParserName, Sample> {
  const tokens = loadConfigFile(tokensFile, IngestTokenListSchema);
  const out = new Map<ParserName, Sample>();
  const records: SimRecord[] = [...generateTraffic({ scenario: 'none', durationSeconds: 600, rate: 60, seed: 11 })];
  for (const parser of ParserNames) {
    const first = records.find((r) => r.parser === parser);
    if (!first) throw new Error(`simulator wrote no ${parser} lines`);
    const token = tokens.find((t) => t.org === first.org && t.parser === parser)!;
    const lines = records.filter((r) => r.parser === parser && r.org === first.org).slice(0, PER_FORMAT).map((r) => r.line);
    out.set(parser, { org: first.org, token: token.token!, lines });
  }
  return out;
}

function checkFields(event: EcsEvent, parser: ParserName): string[] {
  return EXPECTED[parser]
    .filter(([field, check]) => !check(getField(event, field)))
    .map(([field]) => `${parser}: ${field} = ${JSON.stringify(getField(event, field))}`);
}

async function allEvents(node: RunningNode, orgIds?: string[]): Promise<EcsEvent[]> {
  return (await node.store.searchEvents({ limit: 10_000, order: 'asc', ...(orgIds ? { orgIds } : {}) })).events;
}

describe('node ingest end to end', function () {
  this.timeout(60_000);
  let dir: string;
  let node: RunningNode;
  let sample: Map<ParserName, Sample>;
  const topic = `iisa-test/${process.pid}-${Date.now()}/opcua`;
  const ORG_V4 = 'js-jinling-motor';
  const ORG_V6 = 'gd-pearl-electronics';
  const ECS_A = { org: 'js-jinling-motor', token: 'e2e-ecs-token-a-000000' };
  const ECS_B = { org: 'zj-qiantang-aero', token: 'e2e-ecs-token-b-000000' };

  before(async () => {
    dir = tempDir('iisa-e2e-');
    const seedTokens = join(repoRoot, 'seeds', 'tokens.yaml');
    sample = samples(seedTokens);
    const tokensFile = join(dir, 'tokens.yaml');
    writeFileSync(tokensFile, stringify([
      ...loadConfigFile(seedTokens, IngestTokenListSchema),
      { id: 'e2e-ecs-a', org: ECS_A.org, parser: 'ecs', token: ECS_A.token },
      { id: 'e2e-ecs-b', org: ECS_B.org, parser: 'ecs', token: ECS_B.token },
    ]));
    const zeekFile = join(dir, 'modbus.log');
    writeFileSync(zeekFile, '');
    const raw = {
      node: { id: 'e2e', tier: 'national' as const },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: join(dir, 'data'),
      ingestTokens: tokensFile,
      log: { level: 'silent' as const },
      sources: [
        { type: 'http', listen: { host: '::', port: 0 } },
        { type: 'syslog-udp', listen: { host: '::', port: 0 }, routes: [
          { from: ['127.0.0.0/8'], org: ORG_V4, parser: 'iptables' },
          { from: ['::1/128'], org: ORG_V6, parser: 'iptables' },
        ] },
        { type: 'syslog-tcp', listen: { host: '::', port: 0 }, routes: [
          { from: ['127.0.0.0/8'], org: ORG_V4, parser: 'cef' },
          { from: ['::1'], org: ORG_V6, parser: 'cef' },
        ] },
        { type: 'file', path: zeekFile, org: sample.get('zeek-modbus')!.org, parser: 'zeek-modbus', pollIntervalMs: 50 },
        { type: 'mqtt', url: 'mqtt://127.0.0.1:1883', topics: [topic], org: sample.get('opcua-audit')!.org, parser: 'opcua-audit', clientId: `iisa-e2e-${process.pid}` },
      ],
    };
    node = await startNode(finishNodeConfig(NodeConfigSchema.parse(raw), join(dir, 'node.yaml')));
  });

  after(async () => {
    await node?.stop();
  });

  function port(type: string): number {
    return node.sources.find((s) => s.type === type)!.source.address!()!.port;
  }

  describe('HTTP', () => {
    it('stores every format with its ECS fields and org, and answers 422 naming the malformed line', async () => {
      for (const parser of ParserNames) {
        const { token, lines } = sample.get(parser)!;
        const body = [...streamPreamble(parser), ...lines.slice(0, 2), MALFORMED, ...lines.slice(2)];
        const res = await fetch(`http://127.0.0.1:${port('http')}/api/v1/ingest`, {
          method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body: body.join('\n'),
        });
        const answer = await res.json() as { accepted: number; rejected: { line: number; code: string; reason: string }[] };
        expect(res.status, parser).to.equal(422);
        expect(answer.accepted, parser).to.equal(body.length - 1);
        expect(answer.rejected, parser).to.have.length(1);
        expect(answer.rejected[0].reason, parser).to.be.a('string').and.not.equal('');
      }
      const stored = await allEvents(node);
      const problems: string[] = [];
      for (const parser of ParserNames) {
        const { org, lines } = sample.get(parser)!;
        for (const line of lines) {
          const event = stored.find((e) => e.event.original === line && e.input?.type === 'http');
          if (!event) { problems.push(`${parser}: not stored: ${line.slice(0, 80)}`); continue; }
          if (event.org?.id !== org) problems.push(`${parser}: org ${event.org?.id}, expected ${org}`);
          if (event.org?.tier !== 'enterprise' || !event.org.category) problems.push(`${parser}: org fields not stamped`);
          problems.push(...checkFields(event, parser));
        }
      }
      expect(problems).to.deep.equal([]);
      const letters = await node.store.searchDeadLetters({ source: 'http' });
      for (const parser of ParserNames) {
        expect(letters.some((l) => l.parser === parser && l.raw === MALFORMED && l.orgId === sample.get(parser)!.org && l.reason.length > 0), parser).to.equal(true);
      }
    });

    it('stamps the token\'s org whatever the body says, so enterprise A cannot write for enterprise B', async () => {
      const forged = { '@timestamp': new Date().toISOString(), message: 'forged-org-attempt', org: { id: ECS_B.org, tier: 'national' }, event: { id: 'x' } };
      const res = await fetch(`http://[::1]:${port('http')}/api/v1/ingest`, {
        method: 'POST', headers: { authorization: `Bearer ${ECS_A.token}`, 'content-type': 'application/json' }, body: JSON.stringify([forged]),
      });
      expect(res.status).to.equal(200);
      const asA = (await node.store.searchEvents({ orgIds: [ECS_A.org], text: 'forged-org-attempt' })).events;
      expect(asA).to.have.length(1);
      expect(asA[0].org).to.deep.include({ id: ECS_A.org, tier: 'enterprise' });
      const asB = await node.store.searchEvents({ orgIds: node.registry.visibleTo(ECS_B.org)!, text: 'forged-org-attempt' });
      expect(asB.events).to.deep.equal([]);
    });

    it('refuses a request without a valid token and keeps the attempt as a dead letter', async () => {
      const res = await fetch(`http://127.0.0.1:${port('http')}/api/v1/ingest`, {
        method: 'POST', headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/x-ndjson' }, body: '{"message":"x"}',
      });
      expect(res.status).to.equal(401);
      expect((await res.json() as { message: string }).message).to.be.a('string');
      const letters = await node.store.searchDeadLetters({ code: 'bad-token' });
      expect(letters.length).to.be.greaterThan(0);
    });
  });

  describe('syslog UDP', () => {
    it('routes IPv4 and IPv6 senders to their orgs and dead-letters a malformed message', async () => {
      const lines = sample.get('iptables')!.lines;
      const send = (family: 'udp4' | 'udp6', host: string, messages: string[]) => new Promise<void>((resolve, reject) => {
        const socket = createSocket(family);
        let left = messages.length;
        for (const m of messages) {
          socket.send(Buffer.from(m), port('syslog-udp'), host, (err) => {
            if (err) { socket.close(); reject(err); return; }
            if (--left === 0) { socket.close(); resolve(); }
          });
        }
      });
      await send('udp4', '127.0.0.1', [`<4>${lines[0]}`, `<4>${lines[1]}`]);
      await send('udp6', '::1', [`<4>${lines[2]}`, `<4>Nov 25 14:00:01 gw-09 kernel: ${MALFORMED}`, `<4>${lines[3]}`]);
      await waitFor(async () => (await allEvents(node)).filter((e) => e.input?.type === 'syslog-udp').length === 4, 10_000, 'four UDP events');
      const events = (await allEvents(node)).filter((e) => e.input?.type === 'syslog-udp');
      expect(events.filter((e) => e.org?.id === ORG_V4)).to.have.length(2);
      expect(events.filter((e) => e.org?.id === ORG_V6)).to.have.length(2);
      for (const e of events) {
        expect(checkFields(e, 'iptables')).to.deep.equal([]);
        expect(e.log?.syslog?.priority).to.equal(4);
        expect(e.event.original).to.match(/^<4>/);
      }
      await waitFor(async () => (await node.store.searchDeadLetters({ orgIds: [ORG_V6] })).some((l) => l.raw.includes(MALFORMED)), 10_000, 'the UDP dead letter');
    });
  });

  describe('syslog TCP', () => {
    it('reads octet-counted RFC 5424 over IPv6 and newline-framed RFC 3164 over IPv4', async () => {
      const lines = sample.get('cef')!.lines;
      const body = (line: string) => line.slice(line.indexOf('CEF:'));
      const rfc5424 = (line: string) => `<134>1 2026-11-25T06:00:00.000Z fw-07 firewall - - - ${body(line)}`;
      const framed6 = [rfc5424(lines[0]), rfc5424(lines[1]), `<134>1 2026-11-25T06:00:00Z fw-07 firewall - - - CEF:0|broken`]
        .map((m) => `${Buffer.byteLength(m)} ${m}`).join('');
      const framed4 = [`<134>${lines[2]}`, `<134>${lines[3]}`].join('\n') + '\n';
      for (const [host, payload] of [['::1', framed6], ['127.0.0.1', framed4]] as const) {
        await new Promise<void>((resolve, reject) => {
          const socket = connect(port('syslog-tcp'), host, () => socket.end(payload));
          socket.on('close', () => resolve());
          socket.on('error', reject);
        });
      }
      await waitFor(async () => (await allEvents(node)).filter((e) => e.input?.type === 'syslog-tcp').length === 4, 10_000, 'four TCP events');
      const events = (await allEvents(node)).filter((e) => e.input?.type === 'syslog-tcp');
      expect(events.filter((e) => e.org?.id === ORG_V6).map((e) => e.log?.syslog?.hostname)).to.deep.equal(['fw-07', 'fw-07']);
      expect(events.filter((e) => e.org?.id === ORG_V4)).to.have.length(2);
      for (const e of events) expect(checkFields(e, 'cef')).to.deep.equal([]);
      await waitFor(async () => (await node.store.searchDeadLetters({ orgIds: [ORG_V6] })).some((l) => l.raw.includes('CEF:0|broken')), 10_000, 'the TCP dead letter');
    });
  });

  describe('file tail', () => {
    it('reads a Zeek log as it grows, header first, and dead-letters a broken row', async () => {
      const { org, lines } = sample.get('zeek-modbus')!;
      const file = join(dir, 'modbus.log');
      appendFileSync(file, [...streamPreamble('zeek-modbus'), lines[0], lines[1]].join('\n') + '\n');
      appendFileSync(file, [MALFORMED, lines[2], lines[3]].join('\n') + '\n');
      await waitFor(async () => (await allEvents(node, [org])).filter((e) => e.input?.type === 'file').length === 4, 10_000, 'four file events');
      const events = (await allEvents(node, [org])).filter((e) => e.input?.type === 'file');
      for (const e of events) {
        expect(checkFields(e, 'zeek-modbus')).to.deep.equal([]);
        expect(e.log?.file?.path).to.equal(file);
      }
      expect(events.map((e) => e.event.original)).to.have.members(lines.slice(0, 4));
      await waitFor(async () => (await node.store.searchDeadLetters({ orgIds: [org] })).some((l) => l.raw === MALFORMED && l.source.startsWith('file:')), 10_000, 'the file dead letter');
    });
  });

  describe('MQTT', () => {
    it('reads OPC UA audit events published to the real broker', async () => {
      const { org, lines } = sample.get('opcua-audit')!;
      const client = await mqtt.connectAsync('mqtt://127.0.0.1:1883');
      try {
        for (const payload of [lines[0], lines[1], MALFORMED, `${lines[2]}\n${lines[3]}`]) await client.publishAsync(topic, payload, { qos: 1 });
      } finally {
        await client.endAsync();
      }
      await waitFor(async () => (await allEvents(node, [org])).filter((e) => e.input?.type === 'mqtt').length === 4, 10_000, 'four MQTT events');
      const events = (await allEvents(node, [org])).filter((e) => e.input?.type === 'mqtt');
      for (const e of events) expect(checkFields(e, 'opcua-audit')).to.deep.equal([]);
      await waitFor(async () => (await node.store.searchDeadLetters({ orgIds: [org] })).some((l) => l.raw === MALFORMED && l.source.startsWith('mqtt')), 10_000, 'the MQTT dead letter');
    });
  });
});
