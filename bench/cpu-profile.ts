/**
 * A V8 CPU profile (`node --cpu-prof`'s .cpuprofile JSON) as a benchmark
 * reports it: the functions with the most self time, and the time per layer
 * of the node. A sample counts for the innermost frame of iisa's own code on
 * its stack that belongs to a layer (JSON.parse under the ECS parser is
 * parsing, zod under the record reader is validation, a shared helper
 * counts for its caller), except that anything under a stage that
 * owns its store calls (the alert book) counts for that stage, so the
 * store layer is the events' own writes. Samples outside a time window
 * (start-up, shut-down) can be left out.
 */
import { fileURLToPath } from 'node:url';

export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  /** Microseconds, on the profiler's clock. */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FunctionCost {
  /** `name (file:line)`, the file relative to the build (or the package in node_modules, or node's module). */
  readonly name: string;
  readonly selfMs: number;
  /** Of all sampled time in the window, idle included. */
  readonly selfShare: number;
}

export interface LayerCost {
  readonly layer: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly sampledMs: number;
  readonly samples: number;
  readonly idleShare: number;
  readonly top: readonly FunctionCost[];
  readonly layers: readonly LayerCost[];
}

/** Stages whose frames claim everything above them on the stack (their own SQLite reads and writes included). */
const OWNING_LAYERS: readonly [RegExp, string][] = [
  [/^detector\/alerts\//, 'alerts (grading, dedup; alert reads and writes in SQLite)'],
  [/^console\//, 'console (live hub, jobs, coordination)'],
];

/** The layer of the events' and rule hits' own writes (bench/e2e weighs it against the store alone). */
export const STORE_LAYER = 'store (events and rule hits: inserts, commits)';

/** Otherwise the layer of the innermost iisa frame that has one (first match wins per frame). */
const LAYERS: readonly [RegExp, string][] = [
  [/^collector\/(sources\/http|framing\/)/, 'HTTP ingest source (body, NDJSON split)'],
  [/^collector\/parsers\//, 'parse (ECS parser: JSON.parse)'],
  [/^collector\/(record-reader|pipeline)/, 'stamp + validate (event schema)'],
  [/^core\/bus\//, 'in-process bus'],
  [/^core\/store\//, STORE_LAYER],
  [/^detector\//, 'detection (Sigma matcher, correlation)'],
];

/** Frames of no iisa code: by V8's own names and node's modules. */
function outsideLayer(url: string, functionName: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 / native (unattributed)';
  if (/^node:(_http|http|net|stream|internal\/(http|streams|stream_base))/.test(url) || /node_modules\/(express|router|body-parser|finalhandler|send|on-finished)\//.test(url)) {
    return 'HTTP (node:http, express) outside the ingest handler';
  }
  return 'other (node internals, timers, modules)';
}

export function summarizeProfile(profile: CpuProfile, options: { buildRoot: string; fromUs?: number; toUs?: number; top?: number }): ProfileSummary {
  const rootPath = options.buildRoot.replace(/\/$/, '') + '/';
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const pathOf = (url: string): string | undefined => {
    if (!url.startsWith('file://')) return undefined;
    const path = fileURLToPath(url);
    return path.startsWith(rootPath) && !path.includes('/node_modules/') ? path.slice(rootPath.length) : undefined;
  };
  const shortFile = (url: string): string => {
    const own = pathOf(url);
    if (own !== undefined) return own;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
    if (pkg) return `${pkg[1]}/${pkg[2].split('/').pop()}`;
    return url || '(native)';
  };

  const frameLabel = (id: number): string => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    return `${functionName || '(anonymous)'}${url ? ` (${shortFile(url)}:${lineNumber + 1})` : ''}`;
  };
  // A library's or generated function (zod's, better-sqlite3's transaction) says little alone: name the iisa code it ran for.
  const labelOf = (id: number): string => {
    if (pathOf(byId.get(id)!.callFrame.url) !== undefined) return frameLabel(id);
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      if (pathOf(byId.get(at)!.callFrame.url) !== undefined) return `${frameLabel(id)} for ${frameLabel(at)}`;
    }
    return frameLabel(id);
  };

  // Per profile node: its layer (by the owning stage or the innermost iisa frame on its stack).
  const layerCache = new Map<number, string>();
  const layerOf = (id: number): string => {
    const cached = layerCache.get(id);
    if (cached !== undefined) return cached;
    const leaf = byId.get(id)!;
    const own: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const path = pathOf(byId.get(at)!.callFrame.url);
      if (path !== undefined) own.push(path);
    }
    const owning = OWNING_LAYERS.find(([re]) => own.some((path) => re.test(path)))?.[1];
    // Shared helpers (core/event's field access, core/ip) belong to whichever layer called them.
    const classified = own.map((path) => LAYERS.find(([re]) => re.test(path))?.[1]).find((l) => l !== undefined);
    const innermost = classified ?? (own[0] === undefined ? undefined : `iisa, elsewhere (${own[0].split('/')[0]}/)`);
    const layer = owning ?? innermost ?? outsideLayer(leaf.callFrame.url, leaf.callFrame.functionName);
    layerCache.set(id, layer);
    return layer;
  };

  const selfUs = new Map<string, number>();
  const layerUs = new Map<string, number>();
  let totalUs = 0;
  let samples = 0;
  let t = profile.startTime;
  const from = options.fromUs ?? -Infinity;
  const to = options.toUs ?? Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    // A sample's time is the gap to the next one (the last: nothing more is known, count the previous gap).
    const dt = Math.max(0, profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0);
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    const label = labelOf(node.id);
    selfUs.set(label, (selfUs.get(label) ?? 0) + dt);
    const layer = layerOf(node.id);
    layerUs.set(layer, (layerUs.get(layer) ?? 0) + dt);
    totalUs += dt;
    samples++;
  }
  const share = (us: number): number => (totalUs > 0 ? us / totalUs : 0);
  return {
    sampledMs: totalUs / 1000,
    samples,
    idleShare: share(layerUs.get('idle') ?? 0),
    top: [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, options.top ?? 15).map(([name, us]) => ({ name, selfMs: us / 1000, selfShare: share(us) })),
    layers: [...layerUs].sort((a, b) => b[1] - a[1]).map(([layer, us]) => ({ layer, ms: us / 1000, share: share(us) })),
  };
}
