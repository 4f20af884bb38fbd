/**
 * `tls` on a node's listeners, from the config file on: certificate paths
 * relative to the file like every other path (console.listen.tls and each
 * source's listen.tls), a syslog-udp source with `tls` refused naming the
 * key, and a node whose console and HTTP ingest speak HTTPS, or that does
 * not start, naming the file, when a certificate is missing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { loadNodeConfig } from '../../cli/node-config.js';
import { startNode, type RunningNode } from '../../cli/node.js';
import { ConfigError } from '../../core/config.js';
import { makeListenerPki, requireOpenssl, type ListenerPki } from '../helpers/listener-pki.js';
import { repoRoot, tempDir } from '../helpers/paths.js';

const HOSTS = ['127.0.0.1', '::1'] as const;

function httpsStatus(host: string, port: number, path: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host, port, path, ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A config directory: `pki/` beside `node.yaml`, and an API token list. */
function configDir(pki: ListenerPki): string {
  const dir = tempDir('iisa-node-tls-');
  mkdirSync(join(dir, 'pki'));
  writeFileSync(join(dir, 'pki', 'console.pem'), pki.serverCert);
  writeFileSync(join(dir, 'pki', 'console.key'), pki.serverKey);
  writeFileSync(join(dir, 'pki', 'clients-ca.pem'), pki.ca);
  writeFileSync(join(dir, 'api-tokens.yaml'), stringify([{ id: 'jinling', org: 'js-jinling-motor', token: 'tls-node-api-token-000000' }]));
  return dir;
}

function writeConfig(dir: string, overrides: Record<string, unknown> = {}): string {
  const file = join(dir, 'node.yaml');
  writeFileSync(file, stringify({
    node: { id: 'tls-node', tier: 'enterprise', orgs: ['js-jinling-motor'] },
    registry: join(repoRoot, 'seeds', 'orgs.yaml'),
    dataDir: 'data',
    log: { level: 'silent' },
    console: { listen: { host: '::', port: 0, tls: { certFile: 'pki/console.pem', keyFile: 'pki/console.key' } }, apiTokens: 'api-tokens.yaml' },
    sources: [
      { type: 'http', listen: { host: '::', port: 0, tls: { certFile: 'pki/console.pem', keyFile: join(dir, 'pki', 'console.key'), caFile: 'pki/clients-ca.pem' } } },
      { type: 'syslog-tcp', listen: { port: 0, tls: { certFile: './pki/console.pem', keyFile: 'pki/../pki/console.key' } }, org: 'js-jinling-motor', parser: 'cef' },
    ],
    ...overrides,
  }));
  return file;
}

describe('node config: tls on the listeners', function () {
  this.timeout(30_000);
  let pki: ListenerPki;

  before(function () {
    requireOpenssl(this);
    pki = makeListenerPki();
  });

  it('resolves every listener\'s tls files relative to the config file, and keeps absolute ones', () => {
    const dir = configDir(pki);
    const config = loadNodeConfig(writeConfig(dir));
    expect(config.console?.listen.tls).to.deep.equal({ certFile: join(dir, 'pki', 'console.pem'), keyFile: join(dir, 'pki', 'console.key'), minVersion: 'TLSv1.2' });
    const [http, syslog] = config.sourceConfigs.map((s) => (s.config as { listen: { tls?: unknown } }).listen.tls);
    expect(http).to.deep.equal({
      certFile: join(dir, 'pki', 'console.pem'), keyFile: join(dir, 'pki', 'console.key'), caFile: join(dir, 'pki', 'clients-ca.pem'), minVersion: 'TLSv1.2',
    });
    expect(syslog).to.deep.equal({ certFile: join(dir, 'pki', 'console.pem'), keyFile: join(dir, 'pki', 'console.key'), minVersion: 'TLSv1.2' });
  });

  it('refuses tls on a syslog-udp source, and unknown tls keys, naming them', () => {
    const dir = configDir(pki);
    const file = writeConfig(dir, {
      console: { listen: { port: 0, tls: { certFile: 'a.pem', keyFile: 'a.key', ciphers: 'ALL' } }, apiTokens: 'api-tokens.yaml' },
      sources: [{ type: 'syslog-udp', listen: { port: 0, tls: { certFile: 'pki/console.pem', keyFile: 'pki/console.key' } }, org: 'js-jinling-motor', parser: 'cef' }],
    });
    const error = (() => {
      try {
        loadNodeConfig(file);
        return undefined;
      } catch (err) {
        return err as ConfigError;
      }
    })();
    expect(error).to.be.instanceOf(ConfigError);
    expect(error!.message).to.include('console.listen.tls: unknown key "ciphers"');
    // The console's problem stops the file before its sources are looked at; the source alone:
    const sourceOnly = writeConfig(dir, {
      sources: [{ type: 'syslog-udp', listen: { port: 0, tls: { certFile: 'pki/console.pem', keyFile: 'pki/console.key' } }, org: 'js-jinling-motor', parser: 'cef' }],
    });
    expect(() => loadNodeConfig(sourceOnly)).to.throw(ConfigError, 'sources[0].listen: unknown key "tls"');
  });

  describe('a node', () => {
    let node: RunningNode | undefined;

    afterEach(async () => {
      await node?.stop();
      node = undefined;
    });

    it('serves its console and HTTP ingest over TLS with the files named relative to its config', async () => {
      node = await startNode(loadNodeConfig(writeConfig(configDir(pki), {
        sources: [{ type: 'http', listen: { host: '::', port: 0, tls: { certFile: 'pki/console.pem', keyFile: 'pki/console.key' } } }],
      })));
      const consolePort = node.console!.address()!.port;
      const ingestPort = node.sources[0].source.address!()!.port;
      for (const host of HOSTS) {
        expect(await httpsStatus(host, consolePort, '/api/v1/health', pki.ca), `console over ${host}`).to.equal(200);
        expect(await httpsStatus(host, ingestPort, '/api/v1/health', pki.ca), `ingest over ${host}`).to.equal(200);
      }
    });

    it('does not start when a certificate file is missing, naming it', async () => {
      const dir = configDir(pki);
      const file = writeConfig(dir, {
        sources: [{ type: 'http', listen: { port: 0, tls: { certFile: 'pki/missing.pem', keyFile: 'pki/console.key' } } }],
      });
      const error = await startNode(loadNodeConfig(file)).then((started) => {
        node = started;
        return undefined;
      }, (err: unknown) => err as Error);
      expect(error?.message).to.include('listen.tls.certFile').and.to.include(join(dir, 'pki', 'missing.pem'));
    });
  });
});
