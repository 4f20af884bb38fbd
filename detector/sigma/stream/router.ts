/**
 * Logsource routing: rules grouped by resolved logsource into buckets, and
 * buckets indexed by the value of each route alternative's first field
 * (`event.dataset`, `ics.protocol`, ...). An event looks up its own values of
 * the few index fields and reaches only the buckets whose route it can
 * satisfy, so rules of other logsources cost nothing per event.
 */
import type { ResolvedLogsource, RouteClause, RouteTest } from '../mapping/index.js';
import { readSlot, sharedSlot } from './accessor.js';
import type { FieldSlot } from './accessor.js';
import type { BucketPrefilter } from './prefilter.js';

/** Rules of one logsource; `epoch` stops a bucket reached twice by one event from running twice. */
export interface Bucket<R> {
  readonly key: string;
  readonly rules: R[];
  epoch: number;
  /** Which of `rules` an event can match (set once all rules are added); null: evaluate all. */
  prefilter: BucketPrefilter | null;
}

type RouteCheck = (event: unknown) => boolean;

interface IndexEntry<R> {
  readonly bucket: Bucket<R>;
  /** The rest of the route: the alternative's other tests and the other clauses. */
  readonly rest: RouteCheck;
}

interface IndexField<R> {
  readonly field: string;
  readonly slot: FieldSlot;
  readonly byValue: Map<string, IndexEntry<R>[]>;
}

function testCheck(test: RouteTest): RouteCheck {
  const slot = sharedSlot(test.field);
  const values = new Set(test.values);
  return (event) => {
    const v = readSlot(slot, event);
    if (typeof v === 'string') return values.has(v);
    if (Array.isArray(v)) {
      for (const el of v) if (typeof el === 'string' && values.has(el)) return true;
      return false;
    }
    // Route values are text; a sender may send a code as a number (event.code 4104).
    return typeof v === 'number' && values.has(String(v));
  };
}

function allOf(checks: readonly RouteCheck[]): RouteCheck {
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0];
  return (e) => {
    for (const c of checks) if (!c(e)) return false;
    return true;
  };
}

function clauseCheck(clause: RouteClause): RouteCheck {
  const alternatives = clause.map((alt) => allOf(alt.map(testCheck)));
  return (e) => {
    for (const a of alternatives) if (a(e)) return true;
    return false;
  };
}

/** Index of buckets by route. `R` is the compiled rule type. */
export class RouteIndex<R> {
  private readonly buckets = new Map<string, Bucket<R>>();
  private readonly fields: IndexField<R>[] = [];
  /** Buckets every event reaches (unrouted rules when the matcher is told to run them on everything). */
  private readonly everyEvent: Bucket<R>[] = [];
  private epoch = 0;

  /** Add a rule under its logsource; `route === null` and `everyEvent` put it in a bucket every event reaches. Returns false for an unrouted rule left out. */
  add(logsource: ResolvedLogsource, rule: R, everyEvent = false): boolean {
    let bucket = this.buckets.get(logsource.key);
    if (bucket) {
      bucket.rules.push(rule);
      return true;
    }
    if (logsource.route === null && !everyEvent) return false;
    bucket = { key: logsource.key, rules: [rule], epoch: 0, prefilter: null };
    this.buckets.set(logsource.key, bucket);
    if (logsource.route === null) {
      this.everyEvent.push(bucket);
      return true;
    }
    const [indexClause, ...others] = logsource.route;
    const otherChecks = others.map(clauseCheck);
    for (const alternative of indexClause) {
      const [key, ...restTests] = alternative;
      const rest = allOf([...restTests.map(testCheck), ...otherChecks]);
      const field = this.indexField(key.field);
      for (const value of key.values) {
        const entries = field.byValue.get(value);
        if (entries) entries.push({ bucket, rest });
        else field.byValue.set(value, [{ bucket, rest }]);
      }
    }
    return true;
  }

  private indexField(path: string): IndexField<R> {
    let field = this.fields.find((f) => f.field === path);
    if (!field) {
      field = { field: path, slot: sharedSlot(path), byValue: new Map() };
      this.fields.push(field);
    }
    return field;
  }

  /** Every bucket, routed or reached by every event. */
  allBuckets(): IterableIterator<Bucket<R>> {
    return this.buckets.values();
  }

  /** Number of distinct logsource buckets. */
  get size(): number {
    return this.buckets.size;
  }

  /** The index fields, for stats and docs. */
  indexFields(): string[] {
    return this.fields.map((f) => f.field);
  }

  /** Call `visit` once for each bucket whose route the event satisfies. */
  route(event: unknown, visit: (bucket: Bucket<R>) => void): void {
    const epoch = ++this.epoch;
    for (const field of this.fields) {
      const v = readSlot(field.slot, event);
      if (typeof v === 'string') {
        this.reach(field.byValue.get(v), event, epoch, visit);
      } else if (Array.isArray(v)) {
        for (const el of v) if (typeof el === 'string') this.reach(field.byValue.get(el), event, epoch, visit);
      } else if (typeof v === 'number') {
        this.reach(field.byValue.get(String(v)), event, epoch, visit);
      }
    }
    for (const bucket of this.everyEvent) visit(bucket);
  }

  private reach(entries: IndexEntry<R>[] | undefined, event: unknown, epoch: number, visit: (bucket: Bucket<R>) => void): void {
    if (!entries) return;
    for (const entry of entries) {
      const b = entry.bucket;
      if (b.epoch === epoch || !entry.rest(event)) continue;
      b.epoch = epoch;
      visit(b);
    }
  }
}
