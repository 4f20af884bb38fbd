import { expect } from 'chai';
import { RecordBatcher } from '../../../collector/sources/batcher.js';
import type { IngestRecord } from '../../../collector/sources/types.js';
import { waitFor } from '../../helpers/wait-for.js';

function record(text: string): IngestRecord {
  return { text, receivedAt: new Date(0), stream: 's', origin: 'test' };
}

describe('RecordBatcher', () => {
  describe('add', () => {
    it('sends a full batch at once and one batch at a time, reporting busy meanwhile', async () => {
      const sent: string[][] = [];
      const releases: (() => void)[] = [];
      const busy: boolean[] = [];
      const batcher = new RecordBatcher({
        maxRecords: 2,
        flushIntervalMs: 60_000,
        send: (records) => new Promise<void>((resolve) => {
          sent.push(records.map((r) => r.text));
          releases.push(resolve);
        }),
        onBusyChange: (b) => busy.push(b),
      });
      for (const t of ['a', 'b', 'c', 'd', 'e']) batcher.add(record(t));
      expect(sent).to.deep.equal([['a', 'b']]);
      expect(batcher.pending).to.equal(5);
      expect(batcher.busy).to.equal(true);
      releases.shift()?.();
      await waitFor(() => sent.length === 2);
      expect(sent[1]).to.deep.equal(['c', 'd']);
      releases.shift()?.();
      // 'e' waited while a batch was out: it goes right after, without waiting for the interval.
      await waitFor(() => sent.length === 3);
      expect(sent[2]).to.deep.equal(['e']);
      releases.shift()?.();
      await batcher.drain();
      expect(batcher.busy).to.equal(false);
      expect(busy).to.deep.equal([true, false]);
    });

    it('sends a partial batch after flushIntervalMs', async () => {
      const sent: string[][] = [];
      const batcher = new RecordBatcher({ maxRecords: 100, flushIntervalMs: 5, send: async (r) => { sent.push(r.map((x) => x.text)); } });
      batcher.add(record('a'));
      await waitFor(() => sent.length === 1);
      expect(sent).to.deep.equal([['a']]);
    });
  });

  describe('drain', () => {
    it('sends what waits without waiting for the interval', async () => {
      const sent: string[][] = [];
      const batcher = new RecordBatcher({ maxRecords: 100, flushIntervalMs: 60_000, send: async (r) => { sent.push(r.map((x) => x.text)); } });
      batcher.add(record('a'));
      batcher.add(record('b'));
      await batcher.drain();
      expect(sent).to.deep.equal([['a', 'b']]);
      expect(batcher.pending).to.equal(0);
    });
  });
});
