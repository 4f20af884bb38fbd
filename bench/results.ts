/**
 * bench/results.json: the headline figures of every benchmark as one
 * machine-readable object, each `{ value, unit }` under a fixed key (issue 7
 * lists them). Each benchmark merges its own keys in, so one benchmark's run
 * keeps the others' figures.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export const ResultKeys = [
  'detect_100_rules_eps', 'detect_sigmahq_eps', 'e2e_embedded_eps', 'alert_ws_p99_ms',
  'ws_fanout_p99_ms', 'scaleout_ratio', 'e2e_peak_rss_mb',
] as const;
export type ResultKey = (typeof ResultKeys)[number];

export interface Figure {
  readonly value: number;
  readonly unit: string;
}

const FigureSchema = z.strictObject({ value: z.number(), unit: z.string() });
const ResultsSchema = z.record(z.string(), FigureSchema);

export const DEFAULT_RESULTS_FILE = 'bench/results.json';

/** Merge `figures` into the results file (created if missing; an unreadable one is replaced, not trusted). */
export function writeResults(figures: Partial<Record<ResultKey, Figure>>, file = DEFAULT_RESULTS_FILE): void {
  let current: Record<string, Figure> = {};
  if (existsSync(file)) {
    let json: unknown;
    try { json = JSON.parse(readFileSync(file, 'utf8')); } catch { json = undefined; }
    const parsed = ResultsSchema.safeParse(json);
    if (parsed.success) current = parsed.data;
  }
  const merged: Record<string, Figure> = { ...current };
  for (const key of ResultKeys) {
    const figure = figures[key];
    if (figure) merged[key] = { value: Number.isFinite(figure.value) ? Number(figure.value.toPrecision(6)) : figure.value, unit: figure.unit };
  }
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
}
