/**
 * Following a small file by its content: a change is reported once, a
 * rewrite with the same bytes or a change to another file of the directory
 * is not, a file that goes away is reported once as unreadable and again
 * when it is back, and the file system's notification alone (without
 * waiting for the next check) is enough to notice a change.
 */
import { expect } from 'chai';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWatchedFile, WatchedFile, type FileContent } from '../../core/watched-file.js';
import { tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

describe('WatchedFile', () => {
  let dir: string;
  let file: string;
  let seen: FileContent[];
  let watched: WatchedFile | undefined;

  beforeEach(() => {
    dir = tempDir('iisa-watched-');
    file = join(dir, 'tokens.yaml');
    writeFileSync(file, 'one\n');
    seen = [];
  });
  afterEach(() => watched?.close());

  /** Follow the file; the check interval is long, so only `check()` and notifications read it. */
  function follow(): WatchedFile {
    watched = new WatchedFile(file, readWatchedFile(file).digest, { checkIntervalMs: 3_600_000, debounceMs: 20, onChange: (c) => seen.push(c) });
    return watched;
  }

  const texts = () => seen.map((c) => (c.ok ? c.text : `error ${(c.error as NodeJS.ErrnoException).code}`));

  describe('check', () => {
    it('reports a change of content once', () => {
      const w = follow();
      expect(w.check()).to.equal(false);
      writeFileSync(file, 'two\n');
      expect(w.check()).to.equal(true);
      expect(w.check()).to.equal(false);
      expect(texts()).to.deep.equal(['two\n']);
    });

    it('ignores the same bytes written again, and other files of the directory', () => {
      const w = follow();
      writeFileSync(file, 'one\n');
      writeFileSync(join(dir, 'other.yaml'), 'unrelated\n');
      expect(w.check()).to.equal(false);
      expect(seen).to.deep.equal([]);
    });

    it('reports a missing file once, and the file again when it is back with the content it had', () => {
      const w = follow();
      rmSync(file);
      expect(w.check()).to.equal(true);
      expect(w.check()).to.equal(false);
      writeFileSync(file, 'one\n');
      expect(w.check()).to.equal(true);
      expect(texts()).to.deep.equal(['error ENOENT', 'one\n']);
    });

    it('takes a read made elsewhere as seen', () => {
      const w = follow();
      writeFileSync(file, 'two\n');
      w.seen(readWatchedFile(file));
      expect(w.check()).to.equal(false);
    });

    it('reports nothing once closed', () => {
      const w = follow();
      w.close();
      writeFileSync(file, 'two\n');
      expect(w.check()).to.equal(false);
    });
  });

  describe('notifications', () => {
    it('notices a file replaced by a rename without waiting for the next check', async () => {
      follow();
      writeFileSync(join(dir, 'tokens.yaml.tmp'), 'three\n');
      renameSync(join(dir, 'tokens.yaml.tmp'), file);
      await waitFor(() => seen.length > 0, 5000, 'the change noticed through the file system');
      expect(texts()).to.deep.equal(['three\n']);
    });
  });
});
