import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { FileConfigSchema, FileSource, offsetFilePath } from '../../../collector/sources/file.js';
import { SourceMetric } from '../../../collector/sources/telemetry.js';
import { RecordingSourceContext } from '../../helpers/source-context.js';
import { expectStopWaitsForHeldEmit } from '../../helpers/source-stop.js';
import { tempDir } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait-for.js';

interface SavedOffset { offset: number; ino: string; generation: number }

describe('FileSource', () => {
  let dir: string;
  let path: string;
  let ctx: RecordingSourceContext;
  const running: FileSource[] = [];

  async function tail(extra: Record<string, unknown> = {}, context = ctx): Promise<FileSource> {
    const source = new FileSource(FileConfigSchema.parse({ path, org: 'ent-a', parser: 'iptables', pollIntervalMs: 20, ...extra }), context);
    running.push(source);
    await source.start();
    return source;
  }

  function texts(c = ctx): string[] {
    return c.records.map((r) => r.text);
  }

  function saved(c = ctx, org = 'ent-a', parser = 'iptables'): SavedOffset | undefined {
    const file = offsetFilePath(c.dataDir, { path, org, parser });
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SavedOffset) : undefined;
  }

  beforeEach(() => {
    dir = tempDir('iisa-file-');
    path = join(dir, 'fw.log');
    ctx = new RecordingSourceContext({ dataDir: join(dir, 'data') });
  });

  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
  });

  describe('configSchema', () => {
    it('defaults to the beginning of the file and refuses unknown keys', () => {
      expect(FileConfigSchema.parse({ path: '/x', org: 'o', parser: 'p' })).to.deep.include({ startAt: 'beginning', pollIntervalMs: 1000 });
      expect(FileConfigSchema.safeParse({ path: '/x', org: 'o', parser: 'p', follow: true }).success).to.equal(false);
      expect(FileConfigSchema.safeParse({ path: '/x', org: 'o', parser: 'p', startAt: 'middle' }).success).to.equal(false);
    });
  });

  describe('start', () => {
    it('reads existing lines and then appended ones, with position-derived ids and file fields', async () => {
      writeFileSync(path, 'one\r\ntwo\n');
      await tail();
      await waitFor(() => ctx.records.length === 2, 5000, 'existing lines');
      appendFileSync(path, 'three\n\n');
      await waitFor(() => ctx.records.length === 3, 5000, 'the appended line');
      expect(texts()).to.deep.equal(['one', 'two', 'three']);
      const st = statSync(path, { bigint: true });
      const third = ctx.records[2];
      expect(third).to.include({ orgId: 'ent-a', parser: 'iptables', origin: `file:${path}`, stream: `file:${path}` });
      expect(third.extra).to.deep.equal({ 'log.file.path': path, 'log.offset': 9, 'input.type': 'file' });
      expect(ctx.records.map((r) => r.stableId)).to.have.length(3).and.satisfy((ids: string[]) => new Set(ids).size === 3);
      expect(ctx.metrics.count(SourceMetric.recordsReceived, { source: 'file' })).to.equal(3);
      await waitFor(() => saved()?.offset === 16, 5000, 'the offset after the blank line');
      const file = offsetFilePath(ctx.dataDir, { path, org: 'ent-a', parser: 'iptables' });
      const key = createHash('sha256').update(JSON.stringify([path, 'ent-a', 'iptables'])).digest('hex');
      expect(file).to.equal(join(ctx.dataDir, 'offsets', `${key}.json`));
      expect(saved()).to.include({ ino: st.ino.toString(), generation: 0 });
    });

    it('holds back a partial last line until its newline arrives', async () => {
      writeFileSync(path, 'full\npart');
      await tail();
      await waitFor(() => ctx.records.length === 1 && saved()?.offset === 5, 5000, 'the full line stored');
      appendFileSync(path, 'ial\n');
      await waitFor(() => ctx.records.length === 2, 5000, 'the completed line');
      expect(texts()).to.deep.equal(['full', 'partial']);
      expect(ctx.records[1].extra).to.include({ 'log.offset': 5 });
    });

    it('waits for a file that does not exist yet and reads it whole when it appears', async () => {
      await tail({ startAt: 'end' });
      writeFileSync(path, 'first\nsecond\n');
      await waitFor(() => ctx.records.length === 2, 5000, 'the new file');
      expect(texts()).to.deep.equal(['first', 'second']);
    });

    it('with startAt end skips what the file held at start', async () => {
      writeFileSync(path, 'old\n');
      await tail({ startAt: 'end' });
      appendFileSync(path, 'new\n');
      await waitFor(() => ctx.records.length === 1, 5000, 'the new line');
      expect(texts()).to.deep.equal(['new']);
    });

    it('saves the offset only after the emit for the lines before it resolved', async () => {
      writeFileSync(path, 'a\nb\n');
      ctx.mode = 'hold';
      await tail();
      await waitFor(() => ctx.held.length === 1, 5000, 'the emit');
      expect(saved()?.offset).to.equal(0);
      ctx.releaseAll();
      await waitFor(() => saved()?.offset === 4, 5000, 'the saved offset');
      expect(texts()).to.deep.equal(['a', 'b']);
    });

    it('reads again from the saved offset after a failed emit', async () => {
      writeFileSync(path, 'a\nb\n');
      ctx.failNext(2);
      await tail();
      await waitFor(() => ctx.records.length === 2, 5000, 'the lines after the failures');
      expect(ctx.emitCalls).to.equal(3);
      expect(texts()).to.deep.equal(['a', 'b']);
      expect(ctx.metrics.count(SourceMetric.recordsDropped, { source: 'file', reason: 'emit-failed' })).to.equal(2);
    });

    it('gives a line the same id when it is read again (lost offset file, crash before saving)', async () => {
      writeFileSync(path, 'a\nb\n');
      await tail();
      await waitFor(() => ctx.records.length === 2, 5000, 'the lines');
      const again = new RecordingSourceContext({ dataDir: join(dir, 'other-data') });
      await tail({}, again);
      await waitFor(() => again.records.length === 2, 5000, 'the lines again');
      expect(again.records.map((r) => r.stableId)).to.deep.equal(ctx.records.map((r) => r.stableId));
    });

    it('resumes after a restart exactly where it stopped: nothing read twice, nothing skipped', async () => {
      writeFileSync(path, 'l1\nl2\nl3\n');
      const first = await tail();
      await waitFor(() => ctx.records.length === 3 && saved()?.offset === 9, 5000, 'three lines stored');
      await first.stop();
      appendFileSync(path, 'l4\nl5');
      const ctx2 = new RecordingSourceContext({ dataDir: ctx.dataDir });
      await tail({}, ctx2);
      await waitFor(() => ctx2.records.length === 1, 5000, 'the line written while stopped');
      appendFileSync(path, '\n');
      await waitFor(() => ctx2.records.length === 2, 5000, 'the completed line');
      expect(texts(ctx2)).to.deep.equal(['l4', 'l5']);
      // A second restart after a crash that lost nothing past the saved offset reads nothing again.
      const ctx3 = new RecordingSourceContext({ dataDir: ctx.dataDir });
      ctx3.mode = 'hold';
      await waitFor(() => saved(ctx2)?.offset === 15, 5000, 'the final offset');
      await running[1].stop();
      await tail({}, ctx3);
      appendFileSync(path, 'l6\n');
      await waitFor(() => ctx3.held.length === 1, 5000, 'the next emit');
      expect(ctx3.held[0].records.map((r) => r.text)).to.deep.equal(['l6']);
      ctx3.releaseAll();
    });

    it('follows rotation by rename: finishes the old file through its descriptor, then reads the new one from 0', async () => {
      const writer = openSync(path, 'a');
      writeSync(writer, 'a1\na2\n');
      await tail();
      await waitFor(() => ctx.records.length === 2, 5000, 'the first lines');
      writeSync(writer, 'a3\n');
      renameSync(path, `${path}.1`);
      writeSync(writer, 'a4\na5 without newline');
      closeSync(writer);
      writeFileSync(path, 'b1\nb2\n');
      await waitFor(() => ctx.records.length === 7, 5000, 'both files');
      expect(texts()).to.deep.equal(['a1', 'a2', 'a3', 'a4', 'a5 without newline', 'b1', 'b2']);
      expect(ctx.endedStreams).to.include(`file:${path}`);
      const newIno = statSync(path, { bigint: true }).ino.toString();
      await waitFor(() => saved()?.offset === 6 && saved()?.ino === newIno, 5000, 'the new file offset');
      expect(ctx.records[5].extra).to.include({ 'log.offset': 0 });
    });

    it('starts again at 0 when the file is truncated in place (copytruncate), with new ids', async () => {
      writeFileSync(path, 'long line one\nlong line two\n');
      await tail();
      await waitFor(() => ctx.records.length === 2, 5000, 'the first lines');
      truncateSync(path, 0);
      appendFileSync(path, 'n1\n');
      await waitFor(() => ctx.records.length === 3, 5000, 'the line after truncation');
      expect(texts()).to.deep.equal(['long line one', 'long line two', 'n1']);
      expect(ctx.records[2].extra).to.include({ 'log.offset': 0 });
      expect(ctx.records[2].stableId).not.to.equal(ctx.records[0].stableId);
      await waitFor(() => saved()?.offset === 3, 5000, 'the offset in the truncated file');
      expect(saved()?.generation).to.equal(1);
    });

    it('keeps sources on one file for different orgs or parsers apart: own offsets, distinct ids', async () => {
      writeFileSync(path, 'a\nb\n');
      const keys = [['ent-a', 'iptables'], ['ent-b', 'iptables'], ['ent-a', 'ics-gateway']] as const;
      const contexts = keys.map(() => new RecordingSourceContext({ dataDir: ctx.dataDir }));
      for (const [i, [org, parser]] of keys.entries()) await tail({ org, parser }, contexts[i]);
      await waitFor(() => contexts.every((c, i) => c.records.length === 2 && saved(c, ...keys[i])?.offset === 4), 5000, 'every source');
      for (const [i, [org, parser]] of keys.entries()) {
        expect(texts(contexts[i])).to.deep.equal(['a', 'b']);
        expect(contexts[i].records.every((r) => r.orgId === org && r.parser === parser)).to.equal(true);
      }
      const allIds = contexts.flatMap((c) => c.records.map((r) => r.stableId));
      expect(new Set(allIds).size, 'ids unique across orgs and parsers').to.equal(6);
      const files = keys.map(([org, parser]) => offsetFilePath(ctx.dataDir, { path, org, parser }));
      expect(new Set(files).size).to.equal(3);

      // Each resumes from its own offset: one that was stopped earlier still gets what it missed.
      await running[1].stop();
      appendFileSync(path, 'c\n');
      await waitFor(() => contexts[0].records.length === 3 && contexts[2].records.length === 3, 5000, 'the running sources');
      await waitFor(() => saved(contexts[0], ...keys[0])?.offset === 6, 5000, 'the first offset');
      const resumed = new RecordingSourceContext({ dataDir: ctx.dataDir });
      await tail({ org: 'ent-b' }, resumed);
      await waitFor(() => resumed.records.length === 1, 5000, 'the line ent-b missed');
      expect(texts(resumed)).to.deep.equal(['c']);
    });

    it('notices a truncation followed by writes past the old offset before the next poll', async () => {
      writeFileSync(path, 'first line\n');
      ctx.mode = 'hold';
      await tail();
      await waitFor(() => ctx.held.length === 1, 5000, 'the emit of the first line');
      // copytruncate, and the writer has already written more than was read before the source looks again.
      truncateSync(path, 0);
      const rewritten = 'NEW-A a line longer than the first\nNEW-B\n';
      appendFileSync(path, rewritten);
      ctx.mode = 'accept';
      ctx.releaseAll();
      await waitFor(() => ctx.records.length === 3, 5000, 'the rewritten file from its start');
      expect(texts()).to.deep.equal(['first line', 'NEW-A a line longer than the first', 'NEW-B']);
      expect(ctx.records[1].extra).to.include({ 'log.offset': 0 });
      expect(ctx.records[1].stableId).not.to.equal(ctx.records[0].stableId);
      await waitFor(() => saved()?.offset === rewritten.length, 5000, 'the offset in the rewritten file');
      expect(saved()?.generation).to.equal(1);
    });

    it('notices at restart a file truncated and rewritten past the saved offset while stopped', async () => {
      writeFileSync(path, 'old one\nold two\n');
      const first = await tail();
      await waitFor(() => ctx.records.length === 2 && saved()?.offset === 16, 5000, 'the old lines stored');
      await first.stop();
      truncateSync(path, 0);
      appendFileSync(path, 'new one is a longer line\nnew two\n');
      const ctx2 = new RecordingSourceContext({ dataDir: ctx.dataDir });
      await tail({}, ctx2);
      await waitFor(() => ctx2.records.length === 2, 5000, 'the rewritten file');
      expect(texts(ctx2)).to.deep.equal(['new one is a longer line', 'new two']);
      expect(ctx2.records[0].stableId).not.to.equal(ctx.records[0].stableId);
      await waitFor(() => saved(ctx2)?.offset === 33, 5000, 'the offset in the rewritten file');
      expect(saved(ctx2)?.generation).to.equal(1);
    });

    it('after a restart, finishes a file rotated by rename while stopped before reading the new one', async () => {
      writeFileSync(path, 'a1\na2\n');
      const first = await tail();
      await waitFor(() => ctx.records.length === 2 && saved()?.offset === 6, 5000, 'the first lines stored');
      await first.stop();
      // Written and rotated while the collector was down: a3 and a4 are only in the rotated file.
      appendFileSync(path, 'a3\na4 without newline');
      renameSync(path, `${path}.1`);
      writeFileSync(path, 'b1\nb2\n');
      const ctx2 = new RecordingSourceContext({ dataDir: ctx.dataDir });
      await tail({}, ctx2);
      await waitFor(() => ctx2.records.length === 4, 5000, 'the rest of the rotated file, then the new one');
      expect(texts(ctx2)).to.deep.equal(['a3', 'a4 without newline', 'b1', 'b2']);
      expect(ctx2.records[0].extra).to.include({ 'log.offset': 6 });
      expect(ctx2.records[2].extra).to.include({ 'log.offset': 0 });
      expect(ctx2.endedStreams).to.include(`file:${path}`);
      const newIno = statSync(path, { bigint: true }).ino.toString();
      await waitFor(() => saved(ctx2)?.offset === 6 && saved(ctx2)?.ino === newIno, 5000, 'the new file offset');
    });

    it('after a restart, follows the rotated file until a new one appears at the path', async () => {
      writeFileSync(path, 'a1\n');
      const first = await tail();
      await waitFor(() => ctx.records.length === 1 && saved()?.offset === 3, 5000, 'the first line stored');
      await first.stop();
      appendFileSync(path, 'a2\n');
      renameSync(path, `${path}.1`);
      const ctx2 = new RecordingSourceContext({ dataDir: ctx.dataDir });
      await tail({}, ctx2);
      await waitFor(() => ctx2.records.length === 1, 5000, 'the rest of the rotated file');
      // The writer may still hold the rotated file open.
      appendFileSync(`${path}.1`, 'a3\n');
      await waitFor(() => ctx2.records.length === 2, 5000, 'a line appended to the rotated file');
      writeFileSync(path, 'b1\n');
      await waitFor(() => ctx2.records.length === 3, 5000, 'the new file');
      expect(texts(ctx2)).to.deep.equal(['a2', 'a3', 'b1']);
    });

    it('dead-letters an over-long line as too-large and moves past it', async () => {
      writeFileSync(path, `ok1\n${'x'.repeat(5000)}\nok2\n`);
      await tail({ maxLineBytes: 100 });
      await waitFor(() => ctx.records.length === 2, 5000, 'the neighbours');
      expect(texts()).to.deep.equal(['ok1', 'ok2']);
      expect(ctx.deadLetters).to.have.length(1);
      expect(ctx.deadLetters[0]).to.include({ code: 'too-large', orgId: 'ent-a', origin: `file:${path}` });
      await waitFor(() => saved()?.offset === 4 + 5001 + 4, 5000, 'the offset past it');
    });

    it('gives an over-long line the same dead-letter id when it is read again, and none its neighbours have', async () => {
      writeFileSync(path, `ok1\n${'x'.repeat(5000)}\n`);
      await tail({ maxLineBytes: 100 });
      await waitFor(() => ctx.deadLetters.length === 1 && ctx.records.length === 1, 5000, 'the line and the dead letter');
      const again = new RecordingSourceContext({ dataDir: join(dir, 'other-data') });
      await tail({ maxLineBytes: 100 }, again);
      await waitFor(() => again.deadLetters.length === 1, 5000, 'the dead letter again');
      const id = ctx.deadLetters[0].stableId;
      expect(id).to.be.a('string');
      expect(again.deadLetters[0].stableId).to.equal(id);
      expect(id).to.not.equal(ctx.records[0].stableId);
    });
  });

  describe('stop', () => {
    it('waits for the emit in flight and is idempotent', async () => {
      writeFileSync(path, 'a\n');
      ctx.mode = 'hold';
      const source = await tail();
      await expectStopWaitsForHeldEmit(source, ctx);
      expect(saved()?.offset).to.equal(2);
    });
  });
});
