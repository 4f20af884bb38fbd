/**
 * Where the built web console lives: `public/` beside the compiled handler
 * (dist/console/web/public, or dist-<name>/console/web/public for a build
 * into another folder), so the handler and the bundler agree without
 * configuration and a checkout serves what it built.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const webPublicDir = join(dirname(fileURLToPath(import.meta.url)), 'public');

/** Bundled files are served from here, under /assets/. */
export const AssetsFolder = 'assets';
