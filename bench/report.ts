import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/**
 * BENCHMARKS.md is shared by every benchmark: each owns one `## ` section
 * and replaces only that, so figures of other benchmarks stay.
 */
export function replaceSection(document: string, heading: string, body: string): string {
  const marker = `## ${heading}`;
  const section = `${marker}\n\n${body.trim()}\n`;
  const start = document.indexOf(marker);
  if (start === -1) return `${document.trimEnd()}\n\n${section}`;
  const nextHeading = document.indexOf('\n## ', start + marker.length);
  const end = nextHeading === -1 ? document.length : nextHeading + 1;
  return `${document.slice(0, start)}${section}${end < document.length ? '\n' + document.slice(end) : ''}`;
}

/** The machine a benchmark ran on, as every section states it: cores, CPU, memory, Node, commit, date. */
export function machine(): string {
  const cpu = cpus();
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  return `${cpu.length} cores (${cpu[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, commit ${commit}, ${new Date().toISOString().slice(0, 10)}`;
}

/** Replace (or add) one section of the benchmarks file `file`, creating the file if need be. */
export function writeSection(file: string, heading: string, body: string): void {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nFigures written by `npm run bench`; each section is replaced by its benchmark.\n';
  writeFileSync(file, replaceSection(before, heading, body));
}
