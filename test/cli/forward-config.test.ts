/**
 * The `forward` section of a node config: its defaults and refusals, paths
 * relative to the config file, which role sets may use it, a start refused
 * when a source's org and parser have no remote token, and forwarding over
 * HTTPS with a client certificate to a receiver that demands one.
 */
import { expect } from 'chai';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { finishNodeConfig, loadNodeConfig, NodeConfigSchema } from '../../cli/node-config.js';
import { roleProblem, startNode, startRoles, type RunningNode, type RunningRoles } from '../../cli/node.js';
import { ForwardSectionSchema, readToken } from '../../collector/forward/config.js';
import { ForwardMetric } from '../../collector/forward/telemetry.js';
import { ConfigError, describeIssues } from '../../core/config.js';
import { JsonLogger } from '../../core/telemetry.js';
import { makeListenerPki, requireOpenssl } from '../helpers/listener-pki.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const ORG = 'js-jinling-motor';
const minimal = { url: 'https://[2001:db8::10]:8080', tokens: [{ org: ORG, parser: 'cef', token: { env: 'IISA_FWD_CEF' } }] };

function problems(section: unknown): string[] {
  const parsed = ForwardSectionSchema.safeParse(section);
  return parsed.success ? [] : describeIssues(parsed.error);
}

function nodeConfig(dir: string, extra: Record<string, unknown>) {
  return finishNodeConfig(NodeConfigSchema.parse({
    node: { id: 'edge', tier: 'enterprise' },
    registry: join(repoRoot, 'seeds', 'orgs.yaml'),
    dataDir: join(dir, 'data'),
    log: { level: 'silent' },
    ...extra,
  }), join(dir, 'node.yaml'));
}

describe('forward config', () => {
  describe('ForwardSectionSchema', () => {
    it('fills the defaults of spool, batch, retry and timeout', () => {
      const section = ForwardSectionSchema.parse(minimal);
      expect(section.spool).to.deep.equal({ maxBytes: 1024 ** 3, segmentBytes: 16 * 1024 ** 2 });
      expect(section.batch).to.deep.equal({ maxRecords: 1000, maxBytes: 512 * 1024, maxDelayMs: 100, gzip: true });
      expect(section.retry).to.deep.equal({ baseDelayMs: 500, maxDelayMs: 60_000 });
      expect(section.timeoutMs).to.equal(30_000);
    });

    const refusals: [string, unknown, RegExp][] = [
      ['an unknown key', { ...minimal, spoolDir: '/x' }, /unknown key "spoolDir"/],
      ['credentials in the url', { ...minimal, url: 'https://user:pw@example.org' }, /^url: .*credentials/],
      ['a url that is not http(s)', { ...minimal, url: 'ftp://example.org' }, /^url:/],
      ['tls with a plain http url', { ...minimal, url: 'http://[::1]:8080', tls: { caFile: 'ca.pem' } }, /^tls: tls needs an https url/],
      ['a client certificate without its key', { ...minimal, tls: { certFile: 'c.pem' } }, /^tls: give certFile and keyFile together/],
      ['two tokens for one org and parser', { ...minimal, tokens: [...minimal.tokens, ...minimal.tokens] }, /^tokens\[1\]: a second token for org js-jinling-motor and parser cef/],
      ['segments over half the spool', { ...minimal, spool: { maxBytes: 1024 * 1024, segmentBytes: 768 * 1024 } }, /^spool\.segmentBytes: .*at most half/],
      ['a first delay over the longest', { ...minimal, retry: { baseDelayMs: 5000, maxDelayMs: 1000 } }, /^retry: baseDelayMs must not exceed maxDelayMs/],
      ['a token given in no known way', { ...minimal, tokens: [{ org: ORG, parser: 'cef', token: 'in-clear' }] }, /^tokens\[0\]\.token:/],
      ['no tokens at all', { url: minimal.url, tokens: [] }, /^tokens:/],
    ];
    for (const [what, section, pattern] of refusals) {
      it(`refuses ${what}, naming the key`, () => {
        const found = problems(section);
        expect(found.some((p) => pattern.test(p)), found.join('; ')).to.equal(true);
      });
    }
  });

  describe('paths', () => {
    it('resolves the spool dir, token files and TLS files against the config file; the spool defaults to <dataDir>/forward-spool', () => {
      const dir = tempDir('iisa-forward-config-');
      mkdirSync(join(dir, 'conf'));
      const file = join(dir, 'conf', 'edge.yaml');
      writeFileSync(file, stringify({
        node: { id: 'edge', tier: 'enterprise' }, registry: join(repoRoot, 'seeds', 'orgs.yaml'), dataDir: 'state',
        forward: { ...minimal, tokens: [{ org: ORG, parser: 'cef', token: { file: 'secrets/cef.token' } }], tls: { caFile: 'pki/ca.pem', certFile: 'pki/c.pem', keyFile: 'pki/c.key' } },
      }));
      const config = loadNodeConfig(file);
      expect(config.forward?.spool.dir).to.equal(join(dir, 'conf', 'state', 'forward-spool'));
      expect(config.forward?.tokens[0].token).to.deep.equal({ file: join(dir, 'conf', 'secrets', 'cef.token') });
      expect(config.forward?.tls).to.deep.equal({ caFile: join(dir, 'conf', 'pki', 'ca.pem'), certFile: join(dir, 'conf', 'pki', 'c.pem'), keyFile: join(dir, 'conf', 'pki', 'c.key') });

      writeFileSync(file, stringify({
        node: { id: 'edge', tier: 'enterprise' }, registry: join(repoRoot, 'seeds', 'orgs.yaml'),
        forward: { ...minimal, spool: { dir: '../spool' } },
      }));
      expect(loadNodeConfig(file).forward?.spool.dir).to.equal(join(dir, 'spool'));
    });

    it('names the key of a bad forward section in the config error', () => {
      const dir = tempDir('iisa-forward-config-');
      const file = join(dir, 'edge.yaml');
      writeFileSync(file, stringify({ node: { id: 'edge', tier: 'enterprise' }, registry: 'orgs.yaml', forward: { ...minimal, batch: { maxRecords: 0 } } }));
      expect(() => loadNodeConfig(file)).to.throw(ConfigError, /forward\.batch\.maxRecords/);
    });
  });

  describe('readToken', () => {
    it('reads a token from a file (without its newline) or the environment, and names the source, never the token, when it cannot', () => {
      const dir = tempDir('iisa-forward-token-');
      writeFileSync(join(dir, 't'), 'file-token\n');
      expect(readToken({ file: join(dir, 't') })).to.equal('file-token');
      expect(readToken({ env: 'FWD_TOKEN' }, { FWD_TOKEN: 'env-token' })).to.equal('env-token');
      expect(() => readToken({ env: 'FWD_MISSING' }, {})).to.throw(/environment variable FWD_MISSING is not set/);
      writeFileSync(join(dir, 'empty'), '\n');
      expect(() => readToken({ file: join(dir, 'empty') })).to.throw(/is empty/);
      expect(() => readToken({ file: join(dir, 'nope') })).to.throw(/nope/);
    });
  });

  describe('roles', () => {
    it('runs a forwarding collector alone on the in-process bus, and refuses forward for a node running other roles', () => {
      const config = nodeConfig(tempDir('iisa-forward-roles-'), { forward: minimal });
      expect(roleProblem(config, ['collector'])).to.equal(undefined);
      expect(roleProblem(config, ['collector', 'detector', 'console'])).to.match(/run it as "iisa collector"/);
      expect(roleProblem(nodeConfig(tempDir('iisa-forward-roles-'), {}), ['collector'])).to.match(/in-process bus/);
    });

    it('refuses to start when a source produces an org and parser forward.tokens lacks, naming the source', async () => {
      const dir = tempDir('iisa-forward-cover-');
      const tokens = join(dir, 'tokens.yaml');
      writeFileSync(tokens, stringify([{ id: 'edge-http', org: ORG, parser: 'ecs', token: 'edge-http-token-000000' }]));
      const config = nodeConfig(dir, {
        ingestTokens: tokens,
        sources: [
          { type: 'syslog-tcp', listen: { host: '::1', port: 0 }, routes: [{ from: ['10.0.0.0/8'], org: ORG, parser: 'iptables' }], org: ORG, parser: 'cef' },
          { type: 'http', listen: { host: '127.0.0.1', port: 0 } },
        ],
        forward: { ...minimal, tokens: [{ org: ORG, parser: 'cef', token: { value: 'x' } }] },
      });
      let error: unknown;
      await startRoles(config, ['collector']).then((r) => r.stop(), (err: unknown) => { error = err; });
      expect(String(error)).to.include('sources[0].routes[0]: org js-jinling-motor with parser iptables has no entry in forward.tokens');
      expect(String(error)).to.include('sources[1] (http), ingest token edge-http: org js-jinling-motor with parser ecs');
      expect(String(error)).to.not.include('parser cef has no entry');
    });
  });

  describe('over mutual TLS', function () {
    this.timeout(30_000);
    let receiver: RunningNode | undefined;
    let collector: RunningRoles | undefined;

    before(function () {
      requireOpenssl(this);
    });

    after(async () => {
      await collector?.stop();
      await receiver?.stop();
    });

    it('delivers to a receiver that demands a client certificate, with the configured CA and certificate', async () => {
      const pki = makeListenerPki();
      const dir = tempDir('iisa-forward-tls-');
      const write = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
      const tokens = join(dir, 'tokens.yaml');
      writeFileSync(tokens, stringify([{ id: 'edge', org: ORG, parser: 'ecs', token: 'forward-tls-token-000000' }]));
      receiver = await startNode(finishNodeConfig(NodeConfigSchema.parse({
        node: { id: 'receiver', tier: 'national' }, registry: join(repoRoot, 'seeds', 'orgs.yaml'), dataDir: join(dir, 'receiver'),
        ingestTokens: tokens, log: { level: 'silent' },
        sources: [{ type: 'http', listen: { host: '::1', port: 0, tls: { certFile: pki.files.serverCert, keyFile: pki.files.serverKey, caFile: pki.files.ca } } }],
      }), join(dir, 'receiver.yaml')));
      const port = receiver.sources[0].source.address!()!.port;

      const tail = join(dir, 'device.log');
      writeFileSync(tail, '');
      collector = await startRoles(nodeConfig(dir, {
        sources: [{ type: 'file', path: tail, org: ORG, parser: 'ecs', pollIntervalMs: 20 }],
        forward: {
          url: `https://[::1]:${port}`,
          tokens: [{ org: ORG, parser: 'ecs', token: { value: 'forward-tls-token-000000' } }],
          batch: { maxDelayMs: 0 }, retry: { baseDelayMs: 20, maxDelayMs: 200 },
          tls: { caFile: pki.files.ca, certFile: write('client.pem', pki.clientCert), keyFile: write('client.key', pki.clientKey) },
        },
      }), ['collector'], { log: new JsonLogger('silent') });
      appendFileSync(tail, ['{"message":"over tls 1"}', '{"message":"over tls 2"}', ''].join('\n'));
      const node = receiver;
      await waitFor(async () => (await node.store.countEvents({ orgIds: [ORG] })) === 2, 20_000, 'two events at the receiver');
      expect(collector.metrics.total(ForwardMetric.sendFailures)).to.equal(0);
    });
  });
});
