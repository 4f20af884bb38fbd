/**
 * Synthetic events for a Sigma rule, for differential tests: from the rule
 * model and its resolved logsource, events that should match each group of
 * each search identifier (wildcards filled with random text, letters in
 * random case where matching is case-insensitive, values inside arrays,
 * numbers as strings, ...) and near misses (one item's value changed).
 * Whether a given event really matches is for the backends to say; the
 * generator only makes sure both matching and non-matching events are
 * close to the rule's edges. Deterministic for a given seed.
 */
import type { EcsEvent } from '../../core/event.js';
import { uuidv7 } from '../../core/ids.js';
import { Mulberry32 } from '../../core/prng.js';
import type { ResolvedLogsource } from '../../detector/sigma/mapping/index.js';
import type { DetectionItem, DetectionRule, PatternPart, PlaceholderSource, SigmaValue, TimePart } from '../../detector/sigma/model.js';
import { StaticPlaceholderSource } from '../../detector/sigma/placeholders.js';
import { makeEvent } from './events.js';

/** Placeholder values for two orgs (IPv4 and IPv6, hosts and blocks), shared by the differential and prefilter tests. */
export const testPlaceholders = new StaticPlaceholderSource({
  EngineeringHosts: { 'org-a': ['10.0.0.5', '2001:db8::5', '10.20.0.0/16'], 'org-b': ['10.0.0.6', 'fd00:b::/48'] },
  OrgNetworks: { 'org-a': ['10.0.0.0/8', '2001:db8::/32'], 'org-b': ['192.168.0.0/16', 'fd00:b::/32'] },
  HomeCountries: { 'org-a': ['DE', 'AT'], 'org-b': ['CN'] },
  Plcs: { 'org-a': ['10.0.1.10'], 'org-b': ['192.168.1.10'] },
  Gateways: { 'org-a': ['10.0.0.1'], 'org-b': ['192.168.0.1'] },
  Firewalls: { 'org-a': ['10.0.0.254'], 'org-b': ['192.168.0.254'] },
  ResolverNodes: { 'org-a': ['2001:db8::53'], 'org-b': ['192.168.0.53'] },
  PlatformServices: { 'org-a': ['2001:db8::80'], 'org-b': ['192.168.0.80'] },
});

/** A seeded random source (mulberry32, seeded with the number as is) with the draws the generator needs. */
export class Rng extends Mulberry32 {
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A seeded Fisher-Yates shuffle (a copy). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

export interface GenerateOptions {
  readonly rng: Rng;
  /** Orgs events are spread over (placeholder values differ per org). */
  readonly orgs: readonly string[];
  readonly placeholders?: PlaceholderSource;
  /** Most events per rule (default 40). */
  readonly maxEvents?: number;
  /** Epoch ms events are stamped from (within ten hours after it), except where an item sets the time itself; default 2024-01-01. */
  readonly baseTime?: number;
}

const ABSENT = Symbol('absent');
type Sample = unknown;

/** Characters for wildcard fills: ASCII, LIKE/GLOB specials, non-ASCII letters, CJK, space, backslash. */
const FILL = ['a', 'Z', '0', '7', ' ', '.', '-', '%', '_', '[', '\\', 'ä', 'Ä', 'ß', '中', 'é', '/', ':'];
/** Fields the store and pipeline own: never overwritten by a rule's item. */
const PROTECTED = new Set(['event.id', 'org.id']);
const BASE_TIME = Date.parse('2024-01-01T00:00:00.000Z');
const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function fill(rng: Rng, min: number, max: number): string {
  let out = '';
  const n = min + rng.int(max - min + 1);
  for (let i = 0; i < n; i++) out += rng.pick(FILL);
  return out;
}

/** Random letter case, character by character (keeps characters whose case change alters length). */
function randomCase(rng: Rng, text: string): string {
  let out = '';
  for (const c of text) {
    const flipped = rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase();
    out += flipped.length === c.length ? flipped : c;
  }
  return out;
}

function fillPattern(rng: Rng, parts: readonly PatternPart[], cased: boolean): string {
  return parts
    .map((part) => {
      if ('text' in part) return cased ? part.text : randomCase(rng, part.text);
      return part.wildcard === '*' ? fill(rng, 0, 3) : fill(rng, 1, 1);
    })
    .join('');
}

/** Strip a regex to a literal it would likely match, or random text when it has real syntax. */
function regexSample(rng: Rng, source: string, caseInsensitive: boolean): string {
  let text = source.replace(/^\^/, '').replace(/\$$/, '').replace(/\(\?i\)/g, '').replace(/\.\*/g, () => fill(rng, 0, 2));
  text = text.replace(/\\([.\\/()[\]{}|*+?^$-])/g, '$1');
  if (/[\\()[\]{}|*+?^$]/.test(text)) return fill(rng, 1, 6);
  return caseInsensitive ? randomCase(rng, text) : text;
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
}

function ipv6Text(value: bigint): string {
  const words: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) words.push(((value >> s) & 0xffffn).toString(16));
  return words.join(':');
}

/** A random address inside a CIDR block (IPv4 or IPv6), or the text itself when it is not one. */
function addressIn(rng: Rng, cidr: string): string {
  const [addr, prefixText] = cidr.split('/');
  const v6 = addr.includes(':');
  const bits = v6 ? 128 : 32;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  let base: bigint;
  if (v6) {
    const [head, tail = ''] = addr.split('::');
    const h = head === '' ? [] : head.split(':');
    const t = tail === '' ? [] : tail.split(':');
    const words = addr.includes('::') ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
    if (words.length !== 8 || words.some((w) => !/^[0-9a-f]{1,4}$/i.test(w))) return cidr;
    base = words.reduce((acc, w) => (acc << 16n) | BigInt(parseInt(w, 16)), 0n);
  } else {
    const octets = addr.split('.').map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return cidr;
    base = octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
  }
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return cidr;
  const hostBits = BigInt(bits - prefix);
  const mask = (1n << hostBits) - 1n;
  const host = BigInt(rng.int(2 ** 20)) & mask;
  const value = (base & ~mask & ((1n << BigInt(bits)) - 1n)) | host;
  return v6 ? ipv6Text(value) : ipv4Text(value);
}

/** An ISO time whose UTC `part` relates to `value` as `op` says. */
function timeWith(rng: Rng, base: number, part: TimePart, op: string, value: number): string {
  const delta = op === 'gt' ? 1 : op === 'lt' ? -1 : 0;
  const target = value + delta;
  const d = new Date(base + rng.int(50) * 60_000);
  switch (part) {
    case 'minute': d.setUTCMinutes(((target % 60) + 60) % 60); break;
    case 'hour': d.setUTCHours(((target % 24) + 24) % 24); break;
    case 'day': d.setUTCDate(Math.min(28, Math.max(1, target))); break;
    case 'month': d.setUTCMonth(Math.min(11, Math.max(0, target - 1))); break;
    case 'year': d.setUTCFullYear(Math.min(9999, Math.max(1970, target))); break;
    case 'week': {
      // 2024-01-01 is the Monday of ISO week 1.
      const week = Math.min(52, Math.max(1, target));
      return new Date(BASE_TIME + (week - 1) * 7 * 86_400_000 + rng.int(7) * 86_400_000).toISOString();
    }
  }
  return d.toISOString();
}

interface Assignment {
  readonly field: string;
  readonly value: Sample;
}

interface ItemContext {
  readonly rng: Rng;
  readonly ls: ResolvedLogsource;
  readonly org: string;
  readonly baseTime: number;
  readonly placeholders?: PlaceholderSource;
}

/** A value the matcher should accept for `value`, plus fields it needs set elsewhere (fieldref). */
function sampleValue(value: SigmaValue, item: DetectionItem, ctx: ItemContext, extra: Assignment[]): Sample {
  const { rng } = ctx;
  switch (value.kind) {
    case 'pattern': {
      const text = fillPattern(rng, value.pattern.parts, item.cased);
      return NUMERIC_TEXT.test(text) && rng.chance(0.3) && Number.isFinite(Number(text)) ? Number(text) : text;
    }
    case 'number':
      return rng.chance(0.5) ? value.value : String(value.value);
    case 'boolean':
      return rng.chance(0.5) ? value.value : randomCase(rng, String(value.value));
    case 'null':
      return rng.pick([ABSENT, null, '', []]);
    case 'regex':
      return regexSample(rng, value.source, value.flags.i);
    case 'cidr':
      return addressIn(rng, value.cidr);
    case 'compare': {
      const step = rng.chance(0.5) ? 1 : 0.5;
      const n = value.op === 'gt' ? value.value + step : value.op === 'lt' ? value.value - step : value.value;
      return rng.chance(0.5) ? n : String(n);
    }
    case 'exists':
      return value.exists ? fill(rng, 0, 4) : ABSENT;
    case 'fieldref': {
      const mine = fill(rng, 1, 5);
      const other = value.match === 'equals' ? randomCase(rng, mine) : value.match === 'startswith' ? mine.slice(0, 2) : value.match === 'endswith' ? mine.slice(-2) : mine.slice(1, 3);
      extra.push({ field: rng.pick(ctx.ls.fieldsFor(value.field)), value: item.cased ? other : randomCase(rng, other) });
      return mine;
    }
    case 'placeholder': {
      const values = ctx.placeholders?.values(value.name, ctx.org) ?? [];
      if (values.length === 0) return fill(rng, 1, 4);
      const chosen = rng.pick(values);
      if (value.as === 'cidr') return addressIn(rng, chosen);
      return item.cased ? chosen : randomCase(rng, chosen);
    }
    case 'timepart':
      return timeWith(rng, ctx.baseTime, value.part, value.op, value.value);
  }
}

/** Change a sample a little: a character, a number, a boolean, presence. */
function mutate(rng: Rng, value: Sample): Sample {
  if (value === ABSENT || value === null) return fill(rng, 1, 3);
  if (typeof value === 'number') return value + (rng.chance(0.5) ? 1 : -1);
  if (typeof value === 'boolean') return !value;
  if (Array.isArray(value)) return value.length === 0 ? ['x'] : value.map((v: unknown) => mutate(rng, v));
  if (typeof value === 'string') {
    if (value === '' || rng.chance(0.15)) return rng.chance(0.5) ? ABSENT : `${value}q`;
    const chars = [...value];
    const at = rng.int(chars.length);
    const c = chars[at];
    const swapped = c.toLowerCase() === c ? c.toUpperCase() : c.toLowerCase();
    chars[at] = rng.chance(0.3) && swapped !== c && swapped.length === c.length ? swapped : c === 'x' ? 'y' : 'x';
    return chars.join('');
  }
  return ABSENT;
}

/** Assignments that should make one item match. */
function sampleItem(item: DetectionItem, ctx: ItemContext): Assignment[] {
  const { rng } = ctx;
  const extra: Assignment[] = [];
  if (item.field === null) {
    const texts = (item.all ? item.values : [rng.pick(item.values)]).map((v) => String(valueText(sampleValue(v, item, ctx, extra))));
    return [{ field: rng.pick(ctx.ls.keywordFields), value: `${fill(rng, 0, 3)}${texts.join(fill(rng, 0, 2))}${fill(rng, 0, 3)}` }, ...extra];
  }
  const field = rng.pick(ctx.ls.fieldsFor(item.field));
  if (item.negated) return [{ field, value: rng.chance(0.3) ? ABSENT : fill(rng, 1, 5) }];
  let value: Sample;
  if (item.all && item.values.length > 1) {
    const samples = item.values.map((v) => sampleValue(v, item, ctx, extra));
    const texts = samples.filter((s): s is string => typeof s === 'string');
    value = texts.length === samples.length && rng.chance(0.5) ? texts.join('') : samples.filter((s) => s !== ABSENT);
  } else {
    value = sampleValue(rng.pick(item.values), item, ctx, extra);
    if (value !== ABSENT && value !== null && !Array.isArray(value) && rng.chance(0.2)) value = rng.chance(0.5) ? [fill(rng, 1, 3), value] : [value];
  }
  return [{ field, value }, ...extra];
}

function valueText(value: Sample): string {
  return value === ABSENT || value === null ? '' : Array.isArray(value) ? value.map(valueText).join('') : String(value);
}

function setPath(target: Record<string, unknown>, path: string, value: Sample): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === ABSENT) delete node[last];
  else node[last] = value;
}

/** An event on the rule's route (a random alternative of each clause) in one org. */
function routedEvent(ctx: ItemContext): Record<string, unknown> {
  const event = makeEvent({
    '@timestamp': new Date(ctx.baseTime + ctx.rng.int(600) * 60_000).toISOString(),
    org: { id: ctx.org },
  }) as unknown as Record<string, unknown>;
  for (const clause of ctx.ls.route ?? []) {
    for (const test of ctx.rng.pick(clause)) {
      const value = ctx.rng.pick(test.values);
      setPath(event, test.field, ctx.rng.chance(0.5) ? value : [value]);
    }
  }
  return event;
}

function apply(event: Record<string, unknown>, assignments: readonly Assignment[], baseTime: number): void {
  for (const { field, value } of assignments) {
    if (PROTECTED.has(field)) continue;
    setPath(event, field, value);
  }
  if (!Number.isFinite(Date.parse(String(event['@timestamp'])))) event['@timestamp'] = new Date(baseTime).toISOString();
}

function withNewId(event: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(event);
  (copy.event as Record<string, unknown>).id = uuidv7();
  return copy;
}

/**
 * Events for one rule: for every group of every identifier, one that meets
 * the group and one near miss; one meeting a group of every identifier; one
 * on the route only. At most `maxEvents`.
 */
export function generateEvents(rule: DetectionRule, ls: ResolvedLogsource, options: GenerateOptions): EcsEvent[] {
  const { rng } = options;
  const max = options.maxEvents ?? 40;
  const out: Record<string, unknown>[] = [];
  const baseTime = options.baseTime ?? BASE_TIME;
  const context = (): ItemContext => ({ rng, ls, org: rng.pick(options.orgs), baseTime, ...(options.placeholders ? { placeholders: options.placeholders } : {}) });
  const groups = [...rule.identifiers.values()].flatMap((id) => id.groups.slice(0, 6));

  for (const group of groups) {
    const ctx = context();
    const event = routedEvent(ctx);
    const sampled = group.map((item) => sampleItem(item, ctx));
    apply(event, sampled.flat(), baseTime);
    out.push(event);
    if (sampled.length > 0) {
      const miss = withNewId(event);
      const target = rng.int(sampled.length);
      const changed = sampled[target].map((a, i) => (i === 0 ? { field: a.field, value: mutate(rng, a.value) } : a));
      apply(miss, changed, baseTime);
      out.push(miss);
    }
  }
  const all = context();
  const combined = routedEvent(all);
  for (const id of rule.identifiers.values()) {
    if (id.groups.length > 0) apply(combined, rng.pick(id.groups).flatMap((item) => sampleItem(item, all)), baseTime);
  }
  out.push(combined);
  out.push(routedEvent(context()));
  return rng.shuffle(out).slice(0, max) as unknown as EcsEvent[];
}
