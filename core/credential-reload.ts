/**
 * Credential files (ingest tokens, API tokens) reloaded while the node
 * runs: when a file changes (./watched-file.ts) or when asked (SIGHUP), its
 * new content is validated whole and only then swapped in. A file that does
 * not validate — a syntax error, a bad entry, a file half-written or gone —
 * leaves the table in use as it was, and the error is logged naming the file
 * and the cause. The cause never quotes the file's content: it is where the
 * secrets are (an unknown key may be a token pasted in the wrong place, so
 * its name is withheld).
 */
import type { Logger } from '../collector/sources/types.js';
import { ConfigError } from './config.js';
import { readWatchedFile, WatchedFile, type FileContent, type FileRead } from './watched-file.js';

export interface CredentialFile {
  /** What the file holds, for the log: "ingest tokens". */
  readonly what: string;
  readonly file: string;
  /**
   * Validate `text` and, only if all of it is valid, put it in force. Throws
   * (leaving what is in force untouched) when it is not. Answers fields for
   * the log line (counts, never secrets).
   */
  readonly apply: (text: string) => Record<string, unknown>;
  /**
   * What the file being gone means (a previous link secret: none), answering
   * fields for the log; without it a missing file is refused like an
   * unreadable one and what is in force stays.
   */
  readonly missing?: () => Record<string, unknown>;
}

export interface CredentialReloadOptions {
  readonly log: Logger;
  /** Follow the files as they change; false: only `reloadAll` (SIGHUP) reloads them. */
  readonly watch: boolean;
  /** How often each file is checked besides file-system notifications. */
  readonly checkIntervalMs: number;
  /** Wait this long after a notification before reading (default 100). */
  readonly debounceMs?: number;
}

/** What one reload did. */
export interface ReloadOutcome {
  readonly what: string;
  readonly file: string;
  readonly ok: boolean;
  /** Why it was refused (safe to log: no content of the file). */
  readonly error?: string;
}

/**
 * Read a credential file at start: its text and the digest that read had.
 * Throws a ConfigError naming the file when it cannot be read.
 */
export function readCredentialFile(file: string): { text: string; read: FileRead } {
  const read = readWatchedFile(file);
  if (!read.content.ok) throw new ConfigError(file, [`cannot read: ${read.content.error.message}`]);
  return { text: read.content.text, read };
}

/** Why a credential file was refused, without quoting it. */
export function reloadFailureReason(err: unknown): string {
  if (err instanceof ConfigError) return err.problems.map(withheldKeyNames).join('; ');
  return err instanceof Error ? err.message : String(err);
}

// `describeIssues` (./config.ts) names unknown keys; in a credential file a "key" may be a token missing its `token:`.
function withheldKeyNames(problem: string): string {
  return problem.replace(/: unknown (keys?) .*$/, (_m, keys: string) => `: unknown ${keys} (name${keys === 'keys' ? 's' : ''} withheld: a credential file's keys may hold a secret)`);
}

export class CredentialReloader {
  private readonly files: { readonly credential: CredentialFile; readonly watched: WatchedFile | undefined }[];

  /** Follow `files` (when `options.watch`), each with the read it was loaded from at start. */
  constructor(files: readonly { credential: CredentialFile; read: FileRead }[], private readonly options: CredentialReloadOptions) {
    this.files = files.map(({ credential, read }) => ({
      credential,
      watched: options.watch ? new WatchedFile(credential.file, read.digest, {
        checkIntervalMs: options.checkIntervalMs,
        ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
        onChange: (content) => { this.apply(credential, content); },
      }) : undefined,
    }));
  }

  /** Re-read and apply every file now, changed or not (SIGHUP). */
  reloadAll(): ReloadOutcome[] {
    return this.files.map(({ credential, watched }) => {
      const read = readWatchedFile(credential.file);
      watched?.seen(read);
      return this.apply(credential, read.content);
    });
  }

  /** Stop following the files. Idempotent. */
  close(): void {
    for (const { watched } of this.files) watched?.close();
  }

  private apply(credential: CredentialFile, content: FileContent): ReloadOutcome {
    const { what, file } = credential;
    let error: string;
    if (content.ok) {
      try {
        const fields = credential.apply(content.text);
        this.options.log.info('credentials reloaded', { what, file, ...fields });
        return { what, file, ok: true };
      } catch (err) {
        error = reloadFailureReason(err);
      }
    } else if (credential.missing && (content.error as NodeJS.ErrnoException).code === 'ENOENT') {
      const fields = credential.missing();
      this.options.log.info('credentials reloaded', { what, file, ...fields });
      return { what, file, ok: true };
    } else {
      error = `cannot read: ${content.error.message}`;
    }
    this.options.log.error('credentials reload refused; the previous ones stay in force', { what, file, error });
    return { what, file, ok: false, error };
  }
}
