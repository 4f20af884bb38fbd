/**
 * The clients of bench/ws-fanout, in a process of their own (forked with
 * IPC) so that receiving a thousand sockets' frames never runs on the
 * server's event loop. Each client is a `ws` socket on /ws with an API
 * token (Authorization: Bearer, console/live/auth.ts) that subscribes to
 * the alerts view and notes when each change arrived.
 *
 * The arrival is stamped first thing on 'message'. The frame is then only
 * scanned for the changes' sequence numbers (the alert ids), not parsed,
 * and UTF-8 validation is off: what a client spends on a frame delays the
 * next client's stamp in this process, and the client is not what is
 * measured. The baseline's clients do the same, so it cancels in the ratio.
 *
 *   (forked by bench/ws-fanout) ws-fanout-clients.js
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, type RawData } from 'ws';
import { ALERT_ID_PREFIX, clockSkew, wallClock, type ClientsReply, type ClientsRequest, type ClientTarget } from './ws-fanout-plan.js';

const ID_MARK = Buffer.from(`"id":"${ALERT_ID_PREFIX}`);
const BATCH_MARK = Buffer.from('{"type":"batch"');
const SUBSCRIBE_TIMEOUT_MS = 15_000;

/** Arrivals of every client, as the benchmark collects them phase by phase. */
class Book {
  readonly at: Float64Array;
  /** Clients that got each change. */
  readonly got: Uint32Array;
  readonly frames: Uint32Array;
  readonly closedBy: Uint16Array;
  duplicates = 0;

  constructor(readonly clients: number, readonly totalSeqs: number) {
    this.at = new Float64Array(clients * totalSeqs).fill(NaN);
    this.got = new Uint32Array(totalSeqs);
    this.frames = new Uint32Array(clients);
    this.closedBy = new Uint16Array(clients);
  }

  /** Note every change a batch frame carries (scanning its bytes for the alert ids). */
  frame(client: number, at: number, data: Buffer): void {
    this.frames[client] += 1;
    for (let i = data.indexOf(ID_MARK); i !== -1; i = data.indexOf(ID_MARK, i)) {
      let seq = 0;
      for (i += ID_MARK.length; i < data.length && data[i] >= 0x30 && data[i] <= 0x39; i++) seq = seq * 10 + data[i] - 0x30;
      if (seq >= this.totalSeqs) continue;
      const slot = client * this.totalSeqs + seq;
      if (!Number.isNaN(this.at[slot])) {
        this.duplicates += 1;
        continue;
      }
      this.at[slot] = at;
      this.got[seq] += 1;
    }
  }

  arrived(from: number, to: number): number {
    let n = 0;
    for (let s = from; s < to; s++) n += this.got[s];
    return n;
  }
}

function bufferOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** Connect one client and resolve once the server confirmed the alerts subscription. */
function connect(index: number, target: ClientTarget, book: Book, sockets: WebSocket[]): Promise<void> {
  const ws = new WebSocket(`${target.url}/ws`, ['iisa.v1'], {
    headers: { authorization: `Bearer ${target.token}` },
    perMessageDeflate: false,
    skipUTF8Validation: true,
  });
  sockets[index] = ws;
  let subscribed = false;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client ${index}: not subscribed within ${SUBSCRIBE_TIMEOUT_MS / 1000} s`)), SUBSCRIBE_TIMEOUT_MS);
    ws.on('message', (raw) => {
      const at = wallClock();
      const data = bufferOf(raw);
      if (data.subarray(0, BATCH_MARK.length).equals(BATCH_MARK)) return book.frame(index, at, data);
      const message = JSON.parse(data.toString('utf8')) as { type: string; views?: string[]; message?: string };
      if (message.type === 'hello') ws.send(JSON.stringify({ type: 'subscribe', views: ['alerts'] }));
      else if (message.type === 'subscribed' && message.views?.includes('alerts') && !subscribed) {
        subscribed = true;
        clearTimeout(timer);
        resolve();
      } else if (message.type === 'error') reject(new Error(`client ${index}: ${message.message}`));
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`client ${index}: upgrade refused with ${res.statusCode}`)));
    ws.on('error', (error) => reject(error));
    ws.on('close', (code) => {
      book.closedBy[index] = code;
      reject(new Error(`client ${index}: closed (${code}) before it subscribed`));
    });
  });
}

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('ws-fanout-clients runs forked by bench/ws-fanout');
  const reply = (message: ClientsReply): void => { send(message); };
  const sockets: WebSocket[] = [];
  let book: Book | undefined;
  let cpuFrom = process.cpuUsage();
  let eluFrom = performance.eventLoopUtilization();
  let stopping = false;

  const handle = async (request: ClientsRequest): Promise<void> => {
    switch (request.type) {
      case 'connect': {
        const b = new Book(request.targets.length, request.totalSeqs);
        book = b;
        // A few at a time: a thousand simultaneous handshakes would measure the accept queue, not the push.
        for (let i = 0; i < request.targets.length; i += request.concurrency) {
          await Promise.all(request.targets.slice(i, i + request.concurrency).map((target, j) => connect(i + j, target, b, sockets)));
        }
        // Closes during the run are recorded per client (the book), no longer failures of the connect.
        cpuFrom = process.cpuUsage();
        eluFrom = performance.eventLoopUtilization();
        reply({ type: 'ready', skewMs: clockSkew() });
        return;
      }
      case 'collect': {
        if (!book) throw new Error('collect before connect');
        const deadline = wallClock() + request.timeoutMs;
        while (book.arrived(request.from, request.to) < request.expected && wallClock() < deadline) await sleep(20);
        const width = request.to - request.from;
        const at = new Float64Array(book.clients * width);
        for (let c = 0; c < book.clients; c++) at.set(book.at.subarray(c * book.totalSeqs + request.from, c * book.totalSeqs + request.to), c * width);
        const cpu = process.cpuUsage(cpuFrom);
        const utilization = performance.eventLoopUtilization(eluFrom).utilization;
        reply({ type: 'arrivals', arrivals: { at, frames: book.frames.slice(), duplicates: book.duplicates, closedBy: book.closedBy.slice(), cpuSeconds: (cpu.user + cpu.system) / 1e6, utilization } });
        book.frames.fill(0);
        book.duplicates = 0;
        cpuFrom = process.cpuUsage();
        eluFrom = performance.eventLoopUtilization();
        return;
      }
      case 'stop':
        stopping = true;
        for (const ws of sockets) ws?.terminate();
        process.disconnect();
        return;
    }
  };

  let queue = Promise.resolve();
  process.on('message', (request: ClientsRequest) => {
    queue = queue.then(() => handle(request)).catch((error: unknown) => {
      if (stopping) return;
      reply({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    });
  });
}

await main();
