/**
 * The receiving end of forwarding: a node's HTTP ingest reads
 * `application/vnd.iisa.forward+ndjson` bodies into events with the token's
 * org and parser, stores a batch sent twice once, rebuilds syslog headers,
 * keeps records refused at the collector as dead letters, and lets the body
 * choose neither the org nor any field outside its short list.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { finishNodeConfig, NodeConfigSchema } from '../../../cli/node-config.js';
import { startNode, type RunningNode } from '../../../cli/node.js';
import { FORWARD_MEDIA_TYPE } from '../../../collector/forward/wire.js';
import { getField } from '../../../core/event.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';

const ORG_A = 'js-jinling-motor';
const ORG_B = 'gd-pearl-electronics';
const TOKENS = { ecsA: 'forward-test-ecs-a-0000', ecsB: 'forward-test-ecs-b-0000', iptablesA: 'forward-test-ipt-a-0000' };

const ecsLine = (seq: number) => JSON.stringify({ '@timestamp': '2026-11-25T06:00:00Z', event: { category: ['network'], action: 'connection' }, labels: { seq: String(seq) } });

function wire(id: string, text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, text, receivedAt: '2026-11-25T06:00:01.000Z', stream: 'file:/var/log/a.log', ...extra });
}

describe('http source: forwarded records', function () {
  this.timeout(30_000);
  let node: RunningNode;
  let url: string;

  before(async () => {
    const dir = tempDir('iisa-http-forward-');
    const tokens = join(dir, 'tokens.yaml');
    writeFileSync(tokens, stringify([
      { id: 'fwd-ecs-a', org: ORG_A, parser: 'ecs', token: TOKENS.ecsA },
      { id: 'fwd-ecs-b', org: ORG_B, parser: 'ecs', token: TOKENS.ecsB },
      { id: 'fwd-ipt-a', org: ORG_A, parser: 'iptables', token: TOKENS.iptablesA },
    ]));
    node = await startNode(finishNodeConfig(NodeConfigSchema.parse({
      node: { id: 'forward-receiver', tier: 'national' },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: join(dir, 'data'),
      ingestTokens: tokens,
      log: { level: 'silent' },
      sources: [{ type: 'http', listen: { host: '::1', port: 0 }, maxLineBytes: 2048 }],
    }), join(dir, 'node.yaml')));
    url = `http://[::1]:${node.sources[0].source.address!()!.port}/api/v1/ingest`;
  });

  after(async () => {
    await node?.stop();
  });

  async function post(token: string, lines: string[]): Promise<{ status: number; body: { accepted?: number; rejected?: { line: number; code: string; reason: string }[] } }> {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': FORWARD_MEDIA_TYPE }, body: lines.join('\n') });
    return { status: res.status, body: await res.json() as { accepted?: number } };
  }

  async function eventsWithSeq(org: string, seq: string) {
    const page = await node.store.searchEvents({ orgIds: [org], limit: 1000, order: 'asc' });
    return page.events.filter((e) => e.labels?.seq === seq);
  }

  it('stores a batch sent twice (its answer lost) once, by the ids the collector gave', async () => {
    const lines = [wire('rec-1', ecsLine(1)), wire('rec-2', ecsLine(2))];
    expect((await post(TOKENS.ecsA, lines)).status).to.equal(200);
    expect((await post(TOKENS.ecsA, lines)).status).to.equal(200);
    expect(await eventsWithSeq(ORG_A, '1')).to.have.length(1);
    expect(await eventsWithSeq(ORG_A, '2')).to.have.length(1);
  });

  it('keeps records of two orgs with the same collector id apart: the org is part of the event id', async () => {
    expect((await post(TOKENS.ecsA, [wire('same-id', ecsLine(3))])).status).to.equal(200);
    expect((await post(TOKENS.ecsB, [wire('same-id', ecsLine(3))])).status).to.equal(200);
    const [a] = await eventsWithSeq(ORG_A, '3');
    const [b] = await eventsWithSeq(ORG_B, '3');
    expect(a.org?.id).to.equal(ORG_A);
    expect(b.org?.id).to.equal(ORG_B);
    expect(a.event.id).to.not.equal(b.event.id);
  });

  it('reads the syslog header of a forwarded syslog message as a syslog listener would, keeping it whole as event.original', async () => {
    const message = '<134>Nov 25 06:00:01 gw-07 kernel: IPT-DROP IN=eth0 OUT= SRC=2001:db8::7 DST=2001:db8::20 LEN=60 PROTO=TCP SPT=40522 DPT=502';
    const res = await post(TOKENS.iptablesA, [wire('syslog-1', message, { syslog: true, stream: 'syslog-tcp:[2001:db8::7]:53122', extra: { 'input.type': 'syslog-tcp' } })]);
    expect(res.status).to.equal(200);
    const page = await node.store.searchEvents({ orgIds: [ORG_A], limit: 1000, order: 'asc' });
    const event = page.events.find((e) => e.event.original === message);
    expect(event, 'the stored event').to.not.equal(undefined);
    expect(getField(event!, 'host.hostname')).to.equal('gw-07');
    expect(getField(event!, 'log.syslog.facility.code')).to.equal(16);
    expect(getField(event!, 'source.ip')).to.equal('2001:db8::7');
    expect(getField(event!, 'input.type')).to.equal('syslog-tcp');
  });

  it("keeps a file record's path and offset", async () => {
    await post(TOKENS.ecsA, [wire('file-1', ecsLine(4), { extra: { 'log.file.path': '/var/log/a.log', 'log.offset': 4096, 'input.type': 'file' } })]);
    const [event] = await eventsWithSeq(ORG_A, '4');
    expect(getField(event, 'log.file.path')).to.equal('/var/log/a.log');
    expect(getField(event, 'log.offset')).to.equal(4096);
  });

  it('refuses a line that sets a field outside the list (an org, say) with 422, storing its neighbours', async () => {
    const res = await post(TOKENS.ecsA, [wire('ok-5', ecsLine(5)), wire('bad-6', ecsLine(6), { extra: { 'org.id': ORG_B } }), 'not json at all']);
    expect(res.status).to.equal(422);
    expect(res.body.rejected!.map((r) => [r.line, r.code])).to.deep.equal([[2, 'bad-record'], [3, 'bad-record']]);
    expect(res.body.rejected![0].reason).to.match(/org\.id/);
    expect(await eventsWithSeq(ORG_A, '5')).to.have.length(1);
    expect(await eventsWithSeq(ORG_B, '6')).to.have.length(0);
  });

  it('keeps a record refused at the collector as a dead letter with its code, reason and origin, answering 200', async () => {
    const res = await post(TOKENS.ecsA, [wire('dl-1', 'the first bytes of a line too long', {
      deadLetter: { code: 'too-large', reason: 'line at offset 0 longer than maxLineBytes', origin: 'file:/var/log/a.log' },
    })]);
    expect(res.status).to.equal(200);
    const letters = await node.store.searchDeadLetters({ orgIds: [ORG_A], limit: 100 });
    const letter = letters.find((l) => l.raw === 'the first bytes of a line too long');
    expect(letter, 'the dead letter').to.not.equal(undefined);
    expect(letter!.code).to.equal('too-large');
    expect(letter!.reason).to.match(/at the forwarding collector, file:\/var\/log\/a\.log/);
  });

  it('dead-letters a forwarded record longer than maxLineBytes here, its head kept', async () => {
    const long = `{"pad":"${'x'.repeat(3000)}"}`;
    const res = await post(TOKENS.ecsA, [wire('long-1', long)]);
    expect(res.status).to.equal(200);
    const letters = await node.store.searchDeadLetters({ orgIds: [ORG_A], limit: 100 });
    expect(letters.some((l) => l.code === 'too-large' && long.startsWith(l.raw) && l.raw.length > 0)).to.equal(true);
  });

  it('keeps the dead letters of a batch sent twice (its answer lost) once, as it does its events', async () => {
    const refusedThere = wire('dl-twice-1', 'refused at the collector, sent twice', {
      deadLetter: { code: 'too-large', reason: 'line at offset 0 longer than maxLineBytes', origin: 'file:/var/log/a.log' },
    });
    const unreadable = wire('dl-twice-2', '{"unreadable here, sent twice"');
    const tooLong = wire('dl-twice-3', `{"sent twice":"${'y'.repeat(3000)}"}`);
    const notARecord = wire('dl-twice-5', 'a field outside the list, sent twice', { extra: { 'org.id': ORG_B } });
    const lines = [refusedThere, unreadable, tooLong, wire('dl-twice-4', ecsLine(7)), notARecord];
    const first = await post(TOKENS.ecsA, lines);
    expect(first.status).to.equal(422);
    expect(first.body.rejected!.map((r) => r.line)).to.deep.equal([2, 5]);
    expect((await post(TOKENS.ecsA, lines)).status).to.equal(422);
    const letters = await node.store.searchDeadLetters({ orgIds: [ORG_A], limit: 1000 });
    expect(letters.filter((l) => l.raw === 'refused at the collector, sent twice')).to.have.length(1);
    expect(letters.filter((l) => l.raw.includes('unreadable here, sent twice'))).to.have.length(1);
    expect(letters.filter((l) => l.raw.startsWith('{"sent twice"'))).to.have.length(1);
    expect(letters.filter((l) => l.raw.includes('a field outside the list, sent twice'))).to.have.length(1);
    expect(await eventsWithSeq(ORG_A, '7')).to.have.length(1);
    // Another org's batch with the same collector ids is its own.
    expect((await post(TOKENS.ecsB, [refusedThere])).status).to.equal(200);
    expect((await node.store.searchDeadLetters({ orgIds: [ORG_B], limit: 1000 })).filter((l) => l.raw === 'refused at the collector, sent twice')).to.have.length(1);
  });

  it('takes an end-of-stream line without storing anything for it', async () => {
    const before = await node.store.countEvents({ orgIds: [ORG_A] });
    const res = await post(TOKENS.ecsA, [JSON.stringify({ endStream: 'file:/var/log/a.log' })]);
    expect(res.status).to.equal(200);
    expect(await node.store.countEvents({ orgIds: [ORG_A] })).to.equal(before);
  });
});
