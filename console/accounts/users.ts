/**
 * Local users, one document each in the store's 'users' collection (id =
 * the login name). Every change is compare-and-set, so two admins editing
 * one user never lose each other's write. Roles are checked against the
 * tier of the user's org when a user is made (../accounts/roles.ts).
 *
 * `verify` spends the same scrypt work whether or not the name exists (a
 * dummy hash stands in), so neither the answer nor its time tells a caller
 * which names are users.
 */
import { z } from 'zod';
import type { OrgRegistry } from '../../core/orgs.js';
import { Collections, type DocumentStore } from '../../core/store/documents.js';
import { updateDocument } from '../../core/store/document-update.js';
import { DefaultScryptParams, hashPassword, needsRehash, PasswordHashSchema, verifyPassword, type ScryptParams } from './password.js';
import { normalRoles, RoleSchema, roleProblems, type Role } from './roles.js';

export const UserIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'a user name is 2..64 lower-case letters, digits, ".", "_" and "-", starting with a letter or digit');

export const UserRecordSchema = z.strictObject({
  id: UserIdSchema,
  org: z.string().min(1),
  displayName: z.string().min(1).max(200),
  roles: z.array(RoleSchema).min(1),
  passwordHash: PasswordHashSchema,
  disabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserRecord = z.output<typeof UserRecordSchema>;

/** A user as the API shows it: never the hash. */
export type PublicUser = Omit<UserRecord, 'passwordHash'>;

export function publicUser(user: UserRecord): PublicUser {
  const { passwordHash: _hidden, ...rest } = user;
  return rest;
}

/** Why an account change was refused; the API maps `code` onto a status. */
export class AccountError extends Error {
  constructor(readonly code: 'bad-request' | 'not-found' | 'conflict' | 'forbidden', message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

export interface NewUser {
  readonly id: string;
  readonly org: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
  /** Exactly one of password (hashed here) and passwordHash (from a seed file). */
  readonly password?: string;
  readonly passwordHash?: string;
}

export interface UserBookOptions {
  readonly store: DocumentStore;
  readonly registry: OrgRegistry;
  /** Orgs whose users this node keeps; default every org of the registry. */
  readonly servedOrgs?: readonly string[];
  readonly now?: () => number;
  readonly hashParams?: ScryptParams;
}

export class UserBook {
  private readonly store: DocumentStore;
  private readonly registry: OrgRegistry;
  private readonly served: ReadonlySet<string> | undefined;
  private readonly now: () => number;
  readonly hashParams: ScryptParams;
  private dummyHash: Promise<string> | undefined;

  constructor(options: UserBookOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.served = options.servedOrgs ? new Set(options.servedOrgs) : undefined;
    this.now = options.now ?? Date.now;
    this.hashParams = options.hashParams ?? DefaultScryptParams;
  }

  /** Whether users of `org` live on this node. */
  serves(org: string): boolean {
    return this.registry.get(org) !== undefined && (this.served === undefined || this.served.has(org));
  }

  async get(id: string): Promise<UserRecord | undefined> {
    const parsedId = UserIdSchema.safeParse(id.trim().toLowerCase());
    if (!parsedId.success) return undefined;
    const doc = await this.store.getDocument<UserRecord>(Collections.users, parsedId.data);
    return doc && this.serves(doc.body.org) ? doc.body : undefined;
  }

  /** Create a user; a taken name is a conflict (never an overwrite). */
  async create(input: NewUser): Promise<UserRecord> {
    const parsedId = UserIdSchema.safeParse(input.id);
    if (!parsedId.success) throw new AccountError('bad-request', `user name ${JSON.stringify(input.id)}: ${parsedId.error.issues[0].message}`);
    const id = parsedId.data;
    const org = this.registry.get(input.org);
    if (!org) throw new AccountError('bad-request', `no org ${input.org} in the registry`);
    if (!this.serves(org.id)) throw new AccountError('bad-request', `org ${org.id} is not served by this node`);
    const roles = normalRoles(input.roles);
    const problems = roleProblems(roles, org);
    if (problems.length) throw new AccountError('bad-request', problems.join('; '));
    if ((input.password === undefined) === (input.passwordHash === undefined)) throw new AccountError('bad-request', 'give exactly one of password and passwordHash');
    const passwordHash = input.passwordHash ?? await hashPassword(input.password!, this.hashParams);
    const at = new Date(this.now()).toISOString();
    const user = UserRecordSchema.parse({ id, org: org.id, displayName: input.displayName, roles, passwordHash, disabled: false, createdAt: at, updatedAt: at });
    const written = await updateDocument<UserRecord>(this.store, Collections.users, id, (current) => {
      if (current) throw new AccountError('conflict', `user ${id} exists already`);
      return this.document(user);
    });
    return written!.body;
  }

  async setDisabled(id: string, disabled: boolean): Promise<UserRecord> {
    return this.change(id, (u) => ({ ...u, disabled }));
  }

  async setPassword(id: string, password: string): Promise<UserRecord> {
    const passwordHash = await hashPassword(password, this.hashParams);
    return this.change(id, (u) => ({ ...u, passwordHash }));
  }

  /** Users of `orgIds` (undefined: every served org), by name, a page at a time. */
  async list(query: { orgIds?: readonly string[]; limit?: number; cursor?: string }): Promise<{ users: UserRecord[]; nextCursor?: string }> {
    const orgIds = query.orgIds ?? (this.served ? [...this.served] : undefined);
    const page = await this.store.queryDocuments<UserRecord>({
      collection: Collections.users, ...(orgIds ? { orgIds } : {}), order: 'asc', limit: query.limit ?? 100,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return { users: page.documents.map((d) => d.body), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  /**
   * The user `name` names if `password` is theirs and the account is
   * enabled; undefined otherwise, after the same scrypt work either way.
   * A hash made with weaker parameters than the node's is renewed.
   */
  async verify(name: string, password: string): Promise<UserRecord | undefined> {
    const user = await this.get(name).catch(() => undefined);
    if (!user) {
      await verifyPassword(password, await this.dummy());
      return undefined;
    }
    if (!(await verifyPassword(password, user.passwordHash)) || user.disabled) return undefined;
    if (needsRehash(user.passwordHash, this.hashParams)) {
      // Best effort: the login stands even if another write got there first.
      await this.setPassword(user.id, password).catch(() => undefined);
    }
    return user;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword('not a password of anyone', this.hashParams);
    return this.dummyHash;
  }

  private async change(id: string, edit: (user: UserRecord) => UserRecord): Promise<UserRecord> {
    const written = await updateDocument<UserRecord>(this.store, Collections.users, id, (current) => {
      if (!current || !this.serves(current.body.org)) throw new AccountError('not-found', `no user ${id}`);
      return this.document({ ...edit(current.body), updatedAt: new Date(this.now()).toISOString() });
    });
    return written!.body;
  }

  private document(user: UserRecord) {
    return { id: user.id, orgId: user.org, sortKey: user.id, index: { disabled: user.disabled, roles: user.roles }, body: user };
  }
}
