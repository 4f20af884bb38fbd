/**
 * Benchmark input: the simulator's traffic of every format (background and
 * every attack scenario), parsed by the collector's parsers and stamped with
 * its org, as a detector would receive it.
 */
import type { EcsEvent } from '../core/event.js';
import type { OrgRegistry } from '../core/orgs.js';
import { parsers } from '../collector/parsers/index.js';
import { readRecord } from '../collector/record-reader.js';
import { generateTraffic, streamPreamble } from '../seeds/simulator/simulate.js';

/** `count` events from an hour of simulated traffic (more traffic per hour for larger counts). */
export function simulatorEvents(count: number, registry: OrgRegistry): EcsEvent[] {
  const out: EcsEvent[] = [];
  const streams = new Map<string, Map<string, unknown>>();
  const receivedAt = new Date();
  for (const rec of generateTraffic({ scenario: 'all', durationSeconds: 3600, rate: Math.max(10, count / 3600 * 1.2), seed: 9 })) {
    const key = `${rec.org}/${rec.parser}`;
    let stream = streams.get(key);
    const parser = parsers.get(rec.parser)!;
    if (!stream) {
      stream = new Map();
      streams.set(key, stream);
      for (const line of streamPreamble(rec.parser)) readRecord(parser, { text: line, receivedAt }, stream, undefined, receivedAt.toISOString());
    }
    const outcome = readRecord(parser, { text: rec.line, receivedAt }, stream, registry.stamp(rec.org), receivedAt.toISOString());
    if (outcome.kind === 'event') out.push(outcome.event);
    if (out.length >= count) break;
  }
  return out;
}

