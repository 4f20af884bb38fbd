/**
 * The live views' socket (/ws on the page's own origin, the session cookie
 * rides along): subscribes, hands each batch of changes on, and reconnects
 * with backoff when the socket goes (a node restart, a network blip, or the
 * server closing a client that fell behind with 1013). Changes pushed while
 * it was away are lost, so after every reconnect the page is asked to fetch
 * its lists afresh.
 */
import type { LiveChange, LiveView } from './types.js';

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveOptions {
  readonly views: readonly LiveView[];
  readonly onChanges: (changes: readonly LiveChange[]) => void;
  readonly onState: (state: LiveState) => void;
  /** The socket is back after a loss: refetch what may have been missed. */
  readonly onReconnected: () => void;
  /** Several attempts in a row failed: maybe the session ended (the app checks). */
  readonly onRepeatedFailure?: () => void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;
/** The close code the server gives a socket whose credential it withdrew (console/live/hub.ts CloseCodes.policyViolation). */
const POLICY_VIOLATION = 1008;

interface ServerFrame {
  readonly type: string;
  readonly changes?: readonly LiveChange[];
  readonly message?: string;
}

export class LiveClient {
  private socket: WebSocket | undefined;
  private retryTimer: number | undefined;
  private failures = 0;
  private everOpen = false;
  private stopped = false;

  constructor(private readonly options: LiveOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Close for good (logout, page change); idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== undefined) window.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'page closed');
  }

  private connect(): void {
    if (this.stopped) return;
    this.options.onState('connecting');
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
    const socket = new WebSocket(url, ['iisa.v1']);
    this.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      socket.send(JSON.stringify({ type: 'subscribe', views: this.options.views }));
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      const frame = JSON.parse(event.data) as ServerFrame;
      if (frame.type === 'subscribed') {
        const again = this.everOpen;
        this.everOpen = true;
        this.failures = 0;
        this.options.onState('live');
        if (again) this.options.onReconnected();
      } else if (frame.type === 'batch' && frame.changes) {
        this.options.onChanges(frame.changes);
      }
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = undefined;
      this.options.onState('offline');
      this.failures = opened ? 1 : this.failures + 1;
      // 1008: the server withdrew the socket's credential (its session ended): ask at once, not after three tries.
      if (this.failures >= 3 || event.code === POLICY_VIOLATION) this.options.onRepeatedFailure?.();
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
      // Jitter, so a restarted node is not met by every browser in the same millisecond.
      this.retryTimer = window.setTimeout(() => this.connect(), delay * (0.75 + Math.random() * 0.5));
    });
  }
}
