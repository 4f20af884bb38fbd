/**
 * What the processes of bench/ws-fanout share: the clock, the alert changes
 * the server publishes, and the messages between the benchmark and its
 * server and client processes (forked with `serialization: 'advanced'`, so
 * typed arrays cross as they are).
 *
 * Every change is a new alert whose id carries a sequence number, so a
 * client can tell from a frame's bytes which changes it brought without
 * parsing it, and the benchmark can tell who should have had each change
 * (console/live/visibility.ts) from the sequence number alone.
 */
import { performance } from 'node:perf_hooks';
import type { Alert, UpperTier } from '../core/alert.js';

/**
 * Milliseconds since the epoch with sub-millisecond resolution. The server
 * stamps publishes and the clients stamp arrivals in different processes:
 * each process's timeOrigin is the wall clock when it started, and
 * performance.now() runs on the machine's monotonic clock from there, so
 * the sum is one clock for every process on the machine (process.hrtime is
 * not: its zero is per process; Date.now() is, but only to the millisecond).
 */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** How far this process's wallClock() is from Date.now() right now, ms (within [0, 1) when the clocks agree: Date.now truncates). */
export function clockSkew(): number {
  return wallClock() - Date.now();
}

export const ALERT_ID_PREFIX = 'fanout-';

/** Which upper tiers change `seq` goes to: all of them when every client is national, else a third none, a third provincial, a third both. */
export function escalationOf(seq: number, spread: boolean): UpperTier[] {
  if (!spread) return ['provincial', 'national'];
  return [[], ['provincial'], ['provincial', 'national']][seq % 3] as UpperTier[];
}

/** The alert of change `seq`: an org of `enterprises` in turn; about 800 bytes of JSON, the size of a real one. */
export function fanoutAlert(seq: number, enterprises: readonly string[], spread: boolean, at = new Date()): Alert {
  const orgId = enterprises[seq % enterprises.length];
  const time = at.toISOString();
  return {
    id: `${ALERT_ID_PREFIX}${seq}`, orgId, originNode: 'bench-fanout', ruleId: 'c1a2b3d4-0000-4000-8000-00000000f0a0',
    ruleTitle: 'Modbus write to a PLC from outside the engineering VLAN', level: 'high', kind: 'detection',
    tags: ['attack.ics', 'attack.t0855', 'attack.t0836'], techniques: ['t0836', 't0855'],
    groupKey: { 'source.ip': '10.20.0.15', 'destination.ip': '10.30.1.20' },
    dedupKey: `b${seq.toString(16).padStart(15, '0')}`, generation: 1, grade: 'II', score: 72,
    gradeReasons: ['rule level high', 'target asset is a safety-critical PLC', 'first occurrence in 24 h'],
    escalateTo: escalationOf(seq, spread), assets: ['plc-line-3'], status: 'new',
    count: 1, firstSeen: time, lastSeen: time, hitIds: [`hit-${seq}`], eventIds: [`event-${seq}`], createdAt: time, updatedAt: time, revision: 1,
  };
}

/** When the server publishes a phase's changes. */
export type Schedule =
  /** `count` changes, one every 1000 / `rate` ms. */
  | { readonly kind: 'steady'; readonly rate: number; readonly count: number }
  /** `bursts` times, `size` changes in one synchronous loop; `gapMs` between bursts. */
  | { readonly kind: 'burst'; readonly size: number; readonly bursts: number; readonly gapMs: number };

export function changesOf(schedule: Schedule): number {
  return schedule.kind === 'steady' ? schedule.count : schedule.size * schedule.bursts;
}

export interface TokenGrant {
  readonly id: string;
  readonly org: string;
  readonly token: string;
}

/** Benchmark -> server. */
export type ServerRequest =
  | { readonly type: 'start'; readonly tokens: readonly TokenGrant[] }
  | { readonly type: 'phase'; readonly fromSeq: number; readonly schedule: Schedule }
  | { readonly type: 'stop' };

/** What the server did during one phase. */
export interface PhaseReport {
  /** wallClock() just before each change's publish, indexed from the phase's fromSeq. */
  readonly publishedAt: Float64Array;
  /** How late each publish was against the schedule (the server's event loop was busy), ms. */
  readonly lateMs: Float64Array;
  /** Time inside the publish calls, ms (for the hub: visibility and queueing; the frames go out later, from timers). */
  readonly publishCallMs: number;
  readonly cpuSeconds: number;
  /** Event loop utilisation over the phase, 0 to 1. */
  readonly utilization: number;
  /** Clients the hub closed for not keeping up (1013), so far. */
  readonly dropped: number;
  /** The window: from just before the first publish to when the report was asked for. */
  readonly seconds: number;
}

/** Server -> benchmark. */
export type ServerReply =
  | { readonly type: 'listening'; readonly port: number; readonly skewMs: number }
  | { readonly type: 'published'; readonly report: PhaseReport }
  | { readonly type: 'error'; readonly message: string };

export interface ClientTarget {
  readonly url: string;
  readonly token: string;
}

/** Benchmark -> client process. */
export type ClientsRequest =
  | { readonly type: 'connect'; readonly targets: readonly ClientTarget[]; readonly totalSeqs: number; readonly concurrency: number }
  /** Answer the arrivals of changes [from, to) once `expected` arrived or `timeoutMs` passed. */
  | { readonly type: 'collect'; readonly from: number; readonly to: number; readonly expected: number; readonly timeoutMs: number }
  | { readonly type: 'stop' };

export interface Arrivals {
  /** wallClock() of the frame that brought client c change from + k at [c * (to - from) + k]; NaN: none came. */
  readonly at: Float64Array;
  /** Frames of kind batch per client since the previous collect. */
  readonly frames: Uint32Array;
  /** Changes that came to a client a second time. */
  readonly duplicates: number;
  /** Close code per client if the server closed it (1013: not keeping up), else 0. */
  readonly closedBy: Uint16Array;
  readonly cpuSeconds: number;
  readonly utilization: number;
}

/** Client process -> benchmark. */
export type ClientsReply =
  | { readonly type: 'ready'; readonly skewMs: number }
  | { readonly type: 'arrivals'; readonly arrivals: Arrivals }
  | { readonly type: 'error'; readonly message: string };
