/**
 * infra/engines against the real thing: it fetches (from a cold cache if need
 * be) and starts Elasticsearch and Kafka, they answer, a stopped engine comes
 * back on its data, and `down` leaves no process behind.
 *
 * The test keeps its own state directory, so it never stops engines that
 * another suite started through the default one. Slow: a cold Maven cache
 * downloads ~150 MB; a warm start takes about a minute on two cores.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { enginePrerequisites, parseEnginesEnv, readEnginesEnv, runEngines, type EnginesEnv } from '../../infra/engines-env.js';
import { tempDir } from '../helpers/paths.js';

const ES_VERSION = '8.19.21';
const KAFKA_VERSION = '3.9.2';

/** Command lines of live processes that mention `needle` (pgrep -f). */
function processesNaming(needle: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', '--', needle], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '');
  } catch (err) {
    if ((err as { status?: number }).status === 1) return []; // pgrep: nothing matched
    throw err;
  }
}

function tcpAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function esJson(url: string): Promise<{ status: number; product: string | null; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, product: res.headers.get('x-elastic-product'), body: await res.json() };
}

describe('infra/engines', function () {
  this.timeout(25 * 60_000); // a cold Maven cache downloads the engines first

  const env: NodeJS.ProcessEnv = { ...process.env, IISA_INFRA_STATE: tempDir('iisa-engines-state-') };
  let started: EnginesEnv = {};

  before(function () {
    const pre = enginePrerequisites();
    if (!pre.ok) {
      const why = `engine tests need ${pre.missing.join(' and ')} on PATH (JDK 17+ and Maven)`;
      if (process.env.IISA_REQUIRE_ENGINES === '1') throw new Error(`${why}; IISA_REQUIRE_ENGINES=1 makes that a failure`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
  });

  after(async function () {
    // Whatever failed above, leave nothing running.
    if (env.IISA_INFRA_STATE && existsSync(env.IISA_INFRA_STATE)) await runEngines(['down'], env, 120_000);
  });

  describe('up', function () {
    it('starts both engines and prints the URLs it writes to the state file', async function () {
      const t0 = Date.now();
      const { stdout } = await runEngines(['up'], env);
      console.log(`      engines up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      started = parseEnginesEnv(stdout);
      expect(started.ELASTICSEARCH_URL).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(started.KAFKA_BROKERS).to.match(/^127\.0\.0\.1:\d+$/);
      expect(readEnginesEnv(env)).to.deep.equal(started);
    });

    it('runs Elasticsearch of the pinned version over HTTP', async function () {
      // integ-test-zip has no rest-root module, so `GET /` is not served: ask the node itself.
      const nodes = await esJson(`${started.ELASTICSEARCH_URL}/_nodes/_local?filter_path=nodes.*.version`);
      expect(nodes.status).to.equal(200);
      expect(nodes.product).to.equal('Elasticsearch');
      expect(Object.values((nodes.body as { nodes: Record<string, { version: string }> }).nodes).map((n) => n.version))
        .to.deep.equal([ES_VERSION]);
      expect(started.ELASTICSEARCH_VERSION).to.equal(ES_VERSION);
      const health = await esJson(`${started.ELASTICSEARCH_URL}/_cluster/health`);
      expect((health.body as { status: string }).status).to.be.oneOf(['green', 'yellow']);
    });

    it('runs a Kafka broker that accepts connections and logged its start', async function () {
      const [host, port] = started.KAFKA_BROKERS!.split(':');
      expect(await tcpAccepts(host!, Number(port))).to.equal(true);
      expect(readFileSync(started.KAFKA_LOG!, 'utf8')).to.match(/\[KafkaRaftServer nodeId=1\] Kafka Server started/);
      expect(started.KAFKA_VERSION).to.equal(KAFKA_VERSION);
    });

    it('is a no-op for an engine that already runs', async function () {
      const { stdout } = await runEngines(['up', 'es'], env);
      expect(parseEnginesEnv(stdout)).to.deep.equal(started);
    });
  });

  describe('stop', function () {
    it('stops an engine, and up brings it back on the same port with its data', async function () {
      const url = started.ELASTICSEARCH_URL!;
      const put = await fetch(`${url}/iisa-engines-probe/_doc/1?refresh=true`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kept: true }),
      });
      expect(put.status).to.equal(201);

      await runEngines(['stop', 'es'], env);
      expect(processesNaming(started.ELASTICSEARCH_DIR!)).to.deep.equal([]);
      expect(readEnginesEnv(env).ELASTICSEARCH_URL).to.equal(undefined);
      expect(readEnginesEnv(env).KAFKA_BROKERS).to.equal(started.KAFKA_BROKERS);
      const { stdout: status } = await runEngines(['status'], env);
      expect(status).to.match(/^es\s+stopped\s/m);

      const { stdout } = await runEngines(['up', 'es'], env);
      expect(parseEnginesEnv(stdout).ELASTICSEARCH_URL).to.equal(url);
      const doc = await esJson(`${url}/iisa-engines-probe/_doc/1`);
      expect(doc.body).to.include({ found: true });
    });
  });

  describe('status', function () {
    it('names each running engine with its address', async function () {
      const { stdout } = await runEngines(['status'], env);
      expect(stdout).to.match(new RegExp(`^es\\s+running\\s+${started.ELASTICSEARCH_URL!.replace(/\./g, '\\.')}\\s`, 'm'));
      expect(stdout).to.match(new RegExp(`^kafka\\s+running\\s+${started.KAFKA_BROKERS!.replace(/\./g, '\\.')}\\s`, 'm'));
    });
  });

  describe('down', function () {
    it('leaves no engine process and no run directory', async function () {
      await runEngines(['down'], env);
      expect(processesNaming(started.ELASTICSEARCH_DIR!)).to.deep.equal([]);
      expect(processesNaming(started.KAFKA_DIR!)).to.deep.equal([]);
      expect(existsSync(started.ELASTICSEARCH_DIR!)).to.equal(false);
      expect(existsSync(started.KAFKA_DIR!)).to.equal(false);
      expect(readEnginesEnv(env)).to.deep.equal({});
      const { stdout } = await runEngines(['status'], env);
      expect(stdout.trim()).to.equal('no engines');
      expect(await tcpAccepts('127.0.0.1', Number(started.KAFKA_BROKERS!.split(':')[1]))).to.equal(false);
      expect(existsSync(join(env.IISA_INFRA_STATE!, 'es.env'))).to.equal(false);
    });
  });
});
