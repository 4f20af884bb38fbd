/**
 * `iisa node` as an operator runs it, with `tokenReload.watch: false`: a
 * changed token file is taken when the process gets SIGHUP, and not before;
 * a broken one is refused on SIGHUP with the previous tokens kept; SIGHUP
 * does not stop the node, SIGTERM still does. The process is this build's
 * own CLI (beside this test file), so the test runs what was just compiled.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const JINLING = 'js-jinling-motor';
const TOKEN_A = { id: 'gw-a', org: JINLING, parser: 'ecs', token: 'sighup-token-a-0000000000' };
const TOKEN_B = { id: 'gw-b', org: JINLING, parser: 'ecs', token: 'sighup-token-b-1111111111' };

type Json = Record<string, unknown>;

describe('iisa node on SIGHUP', function () {
  this.timeout(60_000);
  const dir = tempDir('iisa-sighup-');
  const tokens = join(dir, 'tokens.yaml');
  const logs: Json[] = [];
  let child: ChildProcess;
  let exited: Promise<[number | null, NodeJS.Signals | null]>;
  let port = 0;

  const count = (msg: string): number => logs.filter((l) => l.msg === msg).length;

  async function ingest(token: string): Promise<number> {
    const res = await fetch(`http://[::1]:${port}/api/v1/ingest`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ '@timestamp': new Date().toISOString(), message: 'sighup test' }]),
    });
    await res.arrayBuffer();
    return res.status;
  }

  before(async () => {
    writeFileSync(tokens, stringify([TOKEN_A]));
    const config = join(dir, 'node.yaml');
    writeFileSync(config, stringify({
      node: { id: 'sighup', tier: 'enterprise', orgs: [JINLING] },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: 'data',
      ingestTokens: 'tokens.yaml',
      tokenReload: { watch: false },
      sources: [{ type: 'http', listen: { host: '::', port: 0 } }],
    }));
    const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
    child = spawn(process.execPath, [main, 'node', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    createInterface({ input: child.stderr! }).on('line', (line) => {
      try { logs.push(JSON.parse(line) as Json); } catch { logs.push({ msg: line }); }
    });
    await waitFor(() => count('node ready') === 1 || child.exitCode !== null, 20_000, () => `node ready; log:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`);
    expect(child.exitCode).to.equal(null);
    port = logs.find((l) => l.msg === 'source started' && l.type === 'http')!.port as number;
  });
  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('takes a changed token file on SIGHUP, and not before', async () => {
    writeFileSync(tokens, stringify([TOKEN_A, TOKEN_B]));
    // Nothing follows the file (watch: false), so the change waits for the signal.
    expect(await ingest(TOKEN_B.token)).to.equal(401);
    child.kill('SIGHUP');
    await waitFor(() => count('credentials reloaded') === 1, 10_000, 'the reload logged');
    expect(logs.find((l) => l.msg === 'credentials reloaded')).to.include({ what: 'ingest tokens', tokens: 2, withdrawn: 0 });
    expect(await ingest(TOKEN_B.token)).to.equal(200);
    expect(await ingest(TOKEN_A.token)).to.equal(200);
  });

  it('keeps the tokens in force when the file is broken, and keeps running', async () => {
    writeFileSync(tokens, `- { id: gw-b, org: ${JINLING}, parser: ecs, token: ${TOKEN_B.token}\n`);
    child.kill('SIGHUP');
    await waitFor(() => count('credentials reload refused; the previous ones stay in force') === 1, 10_000, 'the refusal logged');
    const refused = logs.find((l) => l.msg === 'credentials reload refused; the previous ones stay in force')!;
    expect(refused).to.include({ what: 'ingest tokens', file: tokens });
    expect(JSON.stringify(logs)).to.not.include(TOKEN_B.token);
    expect(await ingest(TOKEN_A.token)).to.equal(200);
    expect(await ingest(TOKEN_B.token)).to.equal(200);
  });

  it('still stops on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).to.equal(0);
  });
});
