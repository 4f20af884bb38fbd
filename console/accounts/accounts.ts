/**
 * Accounts of one node: users, their sessions, the login rate limit and
 * the audit log, over the node's store. The console API takes one
 * (`ApiDeps.accounts`); built with defaults when a node config has no
 * accounts keys, so sessions and the audit log always work.
 */
import type { Logger } from '../../collector/sources/types.js';
import type { OrgRegistry } from '../../core/orgs.js';
import type { DocumentStore } from '../../core/store/documents.js';
import { AuditLog } from './audit-log.js';
import { AccountsConfigSchema, type AccountsConfig } from './config.js';
import { addressKey, LoginLimiter, userKey } from './login-limiter.js';
import type { ScryptParams } from './password.js';
import { loadSeedUsers, type SeedUser } from './seed-file.js';
import { SessionBook, type OpenSession } from './sessions.js';
import { AccountError, UserBook, type UserRecord } from './users.js';

export interface AccountsOptions {
  readonly store: DocumentStore;
  readonly registry: OrgRegistry;
  readonly log: Logger;
  /** Orgs the node serves (node.orgs); default every org of the registry. */
  readonly servedOrgs?: readonly string[];
  /** The console section's accounts keys (./config.ts); absent keys take their defaults. */
  readonly config?: Partial<AccountsConfig>;
  /** The clock (ms), for tests. */
  readonly now?: () => number;
  /** scrypt cost of new hashes; default ./password.ts DefaultScryptParams. */
  readonly hashParams?: ScryptParams;
}

export type LoginOutcome =
  | { readonly kind: 'ok'; readonly user: UserRecord; readonly secret: string; readonly session: OpenSession }
  | { readonly kind: 'refused' }
  | { readonly kind: 'limited'; readonly retryAfterSeconds: number };

export class Accounts {
  readonly users: UserBook;
  readonly sessions: SessionBook;
  readonly limiter: LoginLimiter;
  readonly audit: AuditLog;
  readonly config: AccountsConfig;
  private readonly log: Logger;

  constructor(options: AccountsOptions) {
    const now = options.now ?? Date.now;
    this.config = AccountsConfigSchema.parse(options.config ?? {});
    this.log = options.log;
    this.users = new UserBook({
      store: options.store, registry: options.registry, now,
      ...(options.servedOrgs ? { servedOrgs: options.servedOrgs } : {}),
      ...(options.hashParams ? { hashParams: options.hashParams } : {}),
    });
    this.sessions = new SessionBook(options.store, {
      idleMs: this.config.sessions.idleMinutes * 60_000, absoluteMs: this.config.sessions.absoluteHours * 3_600_000,
    }, now);
    this.limiter = new LoginLimiter({ failures: this.config.loginLimit.failures, windowMs: this.config.loginLimit.windowMinutes * 60_000, now });
    this.audit = new AuditLog(options.store, now);
  }

  /** Accounts with the users of `config.accounts` created (those not in the store yet). Throws on a bad user list. */
  static async open(options: AccountsOptions): Promise<Accounts> {
    const accounts = new Accounts(options);
    const file = accounts.config.accounts;
    if (file) {
      const served = options.servedOrgs ? new Set(options.servedOrgs) : undefined;
      const { created } = await accounts.seed(loadSeedUsers(file, options.registry, served));
      if (created.length) options.log.info('accounts created from the user list', { file, users: created.join(',') });
    }
    return accounts;
  }

  /** Create the users not in the store yet; those there are kept as they are. */
  async seed(users: readonly SeedUser[]): Promise<{ created: string[]; kept: string[] }> {
    const created: string[] = [];
    const kept: string[] = [];
    for (const u of users) {
      try {
        await this.users.create(u);
        created.push(u.id);
      } catch (err) {
        if (!(err instanceof AccountError && err.code === 'conflict')) throw err;
        kept.push(u.id);
      }
    }
    return { created, kept };
  }

  /**
   * Check a login. The answer for an unknown name, a wrong password and a
   * disabled account is the same `refused`, after the same work; a user
   * name or client address with too many recent failures is `limited`
   * before any password is checked.
   */
  async login(name: string, password: string, remote: string | undefined): Promise<LoginOutcome> {
    const keys = [userKey(name), addressKey(remote)];
    const retryAfterSeconds = this.limiter.retryAfterSeconds(keys);
    if (retryAfterSeconds > 0) {
      this.log.warn('login refused: rate limited', { user: name, remote, retryAfterSeconds });
      return { kind: 'limited', retryAfterSeconds };
    }
    const attempt = this.limiter.fail(keys);
    const user = await this.users.verify(name, password);
    if (!user) {
      this.log.warn('login failed', { user: name, remote });
      if (attempt.locked.length) this.log.warn('login locked', { user: name, remote, keys: attempt.locked.join(','), minutes: this.config.loginLimit.windowMinutes });
      return { kind: 'refused' };
    }
    this.limiter.forgive(keys, attempt.at);
    this.limiter.reset(keys[0]);
    const { secret, session } = await this.sessions.create(user);
    this.log.info('login', { user: user.id, org: user.org, remote, session: session.id.slice(0, 12) });
    return { kind: 'ok', user, secret, session };
  }

  /** The session of `secret` and its user; a session whose user is gone or disabled is ended. */
  async resolveSession(secret: string): Promise<{ user: UserRecord; session: OpenSession } | undefined> {
    const session = await this.sessions.resolve(secret);
    if (!session) return undefined;
    const user = await this.users.get(session.record.userId);
    if (!user || user.disabled || user.org !== session.record.orgId) {
      await this.sessions.end(secret);
      return undefined;
    }
    return { user, session };
  }
}
