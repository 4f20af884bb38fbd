/**
 * The command-line forms scripts rely on, run as a user runs them: the real
 * `bin/iisa.js` in a child process.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { parseFilterArg, parseTimeArg } from '../../core/query-text.js';

const run = promisify(execFile);
const bin = join(repoRoot, 'bin', 'iisa.js');

async function iisa(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('iisa CLI', function () {
  this.timeout(60_000);

  describe('--help', () => {
    for (const command of [[], ['node'], ['simulate'], ['events', 'search'], ['parsers'], ['demo']]) {
      it(`explains ${command.join(' ') || 'the program'}`, async () => {
        const { code, stdout } = await iisa(...command, '--help');
        expect(code).to.equal(0);
        expect(stdout).to.match(/^Usage: iisa/);
      });
    }
  });

  describe('node', () => {
    it('refuses a bad config with exit code 2, naming every bad key', async () => {
      const file = join(tempDir(), 'bad.yaml');
      writeFileSync(file, stringify({
        node: { id: 'x', tier: 'county' }, registry: 'orgs.yaml', colour: 'blue',
        sources: [{ type: 'http', listen: { port: 99999 } }, { type: 'carrier-pigeon' }],
      }));
      const { code, stderr } = await iisa('node', '--config', file);
      expect(code).to.equal(2);
      expect(stderr).to.contain(file);
      expect(stderr).to.match(/node\.tier/);
      expect(stderr).to.match(/unknown key "colour"/);
    });

    it('names the bad key inside a source', async () => {
      const file = join(tempDir(), 'bad-source.yaml');
      writeFileSync(file, stringify({
        node: { id: 'x', tier: 'enterprise' }, registry: join(repoRoot, 'seeds', 'orgs.yaml'),
        sources: [{ type: 'http', listen: { port: 99999 } }, { type: 'carrier-pigeon' }],
      }));
      const { code, stderr } = await iisa('node', '--config', file);
      expect(code).to.equal(2);
      expect(stderr).to.match(/sources\[0\]\.listen\.port/);
      expect(stderr).to.match(/sources\[1\]\.type: unknown source type "carrier-pigeon" \(known: .*http/);
    });
  });

  describe('simulate --out', () => {
    it('writes one file per format and a truth file, the same for the same seed', async () => {
      const a = tempDir();
      const b = tempDir();
      for (const dir of [a, b]) {
        const { code } = await iisa('simulate', '--out', dir, '--scenario', 'plc-stop', '--duration', '20', '--rate', '30', '--seed', '5');
        expect(code).to.equal(0);
      }
      const truth = readFileSync(join(a, 'truth.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; line: number; scenario: string });
      expect(truth.length).to.be.greaterThan(0);
      expect(new Set(truth.map((t) => t.scenario))).to.deep.equal(new Set(['plc-stop']));
      for (const t of truth) {
        const line = readFileSync(join(a, t.file), 'utf8').split('\n')[t.line - 1];
        expect(line, `${t.file}:${t.line}`).to.be.a('string').and.not.match(/^#/);
      }
      for (const name of ['iptables', 'zeek-s7comm', 'handle-access']) {
        expect(readFileSync(join(a, `${name}.log`), 'utf8')).to.equal(readFileSync(join(b, `${name}.log`), 'utf8'));
      }
    });

    it('rejects an unknown scenario, listing the valid ones', async () => {
      const { code, stderr } = await iisa('simulate', '--out', tempDir(), '--scenario', 'nope');
      expect(code).to.equal(1);
      expect(stderr).to.match(/unknown scenario "nope"; valid: all, none, .*plc-stop/);
    });
  });

  describe('simulate --target and events search', () => {
    it('sends traffic to a running node, and finds it from the shell', async () => {
      const dir = tempDir('iisa-cli-');
      const config = join(dir, 'node.yaml');
      writeFileSync(config, stringify({
        node: { id: 'cli', tier: 'national' },
        registry: join(repoRoot, 'seeds', 'orgs.yaml'),
        dataDir: join(dir, 'data'),
        ingestTokens: join(repoRoot, 'seeds', 'tokens.yaml'),
        sources: [{ type: 'http', listen: { host: '::1', port: 0 } }],
      }));
      const node = await startNodeProcess(config);
      try {
        const sent = await iisa('simulate', '--target', `http://[::1]:${node.ports.http}`, '--tokens', join(repoRoot, 'seeds', 'tokens.yaml'),
          '--scenario', 'plc-stop', '--duration', '30', '--rate', '20', '--seed', '2');
        expect(sent.code, sent.stderr).to.equal(0);
        const counts = /sent (\d+) records in \d+ requests: (\d+) accepted, (\d+) rejected/.exec(sent.stdout);
        expect(counts, sent.stdout).to.not.equal(null);
        expect(Number(counts![3])).to.equal(0);

        const json = await iisa('events', 'search', '--config', config, '--from', '2026-11-25T00:00:00Z', '--to', '2026-11-26T00:00:00Z',
          'ics.protocol=s7comm*', '--format', 'json', '--limit', '1000');
        expect(json.code, json.stderr).to.equal(0);
        const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ics: { protocol: string; function?: string }; org: { id: string } });
        expect(events.length).to.be.greaterThan(0);
        expect(events.every((e) => e.ics.protocol.startsWith('s7comm'))).to.equal(true);
        expect(events.some((e) => /stop/i.test(e.ics.function ?? ''))).to.equal(true);

        const table = await iisa('events', 'search', '--config', config, 'event.dataset=access-combined', '--limit', '3');
        expect(table.code).to.equal(0);
        const rows = table.stdout.trim().split('\n');
        expect(rows[0]).to.match(/^@timestamp\s+org\.id\s+event\.dataset/);
        expect(rows.length).to.equal(4);
        expect(rows.slice(1).every((r) => r.includes('access-combined'))).to.equal(true);
      } finally {
        node.child.kill('SIGTERM');
        await node.exited;
      }
    });
  });

  describe('parseFilterArg', () => {
    it('reads equality, prefix, numbers and booleans', () => {
      expect(parseFilterArg('source.ip=2001:db8::7')).to.deep.equal({ field: 'source.ip', op: 'eq', value: '2001:db8::7' });
      expect(parseFilterArg('idres.identifier=88.101.5/*')).to.deep.equal({ field: 'idres.identifier', op: 'prefix', value: '88.101.5/' });
      expect(parseFilterArg('destination.port=502')).to.deep.equal({ field: 'destination.port', op: 'eq', value: 502 });
      expect(parseFilterArg('ics.is_write=true')).to.deep.equal({ field: 'ics.is_write', op: 'eq', value: true });
      expect(parseFilterArg('message=a\\*')).to.deep.equal({ field: 'message', op: 'eq', value: 'a*' });
    });
    it('refuses a malformed filter or field name', () => {
      expect(() => parseFilterArg('nofield')).to.throw(/FIELD=VALUE/);
      expect(() => parseFilterArg("a'b=1")).to.throw(/bad field name/);
    });
  });

  describe('parseTimeArg', () => {
    const now = new Date('2026-11-25T14:00:00Z');
    it('reads ISO, now and relative times', () => {
      expect(parseTimeArg('2026-11-25T13:00:00+08:00', now).toISOString()).to.equal('2026-11-25T05:00:00.000Z');
      expect(parseTimeArg('now', now)).to.equal(now);
      expect(parseTimeArg('-15m', now).toISOString()).to.equal('2026-11-25T13:45:00.000Z');
      expect(parseTimeArg('-7d', now).toISOString()).to.equal('2026-11-18T14:00:00.000Z');
    });
    it('explains what it accepts when it cannot read a time', () => {
      expect(() => parseTimeArg('yesterday-ish', now)).to.throw(/ISO 8601.*-15m/);
    });
  });
});
