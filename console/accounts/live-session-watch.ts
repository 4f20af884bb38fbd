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
 * A store that cannot answer closes nothing: the check is logged and tried
 * again at the next interval. Views opened with an API token are the token
 * reload's to close (cli/node.ts).
 */
import type { Logger } from '../../collector/sources/types.js';
import type { Access } from '../access.js';
import type { Authenticate } from '../live/auth.js';
import type { LiveHub } from '../live/hub.js';
import { sessionAuthenticator, type SessionAuthDeps } from './session-auth.js';
import type { SessionBook } from './sessions.js';

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
    try {
      for (const id of open) if (!(await sessions.isLive(id))) ended.add(id);
    } catch (error) {
      log.warn('could not check the sessions of open live views; trying again', { error: String(error) });
    }
    if (ended.size === 0) return 0;
    const closed = hub.disconnectWhere((access) => ended.has(this.sessionOf.get(access) ?? ''), 'session ended');
    log.info('closed the live views of ended sessions', { sessions: ended.size, views: closed });
    return closed;
  }
}
