/**
 * What a background generator gets: the world, its random stream, and a pool
 * of open connections so that polling reuses one Zeek uid per client/server
 * pair for a while, as a real poller's long-lived TCP session does.
 */
import { newConn, type Conn } from '../emit.js';
import type { Rng } from '../prng.js';
import type { ParserName } from '../parsers.js';
import type { Micros } from '../time.js';
import type { SimLine, World } from '../world.js';

export class ConnPool {
  private readonly conns = new Map<string, Conn>();

  constructor(private readonly rng: Rng) {}

  /** The open connection from client to server:port, replaced now and then by a fresh one (reconnect). */
  get(client: string, server: string, port: number, reconnectChance = 0.02): Conn {
    const key = `${client}|${server}|${port}`;
    let conn = this.conns.get(key);
    if (!conn || this.rng.chance(reconnectChance)) {
      conn = newConn(this.rng, client, server, port);
      this.conns.set(key, conn);
    }
    return conn;
  }
}

export interface BackgroundContext {
  readonly world: World;
  readonly rng: Rng;
  readonly conns: ConnPool;
}

/** Produces one background event (one or a few lines, at or shortly after `time`) in one format. */
export interface BackgroundGenerator {
  readonly parser: ParserName;
  /** Relative share of background events. */
  readonly weight: number;
  generate(ctx: BackgroundContext, time: Micros): SimLine[];
}

/** 4 or 6; about a third of background talkers use IPv6. */
export function family(rng: Rng): 4 | 6 {
  return rng.chance(0.33) ? 6 : 4;
}

/** An outside address from the documentation ranges (never a seeded asset). */
export function outsideIp(rng: Rng, fam: 4 | 6): string {
  if (fam === 6) return `2001:db8:${rng.pick(['e0', 'e1', 'f0'])}::${rng.int(1, 0xfff).toString(16)}`;
  return `${rng.pick(['203.0.113', '198.51.100'])}.${rng.int(1, 254)}`;
}
