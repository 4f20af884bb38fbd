/**
 * The forward spool: records come back in the order they were appended,
 * survive a restart until acknowledged, a torn tail is cut off with a
 * warning, and the bound holds sources back instead of dropping anything.
 */
import { expect } from 'chai';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Spool, SpoolError, SpoolFullError, type SpoolOptions } from '../../../collector/forward/spool.js';
import { encodeFrame } from '../../../collector/forward/frames.js';
import { tempDir } from '../../helpers/paths.js';

interface LogLine { level: string; msg: string; fields: Record<string, unknown> | undefined }

function capturingLog(): { lines: LogLine[]; info: (m: string, f?: Record<string, unknown>) => void; warn: (m: string, f?: Record<string, unknown>) => void; error: (m: string, f?: Record<string, unknown>) => void } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields }),
  };
}

const records = (from: number, count: number, pad = 0): Buffer[] =>
  Array.from({ length: count }, (_, i) => Buffer.from(`record-${from + i}${'.'.repeat(pad)}`));

const text = (payloads: readonly Buffer[]): string[] => payloads.map((p) => p.toString('utf8').replace(/\.+$/, ''));

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();
}

function spoolBytesOnDisk(dir: string): number {
  return segmentFiles(dir).reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
}

/** Read everything unread, in windows of `maxRecords`. */
async function readAll(spool: Spool, maxRecords = 1000): Promise<{ texts: string[]; end?: Parameters<Spool['ack']>[0]; count: number }> {
  const texts: string[] = [];
  let end: Parameters<Spool['ack']>[0] | undefined;
  let count = 0;
  for (;;) {
    const batch = await spool.read({ maxRecords, maxBytes: 1024 * 1024 });
    if (!batch) return { texts, count, ...(end ? { end } : {}) };
    texts.push(...text(batch.payloads));
    end = batch.end;
    count += batch.payloads.length;
  }
}

/** Read and acknowledge everything unread. */
async function drain(spool: Spool, maxRecords = 1000): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const batch = await spool.read({ maxRecords, maxBytes: 1024 * 1024 });
    if (!batch) return out;
    out.push(...text(batch.payloads));
    await spool.ack(batch.end, batch.payloads.length);
  }
}

describe('Spool', () => {
  let dir: string;
  let log: ReturnType<typeof capturingLog>;
  const open = (options: Partial<SpoolOptions> = {}) => Spool.open({ dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, log, ...options });

  beforeEach(() => {
    dir = tempDir('iisa-spool-');
    log = capturingLog();
  });

  describe('append and read', () => {
    it('gives records back in the order they were appended, in windows of maxRecords', async () => {
      const spool = await open();
      await spool.append(records(0, 3), { wait: true });
      await spool.append(records(3, 4), { wait: true });
      const first = await spool.read({ maxRecords: 5, maxBytes: 1024 * 1024 });
      const second = await spool.read({ maxRecords: 5, maxBytes: 1024 * 1024 });
      expect(text(first!.payloads)).to.deep.equal(['record-0', 'record-1', 'record-2', 'record-3', 'record-4']);
      expect(text(second!.payloads)).to.deep.equal(['record-5', 'record-6']);
      expect(await spool.read({ maxRecords: 5, maxBytes: 1024 * 1024 })).to.equal(undefined);
      await spool.close();
    });

    it('keeps call order for appends made without waiting for each other (group commit)', async () => {
      const spool = await open();
      await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append(records(i * 2, 2), { wait: true })));
      expect((await readAll(spool)).texts).to.deep.equal(Array.from({ length: 100 }, (_, i) => `record-${i}`));
      await spool.close();
    });

    it('stops a window at maxBytes but always hands out at least one record', async () => {
      const spool = await open();
      await spool.append(records(0, 4, 100), { wait: true });
      const small = await spool.read({ maxRecords: 100, maxBytes: 10 });
      expect(small!.payloads).to.have.length(1);
      const rest = await spool.read({ maxRecords: 100, maxBytes: 250 });
      expect(text(rest!.payloads)).to.deep.equal(['record-1', 'record-2']);
      await spool.close();
    });

    it('wakes a reader waiting for records once an append is on disk', async () => {
      const spool = await open();
      const woken = spool.whenReadable();
      await spool.append(records(0, 1), { wait: true });
      await woken;
      expect(text((await spool.read({ maxRecords: 10, maxBytes: 1024 }))!.payloads)).to.deep.equal(['record-0']);
      await spool.close();
    });
  });

  describe('restart', () => {
    it('gives unacknowledged records back after a restart, and acknowledged ones never again', async () => {
      let spool = await open();
      await spool.append(records(0, 10), { wait: true });
      const first = await spool.read({ maxRecords: 4, maxBytes: 1024 * 1024 });
      await spool.ack(first!.end, 4);
      // Read but not acknowledged: the remote may not have them.
      await spool.read({ maxRecords: 3, maxBytes: 1024 * 1024 });
      await spool.close();

      spool = await open();
      expect(spool.pendingRecords).to.equal(6);
      expect(await drain(spool)).to.deep.equal(['record-4', 'record-5', 'record-6', 'record-7', 'record-8', 'record-9']);
      await spool.close();

      spool = await open();
      expect(spool.pendingRecords).to.equal(0);
      expect(await spool.read({ maxRecords: 10, maxBytes: 1024 })).to.equal(undefined);
      await spool.append(records(10, 1), { wait: true });
      expect(await drain(spool)).to.deep.equal(['record-10']);
      await spool.close();
    });

    it('starts from the beginning of the spool when the cursor file is unreadable, with a warning', async () => {
      let spool = await open();
      await spool.append(records(0, 3), { wait: true });
      const batch = await spool.read({ maxRecords: 2, maxBytes: 1024 });
      await spool.ack(batch!.end, 2);
      await spool.close();
      writeFileSync(join(dir, 'cursor.json'), '{"segment": "one"');

      spool = await open();
      expect(await drain(spool)).to.deep.equal(['record-0', 'record-1', 'record-2']);
      expect(log.lines.some((l) => l.level === 'warn' && /unreadable cursor/.test(l.msg))).to.equal(true);
      await spool.close();
    });
  });

  describe('torn tail', () => {
    const tornTails: [string, (lastFrame: Buffer) => Buffer][] = [
      ['a frame cut short', (frame) => frame.subarray(0, frame.length - 3)],
      ['a half-written header', (frame) => frame.subarray(0, 5)],
      ['a frame whose CRC does not match', (frame) => { const bad = Buffer.from(frame); bad[bad.length - 1] ^= 0xff; return bad; }],
      ['zeros left by a crash', () => Buffer.alloc(64)],
    ];
    for (const [what, tear] of tornTails) {
      it(`cuts ${what} off the end of the last segment with a warning, keeping every record before it`, async () => {
        let spool = await open();
        await spool.append(records(0, 5), { wait: true });
        await spool.close();
        const [segment] = segmentFiles(dir);
        const validBytes = statSync(join(dir, segment)).size;
        appendFileSync(join(dir, segment), tear(encodeFrame(Buffer.from('record-torn'))));

        spool = await open();
        const warning = log.lines.find((l) => l.level === 'warn' && /torn or corrupt tail/.test(l.msg));
        expect(warning, 'a warning naming the cut').to.not.equal(undefined);
        expect(warning!.fields).to.include({ validBytes });
        expect(statSync(join(dir, segment)).size).to.equal(validBytes);
        // Appends after the repair follow the kept records directly.
        await spool.append(records(5, 1), { wait: true });
        expect(await drain(spool)).to.deep.equal(['record-0', 'record-1', 'record-2', 'record-3', 'record-4', 'record-5']);
        await spool.close();
      });
    }

    it('opens a spool whose segment holds only a torn write as empty', async () => {
      let spool = await open();
      await spool.close();
      const [segment] = segmentFiles(dir);
      writeFileSync(join(dir, segment), encodeFrame(Buffer.from('never acknowledged')).subarray(0, 10));
      spool = await open();
      expect(spool.pendingRecords).to.equal(0);
      expect(await spool.read({ maxRecords: 10, maxBytes: 1024 })).to.equal(undefined);
      await spool.close();
    });
  });

  describe('segments', () => {
    it('starts a new segment past segmentBytes and deletes segments once delivered', async () => {
      const spool = await open({ segmentBytes: 4096 });
      for (let i = 0; i < 40; i++) await spool.append(records(i * 10, 10, 40), { wait: true });
      expect(segmentFiles(dir).length).to.be.greaterThan(3);
      const all = await drain(spool, 37);
      expect(all).to.deep.equal(Array.from({ length: 400 }, (_, i) => `record-${i}`));
      expect(segmentFiles(dir)).to.have.length(1);
      await spool.close();
    });

    it('reads across segments after a restart in the middle of one', async () => {
      let spool = await open({ segmentBytes: 4096 });
      for (let i = 0; i < 20; i++) await spool.append(records(i * 10, 10, 40), { wait: true });
      const part = await spool.read({ maxRecords: 55, maxBytes: 1024 * 1024 });
      await spool.ack(part!.end, 55);
      await spool.close();
      spool = await open({ segmentBytes: 4096 });
      expect(await drain(spool, 13)).to.deep.equal(Array.from({ length: 145 }, (_, i) => `record-${i + 55}`));
      await spool.close();
    });
  });

  describe('the bound', () => {
    const bound = { maxBytes: 8192, segmentBytes: 4096 };

    it('refuses an append that does not fit when asked not to wait, and never holds more than maxBytes', async () => {
      const spool = await open(bound);
      let taken = 0;
      let refusal: unknown;
      while (!refusal) {
        try {
          await spool.append(records(taken, 5, 80), { wait: false });
          taken += 5;
        } catch (err) {
          refusal = err;
        }
      }
      expect(refusal).to.be.instanceOf(SpoolFullError);
      expect((refusal as SpoolFullError).retriable).to.equal(true);
      expect(taken).to.be.greaterThan(0);
      expect(spoolBytesOnDisk(dir)).to.be.at.most(bound.maxBytes);
      // Nothing refused was written: exactly the taken records come out.
      expect((await readAll(spool)).count).to.equal(taken);
      await spool.close();
    });

    it('holds a waiting append back until deliveries make room, then takes it', async () => {
      const spool = await open(bound);
      let taken = 0;
      while (spool.usedBytes + 5 * (8 + 'record-000.'.length + 80) <= bound.maxBytes) {
        await spool.append(records(taken, 5, 80), { wait: true });
        taken += 5;
      }
      let written = false;
      const waiting = spool.append(records(taken, 5, 80), { wait: true }).then(() => { written = true; });
      // Let the spool's write loop run: the append must still be waiting, and the spool say it is full.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(written).to.equal(false);
      expect(spool.full).to.equal(true);
      expect(log.lines.some((l) => l.level === 'warn' && /spool full/.test(l.msg))).to.equal(true);

      const all = await drain(spool, 20);
      await waiting;
      expect(written).to.equal(true);
      expect(spool.full).to.equal(false);
      const rest = await drain(spool);
      expect([...all, ...rest]).to.deep.equal(Array.from({ length: taken + 5 }, (_, i) => `record-${i}`));
      expect(spoolBytesOnDisk(dir)).to.be.at.most(bound.maxBytes);
      await spool.close();
    });

    it('takes waiting appends over the bound after admitWaiting (shutdown), losing none', async () => {
      const spool = await open(bound);
      let taken = 0;
      let refused = false;
      while (!refused) {
        await spool.append(records(taken, 5, 80), { wait: false }).then(() => { taken += 5; }, () => { refused = true; });
      }
      const waiting = spool.append(records(taken, 5, 80), { wait: true });
      spool.admitWaiting();
      await waiting;
      expect((await readAll(spool)).count).to.equal(taken + 5);
      await spool.close();
    });

    it('refuses a batch larger than maxBytes outright: it could never fit', async () => {
      const spool = await open(bound);
      const huge = [Buffer.alloc(bound.maxBytes, 0x61)];
      let error: unknown;
      await spool.append(huge, { wait: true }).catch((err: unknown) => { error = err; });
      expect(error).to.be.instanceOf(SpoolError);
      expect((error as Error).message).to.match(/can never fit/);
      await spool.close();
    });

    it('frees a wholly delivered write segment when the bound needs its room', async () => {
      const spool = await open({ maxBytes: 8192, segmentBytes: 4096 });
      // Fill and deliver, many times over the bound: room must come back every time.
      for (let round = 0; round < 10; round++) {
        await spool.append(records(round * 20, 20, 100), { wait: false });
        await drain(spool);
      }
      expect(spoolBytesOnDisk(dir)).to.be.at.most(8192);
      await spool.close();
    });
  });

  describe('the cursor file', () => {
    it('is replaced atomically and names a segment and offset', async () => {
      const spool = await open();
      await spool.append(records(0, 2), { wait: true });
      const batch = await spool.read({ maxRecords: 1, maxBytes: 1024 });
      await spool.ack(batch!.end, 1);
      const cursor = JSON.parse(readFileSync(join(dir, 'cursor.json'), 'utf8')) as { segment: number; offset: number };
      expect(cursor).to.deep.equal(batch!.end);
      expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).to.equal(false);
      await spool.close();
    });
  });
});
