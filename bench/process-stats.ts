/**
 * What a benchmark reads about a process from /proc (Linux): the CPU it used.
 */
import { readFileSync } from 'node:fs';

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
