/**
 * Serves the web console on the console listener: GET / (the page) and
 * GET /assets/<file> (the bundle ./build.ts wrote). Anything else passes on
 * to the API's routes and its 404.
 *
 * Every answer carries a Content-Security-Policy that allows the page's own
 * origin only: scripts and styles from files (no inline code, no eval), API
 * calls and the /ws socket to the same host, no framing. The page is
 * revalidated on every load (`no-cache` with an ETag), so a new build is
 * picked up at once; assets are named by content hash and cached for good.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AssetsFolder, webPublicDir } from './paths.js';

export const ContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SecurityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': ContentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const ContentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** esbuild's `[name]-[hash]`: the name changes whenever the content does. */
const HASHED = /-[A-Z0-9]{8}\.(js|css)(\.map)?$/;
/** One path segment of plain characters: nothing that could climb out of the folder. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const CacheControl = {
  page: 'no-cache',
  hashed: 'public, max-age=31536000, immutable',
  other: 'public, max-age=3600',
} as const;

interface Loaded {
  readonly body: Buffer;
  readonly etag: string;
  readonly mtimeMs: number;
}

export interface WebConsoleOptions {
  /** The built console (index.html and assets/); default `public/` beside this file. */
  readonly dir?: string;
}

export function webConsoleHandler(options: WebConsoleOptions = {}): RequestHandler {
  const dir = options.dir ?? webPublicDir;
  const cache = new Map<string, Loaded>();

  /** The file, read once and kept while its modification time stays (a rebuild replaces index.html). */
  async function load(path: string): Promise<Loaded | undefined> {
    let mtimeMs: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      mtimeMs = info.mtimeMs;
    } catch {
      return undefined;
    }
    const kept = cache.get(path);
    if (kept && kept.mtimeMs === mtimeMs) return kept;
    const body = await readFile(path);
    const loaded = { body, mtimeMs, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    cache.set(path, loaded);
    return loaded;
  }

  function send(req: Request, res: Response, file: Loaded, type: string, cacheControl: string): void {
    res.set({ ...SecurityHeaders, 'Content-Type': type, 'Cache-Control': cacheControl, ETag: file.etag });
    if (req.headers['if-none-match'] === file.etag) {
      res.status(304).end();
      return;
    }
    res.status(200).send(file.body);
  }

  function refuse(res: Response, status: number, text: string): void {
    res.set({ ...SecurityHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).status(status).send(text);
  }

  async function serve(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const path = req.path;
    if (path === '/' || path === '/index.html') {
      const page = await load(join(dir, 'index.html'));
      if (!page) return refuse(res, 503, 'The web console is not built on this node: run `npm run build` (the API under /api/v1 works without it).\n');
      return send(req, res, page, ContentTypes['.html'], CacheControl.page);
    }
    const prefix = `/${AssetsFolder}/`;
    if (!path.startsWith(prefix)) return next();
    const name = path.slice(prefix.length);
    const type = ContentTypes[extname(name)];
    const file = ASSET_NAME.test(name) && type ? await load(join(dir, AssetsFolder, name)) : undefined;
    if (!file) return refuse(res, 404, `no asset ${name}\n`);
    send(req, res, file, type, HASHED.test(name) ? CacheControl.hashed : CacheControl.other);
  }

  return (req, res, next) => {
    serve(req, res, next).catch(next);
  };
}
