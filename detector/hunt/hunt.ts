/**
 * A hunt: Sigma rules over log files, as Chainsaw or Hayabusa do. Files are
 * read as streams and merged by event time (one pending event per file), so
 * correlations that span formats — a brute force in the OPC UA audit log,
 * then a write in the Zeek Modbus log — see their events in order, and
 * memory stays bounded whatever the files' size.
 */
import type { EcsEvent } from '../../core/event.js';
import type { OrgStamp } from '../../core/orgs.js';
import type { ParserTable } from '../../collector/parsers/index.js';
import { Detector, type Detection } from '../detector.js';
import type { PlaceholderSource, RuleSet } from '../sigma/model.js';
import { parserForFile, readLogFile, type FileEvent, type FileProblem } from './log-files.js';

export interface HuntOptions {
  readonly ruleSet: RuleSet;
  readonly parsers: ParserTable;
  readonly files: readonly string[];
  /** Parser for every file; detected per file when absent. */
  readonly parser?: string;
  /** Org stamped on every event, so per-org placeholders resolve. */
  readonly org?: OrgStamp;
  readonly placeholders?: PlaceholderSource;
  readonly onProblem?: (problem: FileProblem) => void;
}

/** Where an event came from. */
export interface EventLocation {
  readonly file: string;
  readonly line: number;
}

export interface HuntHit {
  readonly detection: Detection;
  /** Location of each event of the hit (the one event of a detection; the contributing events of a correlation). */
  readonly locate: (event: unknown) => EventLocation | undefined;
}

export interface HuntSummary {
  readonly files: readonly { file: string; parser: string }[];
  readonly events: number;
  readonly hits: number;
}

function timeOf(e: FileEvent): number {
  const t = Date.parse(e.event['@timestamp']);
  return Number.isNaN(t) ? 0 : t;
}

/** Run the hunt; `onHit` is called for every hit as it is found (correlations when their windows allow, the rest at the end). */
export async function hunt(options: HuntOptions, onHit: (hit: HuntHit) => void): Promise<HuntSummary> {
  const detector = new Detector({
    ruleSet: options.ruleSet,
    ...(options.placeholders ? { placeholders: options.placeholders } : {}),
    // A hunt may read ECS files from any source: rules of logsources we do not route still get a chance.
    unrouted: options.parser === 'ecs' ? 'every-event' : 'skip',
  });
  const locations = new WeakMap<object, EventLocation>();
  const locate = (event: unknown): EventLocation | undefined => (event && typeof event === 'object' ? locations.get(event) : undefined);
  let hits = 0;
  const report = (detections: Detection[]) => {
    for (const detection of detections) {
      hits++;
      onHit({ detection, locate });
    }
  };

  const readers: { file: string; parser: string; iterator: AsyncGenerator<FileEvent>; head?: FileEvent }[] = [];
  for (const file of options.files) {
    const parser = await parserForFile(file, { parsers: options.parsers, ...(options.parser ? { parser: options.parser } : {}) });
    const iterator = readLogFile(file, parser, {
      parsers: options.parsers,
      ...(options.org ? { org: options.org } : {}),
      ...(options.onProblem ? { onProblem: options.onProblem } : {}),
    });
    readers.push({ file, parser: parser.name, iterator });
  }
  for (const reader of readers) reader.head = (await reader.iterator.next()).value ?? undefined;

  let events = 0;
  for (;;) {
    let next: (typeof readers)[number] | undefined;
    for (const reader of readers) {
      if (reader.head && (!next || timeOf(reader.head) < timeOf(next.head!))) next = reader;
    }
    if (!next) break;
    const { event, file, line } = next.head!;
    locations.set(event, { file, line });
    events++;
    report(detector.process(event as EcsEvent));
    next.head = (await next.iterator.next()).value ?? undefined;
  }
  report(detector.flush());
  return { files: readers.map((r) => ({ file: r.file, parser: r.parser })), events, hits };
}
