/**
 * Bundles the web console with esbuild: src/main.ts (and d3, tree-shaken)
 * into one ES module, styles.css into one stylesheet, both named by content
 * hash so a browser may cache them for good; index.html is written last,
 * naming the new files, and assets of earlier builds are removed after it.
 *
 *   node dist/console/web/build.js [--out DIR] [--no-minify]
 *
 * `npm run build` runs it after tsc; by default it writes `public/` beside
 * the compiled file, where the static handler (./static.ts) serves from.
 * The browser code is type-checked by `tsc -p console/web/src` (esbuild
 * strips types without checking them).
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AssetsFolder, webPublicDir } from './paths.js';

export interface WebBuildOptions {
  /** Default: `public/` beside this file. */
  readonly outDir?: string;
  /** Default true. */
  readonly minify?: boolean;
}

export interface WebBuildResult {
  readonly outDir: string;
  /** Paths relative to outDir. */
  readonly files: readonly string[];
  readonly script: string;
  readonly stylesheet: string;
}

/** console/web in the source tree: found upwards from this file (compiled under dist*, or run from the checkout). */
export function webSourceDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'console', 'web');
    if (existsSync(join(candidate, 'src', 'main.ts'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`console/web/src/main.ts not found above ${from}`);
  }
}

export async function buildWebConsole(options: WebBuildOptions = {}): Promise<WebBuildResult> {
  const source = webSourceDir();
  const outDir = resolve(options.outDir ?? webPublicDir);
  const assets = join(outDir, AssetsFolder);
  mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: { app: join(source, 'src', 'main.ts'), styles: join(source, 'styles.css') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: options.minify ?? true,
    sourcemap: 'linked',
    outdir: assets,
    entryNames: '[name]-[hash]',
    metafile: true,
    tsconfig: join(source, 'src', 'tsconfig.json'),
    logLevel: 'silent',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const outputOf = (entry: string) => {
    const found = outputs.find(([, o]) => o.entryPoint !== undefined && resolve(o.entryPoint) === resolve(entry));
    if (!found) throw new Error(`esbuild wrote no output for ${entry}`);
    return basename(found[0]);
  };
  const script = outputOf(join(source, 'src', 'main.ts'));
  const stylesheet = outputOf(join(source, 'styles.css'));
  copyFileSync(join(source, 'favicon.svg'), join(assets, 'favicon.svg'));

  const html = readFileSync(join(source, 'index.html'), 'utf8').replace('{{app.js}}', script).replace('{{app.css}}', stylesheet);
  if (html.includes('{{')) throw new Error('index.html names an asset the build does not make');
  // Renamed into place: a request in between gets the old page or the new, never half of one.
  const index = join(outDir, 'index.html');
  writeFileSync(`${index}.tmp`, html);
  renameSync(`${index}.tmp`, index);

  const kept = new Set(['favicon.svg', ...outputs.map(([path]) => basename(path))]);
  for (const name of readdirSync(assets)) if (!kept.has(name)) rmSync(join(assets, name), { force: true });
  return { outDir, files: ['index.html', ...[...kept].map((n) => `${AssetsFolder}/${n}`)], script, stylesheet };
}

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const outDir = argValue(args, '--out');
  buildWebConsole({ ...(outDir ? { outDir } : {}), minify: !args.includes('--no-minify') })
    .then((r) => process.stdout.write(`web console: ${r.files.length} files in ${r.outDir}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`web console build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
