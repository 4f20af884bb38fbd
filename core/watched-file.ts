/**
 * A small file followed by content: told by the file system when its
 * directory changes (debounced, so an editor's several writes are read
 * once) and checked every `checkIntervalMs` besides, since notifications
 * are lost on some file systems (NFS, some container mounts). The file is
 * read whole and compared by digest, so a touch without a change, or a
 * notification for another file of the directory, changes nothing; a
 * failed read is a state of its own, reported once until it changes.
 *
 * The directory is watched rather than the file, so a file replaced by a
 * rename (how editors and configuration tools write) is still followed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** What reading the file gave: its text, or why it could not be read. */
export type FileContent = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: Error };

/** A read of the file and its digest (equal digests: nothing changed). */
export interface FileRead {
  readonly content: FileContent;
  readonly digest: string;
}

/** Read `path` now; never throws. */
export function readWatchedFile(path: string): FileRead {
  try {
    const bytes = readFileSync(path);
    return { content: { ok: true, text: bytes.toString('utf8') }, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    // One state per kind of failure, so a file that stays missing is reported once.
    return { content: { ok: false, error }, digest: `error:${(error as NodeJS.ErrnoException).code ?? error.message}` };
  }
}

export interface WatchedFileOptions {
  /** Check this often besides the file system's notifications. */
  readonly checkIntervalMs: number;
  /** After a notification, wait this long for more before reading (default 100). */
  readonly debounceMs?: number;
  /** Called with the content each time it differs from the last read. Exceptions are the caller's: catch them there. */
  readonly onChange: (content: FileContent) => void;
}

export class WatchedFile {
  private digest: string;
  private readonly timer: NodeJS.Timeout;
  private debounce: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private closed = false;

  /** Follow `path`, whose content last read had digest `seen` (from `readWatchedFile`). */
  constructor(readonly path: string, seen: string, private readonly options: WatchedFileOptions) {
    if (!(options.checkIntervalMs > 0)) throw new RangeError('checkIntervalMs must be positive');
    this.digest = seen;
    this.timer = setInterval(() => this.check(), options.checkIntervalMs);
    this.timer.unref();
    this.startWatching();
  }

  /** Read the file now; calls onChange (and answers true) when it differs from the last read. */
  check(): boolean {
    if (this.closed) return false;
    const read = readWatchedFile(this.path);
    if (read.digest === this.digest) return false;
    this.digest = read.digest;
    this.options.onChange(read.content);
    return true;
  }

  /** Take `read` as the last read (a caller that read the file itself, e.g. on SIGHUP). */
  seen(read: FileRead): void {
    this.digest = read.digest;
  }

  /** Stop following the file. Idempotent. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private startWatching(): void {
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== name) return;
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => { this.debounce = undefined; this.check(); }, this.options.debounceMs ?? 100);
        this.debounce.unref();
      });
      // A watcher that fails (directory removed, too many watches) leaves the polling to do the work.
      this.watcher.on('error', () => { this.watcher?.close(); this.watcher = undefined; });
    } catch {
      this.watcher = undefined;
    }
  }
}
