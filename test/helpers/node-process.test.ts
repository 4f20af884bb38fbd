import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { killLeftoverNodeProcesses, startNodeProcesses } from './node-process.js';
import { repoRoot, tempDir } from './paths.js';

describe('test helper: node processes', () => {
  it('stops the processes that started when another of the same start fails, so none outlives the test', async () => {
    const dir = tempDir('iisa-node-process-');
    const good = join(dir, 'good.yaml');
    writeFileSync(good, stringify({
      node: { id: 'helper-good', tier: 'national' },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: join(dir, 'data'),
      sources: [{ type: 'http', listen: { host: '::1', port: 0 } }],
    }));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, stringify({ node: { id: 'helper-bad', tier: 'nowhere' } }));

    let thrown: unknown;
    try {
      await startNodeProcesses([{ configFile: good, command: 'node' }, { configFile: bad, command: 'node' }]);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).to.match(/exited before ready/);
    expect(await killLeftoverNodeProcesses(), 'processes left running').to.equal(0);
  });
});
