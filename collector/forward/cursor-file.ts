/**
 * The spool's read cursor on disk: `<dir>/cursor.json` = `{ segment, offset }`,
 * the first byte not yet delivered. Replaced atomically (temp file, fsync,
 * rename), so a crash leaves the old cursor or the new one: at worst records
 * are delivered again, never skipped.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../sources/types.js';

const CURSOR_FILE = 'cursor.json';

const CursorSchema = z.strictObject({
  segment: z.number().int().min(1),
  offset: z.number().int().min(0),
});

/** A place in the spool: a byte offset in a segment. */
export type SpoolPosition = z.output<typeof CursorSchema>;

/** The saved cursor, or undefined when there is none or it cannot be read (then said in a warning). */
export async function loadCursor(dir: string, log: Logger): Promise<SpoolPosition | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, CURSOR_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = CursorSchema.safeParse(value);
  if (!parsed.success) {
    log.warn('forward spool: unreadable cursor; delivering the spool from its start again (the remote drops the copies)', { dir });
    return undefined;
  }
  return parsed.data;
}

/** Save the cursor; resolves once it is on disk. */
export async function saveCursor(dir: string, cursor: SpoolPosition): Promise<void> {
  const file = join(dir, CURSOR_FILE);
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(JSON.stringify(cursor));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}
