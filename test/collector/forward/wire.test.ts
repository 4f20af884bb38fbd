/**
 * Ids on the forwarding wire: a record a source refused keeps its stable id
 * into the spool, and the node makes the same record id of a forwarded line
 * whether it becomes an event or a dead letter, so a resend or a re-read is
 * stored once either way.
 */
import { expect } from 'chai';
import { deadLetterEntry, decodeEntry, readForwardedLine } from '../../../collector/forward/wire.js';

const letter = { origin: 'file:/var/log/fw.log', orgId: 'org-a', parser: 'iptables', code: 'too-large', reason: 'long', raw: 'LLLL', receivedAt: new Date('2026-11-25T06:00:00Z') };
const grant = { tokenId: 'fwd-a', orgId: 'org-a', parser: 'iptables' };
const options = { maxLineBytes: 16, origin: 'http' };

function wireIdOf(payload: Buffer): string {
  const entry = decodeEntry(payload);
  if (!entry || !('id' in entry.record)) throw new Error('not a record entry');
  return entry.record.id;
}

describe('forward wire ids', () => {
  it('spools a refused record under its stable id, and one without under a fresh id each time', () => {
    const id = '0a1b2c3d-0000-4000-8000-000000000001';
    expect(wireIdOf(deadLetterEntry({ ...letter, stableId: id }))).to.equal(id);
    expect(wireIdOf(deadLetterEntry(letter))).to.not.equal(wireIdOf(deadLetterEntry(letter)));
  });

  it('gives a forwarded line the same stable id as a record, a collector-refused letter or a letter refused here', () => {
    const line = (text: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ id: 'rec-9', text, receivedAt: '2026-11-25T06:00:01.000Z', stream: 'file:/var/log/fw.log', ...extra });
    const record = readForwardedLine(line('short'), grant, options);
    const refusedThere = readForwardedLine(line('x', { deadLetter: { code: 'too-large', reason: 'long', origin: 'file:/var/log/fw.log' } }), grant, options);
    const refusedHere = readForwardedLine(line('far longer than sixteen bytes'), grant, options);
    if (record.kind !== 'record' || refusedThere.kind !== 'letter' || refusedHere.kind !== 'letter') throw new Error('unexpected kinds');
    expect(record.record.stableId).to.be.a('string');
    expect(refusedThere.letter.stableId).to.equal(record.record.stableId);
    expect(refusedHere.letter.stableId).to.equal(record.record.stableId);
    // A line the node refuses as no forwarded record still names its id: its dead letter keeps the record's.
    const notARecord = readForwardedLine(line('short', { extra: { 'org.id': 'org-b' } }), grant, options);
    expect(notARecord.kind === 'invalid' && notARecord.stableId).to.equal(record.record.stableId);
    expect(readForwardedLine('{"text":"no id"}', grant, options)).to.not.have.property('stableId');
    // The org is part of it: another org's line with the same collector id is another record.
    const other = readForwardedLine(line('short'), { ...grant, orgId: 'org-b' }, options);
    if (other.kind !== 'record') throw new Error('unexpected kind');
    expect(other.record.stableId).to.be.a('string').and.not.equal(record.record.stableId);
  });
});
