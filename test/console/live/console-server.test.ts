/**
 * The console listener with live views: the API and /ws on one dual-stack
 * port, and a stop that closes websocket clients with 1001 before the
 * listener (which could not close while they were open), even when one of
 * them has stopped reading.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { OrgRegistry } from '../../../core/orgs.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { CounterMetrics, JsonLogger } from '../../../core/telemetry.js';
import { ApiTokens } from '../../../console/api-tokens.js';
import { tokenAuthenticator } from '../../../console/live/auth.js';
import { LiveHub } from '../../../console/live/hub.js';
import { ConsoleServer } from '../../../console/server.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait-for.js';
import { JINLING, NATIONAL, PEARL, RecordingClient, TOKENS, makeAlert, refusedUpgrade, stalledClient, tokenList, wsUrl } from './live-fixtures.js';

describe('ConsoleServer with live views', function () {
  this.timeout(30_000);
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  const tokens = new ApiTokens(tokenList, registry);
  let store: SqliteStore;
  let server: ConsoleServer;
  let hub: LiveHub;
  let port: number;

  beforeEach(async () => {
    store = SqliteStore.open({ path: join(tempDir('iisa-live-console-'), 'iisa.db') });
    const log = new JsonLogger('silent');
    const metrics = new CounterMetrics();
    hub = new LiveHub({ batchMs: 20, provinceOf: (id) => registry.get(id)?.province, log, metrics });
    server = new ConsoleServer({ host: '::', port: 0 }, { store, registry, tokens, log }, {
      hub, metrics, authenticate: tokenAuthenticator(tokens, registry), closeGraceMs: 500,
    });
    await server.start();
    port = server.address()!.port;
  });

  afterEach(async () => {
    await server.stop();
    await store.close();
  });

  it('serves the API and the live views on one port, over IPv4 and IPv6', async () => {
    const v4 = await RecordingClient.open(wsUrl('127.0.0.1', port), { org: JINLING });
    const v6 = await RecordingClient.open(wsUrl('::1', port), { org: JINLING });
    await v4.subscribe('alerts');
    await v6.subscribe('alerts');
    hub.publish({ kind: 'alert', alert: makeAlert(JINLING, 1) });
    await waitFor(() => v4.changes().length === 1 && v6.changes().length === 1, 5000, 'the alert on both');
    const me = await fetch(`http://[::1]:${port}/api/v1/me`, { headers: { authorization: `Bearer ${TOKENS[JINLING]}` } });
    expect(me.status).to.equal(200);
    expect((await refusedUpgrade(wsUrl('127.0.0.1', port))).status).to.equal(401);
    expect(server.liveConnections()).to.equal(2);
    v4.close();
    v6.close();
  });

  it('stops by closing every websocket client with 1001 first, promptly even when one does not read', async () => {
    const a = await RecordingClient.open(wsUrl('127.0.0.1', port), { org: JINLING });
    const b = await RecordingClient.open(wsUrl('::1', port), { org: NATIONAL });
    const stalled = await stalledClient('::1', port, TOKENS[PEARL], ['alerts']);
    await waitFor(() => server.liveConnections() === 3, 5000, 'three sockets');
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started, 'stop waits out the grace period at most').to.be.below(2500);
    expect(await a.waitClosed()).to.include({ code: 1001 });
    expect(await b.waitClosed()).to.include({ code: 1001 });
    expect(hub.size).to.equal(0);
    expect(server.address()).to.equal(undefined);
    stalled.destroy();
  });
});
