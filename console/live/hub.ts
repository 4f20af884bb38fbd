/**
 * The live hub: changes in (alerts, posture, advisories, tasks, from
 * wherever they happen), batches out to every connected client that
 * subscribed to the change's view and may see it (./visibility.ts).
 *
 * Batching: a client gets at most one frame per `batchMs`; changes published
 * within one window go out together, in publish order. The first change
 * after a quiet window goes out on the next turn of the event loop, so a
 * lone alert is not held back a whole window and a synchronous burst is
 * still one frame.
 *
 * Back-pressure: a client whose socket holds more than `maxBufferedBytes`
 * unsent, or that has more than `maxPendingChanges` waiting for its next
 * frame, is closed with 1013 (try again later) and forgotten at once: its
 * pending changes are released and it gets nothing more. What a slow client
 * can cost is bounded by those two limits, not by how slow it is.
 *
 * The hub knows nothing of websockets: a client is a `LiveConnection`
 * (./ws-server.ts adapts a `ws` socket to it).
 */
import type { Logger, Metrics } from '../../collector/sources/types.js';
import type { Access } from '../access.js';
import type { ServerMessage } from './messages.js';
import { LiveViews, ViewOfKind, visibleChange, type LiveChange, type LiveView, type VisibilityContext } from './visibility.js';

/** The transport side of one client. */
export interface LiveConnection {
  readonly access: Access;
  /** Queue one text frame. */
  send(frame: string): void;
  /** Bytes queued for the peer that the kernel has not taken yet. */
  bufferedBytes(): number;
  /** Close with `code`; the transport must make sure the socket goes even if the peer never reads. */
  close(code: number, reason: string): void;
}

export interface LiveHubOptions extends Partial<VisibilityContext> {
  /** Shortest interval between two frames to one client. */
  readonly batchMs?: number;
  /** Unsent bytes on a client's socket above which it is closed with 1013. */
  readonly maxBufferedBytes?: number;
  /** Changes waiting for one client's next frame above which it is closed with 1013. */
  readonly maxPendingChanges?: number;
  readonly log: Logger;
  readonly metrics: Metrics;
}

/** Close codes the live views use (RFC 6455 section 7.4.1). */
export const CloseCodes = {
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  tryAgainLater: 1013,
} as const;

export type DropReason = 'buffered' | 'pending';

/** One connected client: what it subscribed to and the changes waiting for its next frame. */
export class LiveClient {
  private readonly subscribed = new Set<LiveView>();
  /** Serialised changes, in publish order. */
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastFrameAt = 0;
  private gone = false;

  constructor(readonly connection: LiveConnection, private readonly hub: LiveHub) {}

  get access(): Access {
    return this.connection.access;
  }

  get views(): readonly LiveView[] {
    return [...this.subscribed];
  }

  get pendingChanges(): number {
    return this.pending.length;
  }

  /** False once the hub forgot it (closed, dropped, disconnected). */
  get connected(): boolean {
    return !this.gone;
  }

  wants(view: LiveView): boolean {
    return this.subscribed.has(view);
  }

  /** Subscribe; returns the views now subscribed. */
  subscribe(views: readonly LiveView[]): LiveView[] {
    for (const v of views) this.subscribed.add(v);
    return [...this.subscribed];
  }

  /** Unsubscribe; changes of those views already waiting still go out (they were published while subscribed). */
  unsubscribe(views: readonly LiveView[]): LiveView[] {
    for (const v of views) this.subscribed.delete(v);
    return [...this.subscribed];
  }

  /** Send a message now, outside the batches (hello, replies); a client over its buffer limit is dropped instead. */
  send(message: ServerMessage): void {
    if (this.gone) return;
    if (this.connection.bufferedBytes() > this.hub.limits.maxBufferedBytes) {
      this.hub.drop(this, 'buffered');
      return;
    }
    this.connection.send(JSON.stringify(message));
  }

  /** The transport closed: forget this client. */
  disconnect(): void {
    this.hub.forget(this);
  }

  /** @internal The hub queues a serialised change. */
  enqueue(change: string): void {
    if (this.gone) return;
    this.pending.push(change);
    if (this.pending.length > this.hub.limits.maxPendingChanges) {
      this.hub.drop(this, 'pending');
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastFrameAt + this.hub.limits.batchMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
    // A client's next frame is no reason to keep a stopping process alive.
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    if (this.gone || this.pending.length === 0) return;
    if (this.connection.bufferedBytes() > this.hub.limits.maxBufferedBytes) {
      this.hub.drop(this, 'buffered');
      return;
    }
    const changes = this.pending;
    this.pending = [];
    this.lastFrameAt = Date.now();
    // The changes are serialised once per publish (shared by the clients that see them alike); the frame is spliced from them.
    this.connection.send(`{"type":"batch","changes":[${changes.join(',')}]}`);
    this.hub.sent(changes.length);
  }

  /** @internal The hub forgets it: no timer, nothing pending, nothing more queued. */
  release(): void {
    this.gone = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}

export class LiveHub {
  private readonly clients = new Set<LiveClient>();
  private readonly visibility: VisibilityContext;
  readonly limits: { readonly batchMs: number; readonly maxBufferedBytes: number; readonly maxPendingChanges: number };

  constructor(private readonly options: LiveHubOptions) {
    this.limits = {
      batchMs: options.batchMs ?? 25,
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      maxPendingChanges: options.maxPendingChanges ?? 5000,
    };
    this.visibility = { provinceOf: options.provinceOf ?? (() => undefined) };
  }

  /** Clients connected now. */
  get size(): number {
    return this.clients.size;
  }

  /** Clients per view and changes waiting, for health pages and benchmarks. */
  stats(): { clients: number; subscribers: Record<LiveView, number>; pendingChanges: number } {
    const subscribers = Object.fromEntries(LiveViews.map((v) => [v, 0])) as Record<LiveView, number>;
    let pendingChanges = 0;
    for (const client of this.clients) {
      for (const view of client.views) subscribers[view] += 1;
      pendingChanges += client.pendingChanges;
    }
    return { clients: this.clients.size, subscribers, pendingChanges };
  }

  /** A client connected (already authenticated); it receives nothing until it subscribes. */
  connect(connection: LiveConnection): LiveClient {
    const client = new LiveClient(connection, this);
    this.clients.add(client);
    return client;
  }

  /**
   * A change happened: queue it for every client subscribed to its view that
   * may see it. Never throws (callers are stages and books with their own
   * work to finish) and never waits.
   */
  publish(change: LiveChange): void {
    const view = ViewOfKind[change.kind];
    let shared: string | undefined;
    for (const client of this.clients) {
      if (!client.wants(view)) continue;
      try {
        const shown = visibleChange(client.access, change, this.visibility);
        if (shown === undefined) continue;
        client.enqueue(shown === change ? (shared ??= JSON.stringify(change)) : JSON.stringify(shown));
      } catch (error) {
        this.options.log.error('live change not queued for a client', { kind: change.kind, org: client.access.org.id, error });
      }
    }
  }

  /** @internal Close a client that cannot keep up with 1013, and forget it. */
  drop(client: LiveClient, reason: DropReason): void {
    if (!client.connected) return;
    const { access, connection } = client;
    const bufferedBytes = connection.bufferedBytes();
    const pendingChanges = client.pendingChanges;
    this.forget(client);
    this.options.metrics.increment('console.live_clients_dropped', { reason });
    this.options.log.warn('live client closed: not keeping up', {
      org: access.org.id, tier: access.org.tier, reason, bufferedBytes, pendingChanges,
      maxBufferedBytes: this.limits.maxBufferedBytes, maxPendingChanges: this.limits.maxPendingChanges,
    });
    connection.close(CloseCodes.tryAgainLater, reason === 'buffered' ? 'too slow: socket buffer full' : 'too slow: too many changes waiting');
  }

  /** Forget a client (idempotent): it is no longer published to and holds nothing. */
  forget(client: LiveClient): void {
    client.release();
    this.clients.delete(client);
  }

  /**
   * Close the clients whose access matches (a user logged out or was
   * disabled, a token was revoked) with 1008 and forget them; answers how
   * many. A credential is checked when a socket opens, so this is how a
   * withdrawn one stops receiving.
   */
  disconnectWhere(matches: (access: Access) => boolean, reason = 'credential withdrawn'): number {
    let closed = 0;
    for (const client of [...this.clients]) {
      if (!matches(client.access)) continue;
      this.forget(client);
      client.connection.close(CloseCodes.policyViolation, reason);
      closed++;
    }
    return closed;
  }

  /** The access of each client connected now. */
  accesses(): Access[] {
    return [...this.clients].map((client) => client.access);
  }

  /** Close every client with `code` (1001 at shutdown) and forget them all. */
  closeAll(code: number = CloseCodes.goingAway, reason = 'server stopping'): void {
    for (const client of [...this.clients]) {
      this.forget(client);
      client.connection.close(code, reason);
    }
  }

  /** @internal A frame of `changes` changes went out. */
  sent(changes: number): void {
    this.options.metrics.increment('console.live_frames_sent');
    this.options.metrics.increment('console.live_changes_sent', {}, changes);
  }
}
