/**
 * What a benchmark reads about processes and the machine from /proc (Linux):
 * the CPU they used.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** User + system CPU seconds of a live process; 0 when it is gone or /proc cannot tell. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat; the split above starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds of every live process of process group `pgid` (an engine started with setsid: its launcher and its JVM). */
export function groupCpuSeconds(pgid: number): number {
  let seconds = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      // pgrp is field 5 of stat, utime and stime 14 and 15; the split starts at field 3.
      if (Number(fields[2]) === pgid) seconds += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // Gone since the listing.
    }
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
