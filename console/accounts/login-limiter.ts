/**
 * Login rate limiting: failed logins counted per user name and per client
 * address in a sliding window; once either has `failures` in the window,
 * logins for it are refused (429) until the oldest of them leaves the
 * window. An IPv6 client counts by its /64 (one subscriber's LAN: rotating
 * through its addresses gains nothing), an IPv4 client by its address (an
 * IPv4-mapped IPv6 peer as the IPv4 address it is).
 *
 * Unknown user names count exactly like known ones, so a refusal says
 * nothing about which names exist. A successful login clears its user
 * name's count, not its address's: one valid account must not reset the
 * budget of guesses against every other from the same place.
 *
 * Counts live in this process's memory: a node with several console
 * processes grants each its own budget, and a restart clears them. The
 * number of keys is capped; beyond the cap expired keys go first, then the
 * oldest.
 */
import { canonicalIp } from '../../core/ip.js';

export interface LoginLimits {
  /** Failures within the window that lock a key. */
  readonly failures: number;
  readonly windowMs: number;
}

export interface LoginLimiterOptions extends LoginLimits {
  readonly now?: () => number;
  /** Keys tracked at once; default 100 000. */
  readonly maxKeys?: number;
}

/** The key of a user name: names are case-insensitive, as at login. */
export function userKey(name: string): string {
  return `user:${name.trim().toLowerCase()}`;
}

/** The key of a client address: IPv4 as is, IPv6 by its /64, anything unreadable as one shared key. */
export function addressKey(address: string | undefined): string {
  const ip = address === undefined ? null : canonicalIp(address);
  if (ip === null) return 'addr:unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `addr:${mapped[1]}`;
  if (!ip.includes(':')) return `addr:${ip}`;
  return `addr:${ipv6Prefix64(ip.replace(/%.*$/, ''))}`;
}

/** `2001:db8:1:2::/64` for any address in that /64 (input in canonical form). */
function ipv6Prefix64(ip: string): string {
  const [head, tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const words = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${canonicalIp(`${words.slice(0, 4).join(':')}::`) ?? ip}/64`;
}

export class LoginLimiter {
  private readonly failuresAt = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly limits: LoginLimiterOptions) {
    this.now = limits.now ?? Date.now;
    this.maxKeys = limits.maxKeys ?? 100_000;
  }

  /** Seconds until every key in `keys` may try again; 0 when none is locked. */
  retryAfterSeconds(keys: readonly string[]): number {
    const now = this.now();
    let until = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.limits.failures) until = Math.max(until, recent[recent.length - this.limits.failures] + this.limits.windowMs);
    }
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  /**
   * Count an attempt as a failure against each key, before its password is
   * checked: parallel guesses cannot all pass `retryAfterSeconds` while
   * the first is still hashing. A success takes it back with `forgive`.
   * Answers the attempt's time and the keys it locked.
   */
  fail(keys: readonly string[]): { at: number; locked: string[] } {
    const now = this.now();
    const locked: string[] = [];
    for (const key of keys) {
      const recent = [...this.recent(key, now), now].slice(-this.limits.failures);
      this.failuresAt.delete(key); // re-inserted last: the map's order is the order of last failure
      this.failuresAt.set(key, recent);
      if (recent.length >= this.limits.failures) locked.push(key);
    }
    this.cap(now);
    return { at: now, locked };
  }

  /** Take back the failure counted `at` for each key (the attempt succeeded). */
  forgive(keys: readonly string[], at: number): void {
    for (const key of keys) {
      const times = this.failuresAt.get(key);
      const i = times?.lastIndexOf(at) ?? -1;
      if (!times || i === -1) continue;
      times.splice(i, 1);
      if (times.length === 0) this.failuresAt.delete(key);
    }
  }

  /** Forget a key's failures (a successful login for its user name). */
  reset(key: string): void {
    this.failuresAt.delete(key);
  }

  get size(): number {
    return this.failuresAt.size;
  }

  private recent(key: string, now: number): number[] {
    return (this.failuresAt.get(key) ?? []).filter((t) => t > now - this.limits.windowMs);
  }

  private cap(now: number): void {
    if (this.failuresAt.size <= this.maxKeys) return;
    for (const [key, times] of this.failuresAt) {
      if (times[times.length - 1] <= now - this.limits.windowMs) this.failuresAt.delete(key);
    }
    for (const key of this.failuresAt.keys()) {
      if (this.failuresAt.size <= this.maxKeys) break;
      this.failuresAt.delete(key);
    }
  }
}
