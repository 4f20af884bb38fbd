/**
 * Paths tests use. Mocha runs from the repository root; shared corpora sit
 * beside the checkout (`../shared`), in a session and in CI alike.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = process.cwd();
export const sharedDir = resolve(repoRoot, '..', 'shared');
export const corporaDir = join(sharedDir, 'corpora');

export function corpusPath(...parts: string[]): string {
  const path = join(corporaDir, ...parts);
  if (!existsSync(path)) throw new Error(`test corpus missing: ${path} (expected ../shared/corpora beside the checkout)`);
  return path;
}

/** A fresh temporary directory for one test. */
export function tempDir(prefix = 'iisa-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
