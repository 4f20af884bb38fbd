/**
 * What a benchmark reads about processes and the machine from /proc (Linux):
 * the CPU they used.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Fields 3.. of /proc/<pid>/stat (after the command name, which may hold spaces); undefined when the process is gone. */
function statFields(pid: number | string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (fields 14 and 15 of stat), in seconds. */
const cpuOf = (fields: readonly string[]): number => (Number(fields[11]) + Number(fields[12])) / 100;

/** User + system CPU seconds of a live process; 0 when it is gone or /proc cannot tell. */
export function processCpuSeconds(pid: number | undefined): number {
  const fields = pid === undefined ? undefined : statFields(pid);
  return fields ? cpuOf(fields) : 0;
}

/** User + system CPU seconds of every live process of process group `pgid` (an engine started with setsid: its launcher and its JVM). */
export function groupCpuSeconds(pgid: number): number {
  let seconds = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    // pgrp is field 5 of stat.
    if (fields && Number(fields[2]) === pgid) seconds += cpuOf(fields);
  }
  return seconds;
}

/** CPU seconds of the whole machine, all cores together: busy (not idle, not waiting for IO) and in all, from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  // user nice system idle iowait irq softirq steal
  const total = ticks.reduce((sum, t) => sum + t, 0);
  return { busy: (total - ticks[3] - ticks[4]) / 100, total: total / 100 };
}
