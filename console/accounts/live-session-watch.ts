/**
 * Live views opened with a login session end with the session.
 *
 * A socket's cookie is checked once, when it opens. After that, every
 * `intervalMs` this watch asks the store whether the session each such view
 * came from is still live (./sessions.ts `isLive`) and closes the views of
 * those that ended with 1008 "session ended": a logout in another tab,
 * the session's idle or absolute expiry, or sessions ended by an admin on
 * another console process of the node (they share the store). Before, such
 * a view went on streaming until the browser closed it.
 *
 * A session the store cannot answer for closes nothing: it is logged and
 * asked again at the next interval.
 *
 * A live view is not a use of its session (nobody may be watching), so a
 * screen that only shows live views is logged out after the session's idle
 * time; a wall screen should use an API token. Views opened with an API token are the token
 * reload's to close (cli/node.ts).
 */
import type { Logger } from '../../collector/sources/types.js';
import type { Access } from '../access.js';
import type { Authenticate } from '../live/auth.js';
import type { LiveHub } from '../live/hub.js';
import { sessionAuthenticator, type SessionAuthDeps } from './session-auth.js';
import type { SessionBook } from './sessions.js';

/** Session reads in flight at once during a check. */
const CONCURRENT_READS = 8;

export interface LiveSessionWatchOptions {
  readonly sessions: SessionBook;
  readonly hub: LiveHub;
  readonly log: Logger;
  readonly intervalMs: number;
}

export class LiveSessionWatch {
  /** The session each live view's access came from (an upgrade's access is an object of its own). */
  private readonly sessionOf = new WeakMap<Access, string>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<number> | undefined;

  constructor(private readonly options: LiveSessionWatchOptions) {}

  /** The live server's cookie authenticator, remembering the session of each view it lets in. */
  authenticator(deps: SessionAuthDeps): Authenticate {
    return sessionAuthenticator(deps, (access, session) => this.sessionOf.set(access, session.id));
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.checking ??= this.check().finally(() => {
        this.checking = undefined;
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  /** Close the views whose session ended; answers how many. */
  async check(): Promise<number> {
    const { hub, sessions, log } = this.options;
    const open = new Set<string>();
    for (const access of hub.accesses()) {
      const id = this.sessionOf.get(access);
      if (id !== undefined) open.add(id);
    }
    const ended = new Set<string>();
    let failed = 0;
    let lastError: unknown;
    // A few reads at a time: one GET per session on Elasticsearch, and a round should end well within the interval.
    const ids = [...open];
    for (let start = 0; start < ids.length; start += CONCURRENT_READS) {
      await Promise.all(ids.slice(start, start + CONCURRENT_READS).map(async (id) => {
        try {
          if (!(await sessions.isLive(id))) ended.add(id);
        } catch (error) {
          failed++;
          lastError = error;
        }
      }));
    }
    if (failed > 0) log.warn('could not check some sessions of open live views; trying again', { failed, error: String(lastError) });
    if (ended.size === 0) return 0;
    const closed = hub.disconnectWhere((access) => ended.has(this.sessionOf.get(access) ?? ''), 'session ended');
    log.info('closed the live views of ended sessions', { sessions: ended.size, views: closed });
    return closed;
  }
}
