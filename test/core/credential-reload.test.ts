/**
 * Reloading credential files: a valid new file is put in force, an invalid
 * one is refused whole with an error naming the file and the cause but
 * quoting none of its content, and `reloadAll` (SIGHUP) re-reads files
 * whether or not they changed, also when nothing follows them.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { IngestTokens } from '../../collector/tokens.js';
import { ConfigError } from '../../core/config.js';
import { CredentialReloader, readCredentialFile, reloadFailureReason, type CredentialFile } from '../../core/credential-reload.js';
import { JsonLogger } from '../../core/telemetry.js';
import { tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const A = { id: 'gw-a', org: 'js-jinling-motor', parser: 'ecs', token: 'reload-token-a-000000000' };
const B = { id: 'gw-b', org: 'js-jinling-motor', parser: 'ecs', token: 'reload-token-b-111111111' };

type Json = Record<string, unknown>;

describe('CredentialReloader', () => {
  let file: string;
  let logs: Json[];
  let tokens: IngestTokens;
  let reloader: CredentialReloader | undefined;

  beforeEach(() => {
    file = join(tempDir('iisa-credentials-'), 'tokens.yaml');
    writeFileSync(file, stringify([A]));
    logs = [];
  });
  afterEach(() => reloader?.close());

  function start(watch: boolean): void {
    const { text, read } = readCredentialFile(file);
    tokens = IngestTokens.parse(text, file);
    const credential: CredentialFile = {
      what: 'ingest tokens', file,
      apply: (next) => ({ withdrawn: tokens.replaceWith(IngestTokens.parse(next, file)).length }),
    };
    const log = new JsonLogger('info', {}, (line) => logs.push(JSON.parse(line) as Json));
    reloader = new CredentialReloader([{ credential, read }], { log, watch, checkIntervalMs: 100, debounceMs: 20 });
  }

  it('puts a changed file in force, withdrawing the tokens it no longer has', async () => {
    start(true);
    writeFileSync(file, stringify([B]));
    await waitFor(() => tokens.verify(B.token) !== undefined, 5000, 'the new token in force');
    expect(tokens.verify(A.token)).to.equal(undefined);
    expect(logs.find((l) => l.msg === 'credentials reloaded')).to.include({ level: 'info', what: 'ingest tokens', file, withdrawn: 1 });
  });

  it('refuses an invalid file whole, logging the file and the cause without its content', async () => {
    start(true);
    writeFileSync(file, stringify([B, { id: 'gw-c', org: 'js-jinling-motor', token: 'reload-token-c-222222222' }]));
    await waitFor(() => logs.some((l) => l.level === 'error'), 5000, 'the refusal logged');
    expect(logs.find((l) => l.level === 'error')).to.deep.include({
      msg: 'credentials reload refused; the previous ones stay in force', what: 'ingest tokens', file, error: '[1].parser: Invalid input: expected string, received undefined',
    });
    expect(tokens.verify(A.token)?.tokenId).to.equal('gw-a');
    expect(tokens.verify(B.token)).to.equal(undefined);
    expect(JSON.stringify(logs)).to.not.match(/reload-token-/);
  });

  it('reloads on reloadAll whether or not the file changed, and when nothing follows it', () => {
    start(false);
    writeFileSync(file, stringify([A, B]));
    expect(tokens.verify(B.token)).to.equal(undefined);
    expect(reloader!.reloadAll()).to.deep.equal([{ what: 'ingest tokens', file, ok: true }]);
    expect(tokens.verify(B.token)?.tokenId).to.equal('gw-b');
    expect(reloader!.reloadAll()).to.deep.equal([{ what: 'ingest tokens', file, ok: true }]);
    writeFileSync(file, '- [');
    const [outcome] = reloader!.reloadAll();
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/^line 1, column \d+: /);
    expect(tokens.verify(B.token)?.tokenId).to.equal('gw-b');
  });

  it('refuses to start on a file it cannot read, naming it', () => {
    expect(() => readCredentialFile(`${file}.missing`)).to.throw(ConfigError, /tokens\.yaml\.missing[\s\S]*cannot read/);
  });

  describe('reloadFailureReason', () => {
    it('withholds the names of unknown keys, which may be secrets', () => {
      const reason = reloadFailureReason(new ConfigError(file, ['[0]: unknown key "token s3cr3t-value"', '[2]: unknown keys "a", "b"', '[3].org: Too small']));
      expect(reason).to.equal('[0]: unknown key (name withheld: a credential file\'s keys may hold a secret); '
        + '[2]: unknown keys (names withheld: a credential file\'s keys may hold a secret); [3].org: Too small');
    });
  });
});
