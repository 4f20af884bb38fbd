/**
 * Debian's Chromium for the browser suites, driven by playwright-core (which
 * downloads no browser of its own). Without it a suite is skipped with the
 * reason, unless IISA_REQUIRE_ENGINES=1 (CI, where .ci/run installs it)
 * makes that a failure. IISA_CHROMIUM names another binary.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../../helpers/paths.js';

export const chromiumPath = process.env.IISA_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go for review (git ignores the folder). */
export const artifactsDir = join(repoRoot, 'test', 'artifacts');

/** Skip the suite (or fail it in CI) when there is no Chromium. Call first in a `before` hook. */
export function requireChromium(ctx: Mocha.Context): void {
  if (existsSync(chromiumPath)) return;
  const why = `needs Chromium at ${chromiumPath} (apt-get install chromium, or set IISA_CHROMIUM)`;
  if (process.env.IISA_REQUIRE_ENGINES === '1') throw new Error(`${why}; IISA_REQUIRE_ENGINES=1 makes that a failure`);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** A full-page screenshot under test/artifacts/<name>.png; resolves to its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
