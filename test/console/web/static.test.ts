/**
 * The web console's bundle and its static handler: the build writes a page
 * that names content-hashed assets; the handler serves them with the right
 * types, caching and a self-only Content-Security-Policy, refuses anything
 * outside its folder, and leaves every other path to the API (also when
 * mounted in the real console server).
 */
import { expect } from 'chai';
import express from 'express';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { join } from 'node:path';
import { OrgRegistry } from '../../../core/orgs.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { JsonLogger } from '../../../core/telemetry.js';
import { ApiTokens } from '../../../console/api-tokens.js';
import { ConsoleServer } from '../../../console/server.js';
import { buildWebConsole, type WebBuildResult } from '../../../console/web/build.js';
import { webPublicDir } from '../../../console/web/paths.js';
import { CacheControl, ContentSecurityPolicy, webConsoleHandler } from '../../../console/web/static.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';

async function listen(app: express.Express, host: string): Promise<{ server: Server; base: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, host, () => {
      const address = server.address();
      if (!address || typeof address === 'string') return reject(new Error('no address'));
      resolve({ server, base: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}` });
    });
    server.once('error', reject);
  });
}

/** GET with the path exactly as given. */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

function close(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

describe('web console bundle and static handler', function () {
  this.timeout(60_000);
  let built: WebBuildResult;
  let server: Server;
  let base: string;

  before(async () => {
    built = await buildWebConsole({ outDir: tempDir('iisa-web-') });
    const app = express();
    app.use(webConsoleHandler({ dir: built.outDir }));
    app.use((_req, res) => { res.status(404).json({ passedOn: true }); });
    // IPv6 loopback: the handler knows nothing of addresses, the listener is dual-stack in production.
    ({ server, base } = await listen(app, '::1'));
  });

  after(() => close(server));

  describe('buildWebConsole', () => {
    it('writes a page that names the hashed script and stylesheet it bundled', () => {
      const html = readFileSync(join(built.outDir, 'index.html'), 'utf8');
      expect(built.script).to.match(/^app-[A-Z0-9]{8}\.js$/);
      expect(built.stylesheet).to.match(/^styles-[A-Z0-9]{8}\.css$/);
      expect(html).to.include(`src="/assets/${built.script}"`).and.include(`href="/assets/${built.stylesheet}"`);
      expect(html).to.not.match(/<script>|<style>|\son\w+=/i, 'no inline script, style or handler (the CSP forbids them)');
      for (const file of built.files) expect(existsSync(join(built.outDir, file)), file).to.equal(true);
    });

    it('bundles d3 and the pages into the script, with no import left for the browser to resolve', () => {
      const script = readFileSync(join(built.outDir, 'assets', built.script), 'utf8');
      expect(script).to.not.match(/\bfrom\s*["'](d3|\.\.?\/)/);
      expect(script).to.include('/ws').and.include('x-iisa-csrf');
    });

    it('removes the assets of an earlier build', async () => {
      const stale = join(built.outDir, 'assets', 'app-OLDBUILD.js');
      writeFileSync(stale, 'old');
      built = await buildWebConsole({ outDir: built.outDir });
      expect(readdirSync(join(built.outDir, 'assets'))).to.not.include('app-OLDBUILD.js');
    });
  });

  describe('webConsoleHandler', () => {
    it('serves the page as HTML, revalidated on every load, under a self-only CSP', async () => {
      const res = await fetch(`${base}/`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).to.equal(CacheControl.page);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).to.equal(ContentSecurityPolicy);
      expect(csp).to.include("script-src 'self'").and.include("connect-src 'self'").and.include("frame-ancestors 'none'");
      expect(csp).to.not.include('unsafe-inline').and.not.include('unsafe-eval');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(await res.text()).to.include('<div id="app">');
    });

    it('answers 304 to a revalidation with the same ETag', async () => {
      const first = await fetch(`${base}/`);
      const etag = first.headers.get('etag');
      expect(etag).to.be.a('string');
      const again = await fetch(`${base}/`, { headers: { 'if-none-match': etag! } });
      expect(again.status).to.equal(304);
    });

    it('serves hashed assets with their content type, cached for good', async () => {
      const js = await fetch(`${base}/assets/${built.script}`);
      expect(js.status).to.equal(200);
      expect(js.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
      expect(js.headers.get('cache-control')).to.equal(CacheControl.hashed);
      const css = await fetch(`${base}/assets/${built.stylesheet}`);
      expect(css.headers.get('content-type')).to.equal('text/css; charset=utf-8');
      expect(css.headers.get('cache-control')).to.equal(CacheControl.hashed);
      const map = await fetch(`${base}/assets/${built.script}.map`);
      expect(map.headers.get('content-type')).to.equal('application/json; charset=utf-8');
      const icon = await fetch(`${base}/assets/favicon.svg`);
      expect(icon.headers.get('content-type')).to.equal('image/svg+xml');
      expect(icon.headers.get('cache-control')).to.equal(CacheControl.other);
    });

    it('answers HEAD like GET, without a body', async () => {
      const res = await fetch(`${base}/assets/${built.script}`, { method: 'HEAD' });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
      expect(await res.text()).to.equal('');
    });

    it('refuses unknown assets and anything that would leave the folder', async () => {
      // Sent byte for byte (fetch would normalise the dots away before they reach the server).
      for (const path of ['/assets/nope.js', '/assets/..%2Findex.html', '/assets/%2e%2e/index.html', '/assets/../index.html', '/assets/.hidden.js', '/assets/index.html', '/assets/sub/x.js']) {
        const res = await rawGet(base, path);
        expect(res.status, path).to.equal(404);
        expect(res.body, path).to.not.include('<div id="app">');
      }
    });

    it('leaves other paths and methods to the routes after it', async () => {
      for (const [method, path] of [['GET', '/api/v1/alerts'], ['POST', '/'], ['GET', '/ws'], ['GET', '/favicon.ico']] as const) {
        const res = await fetch(`${base}${path}`, { method });
        expect(res.status, `${method} ${path}`).to.equal(404);
        expect(await res.json(), `${method} ${path}`).to.deep.equal({ passedOn: true });
      }
    });

    it('says how to build it when the bundle is missing', async () => {
      const app = express();
      app.use(webConsoleHandler({ dir: tempDir('iisa-web-empty-') }));
      const empty = await listen(app, '127.0.0.1');
      try {
        const res = await fetch(`${empty.base}/`);
        expect(res.status).to.equal(503);
        expect(await res.text()).to.match(/npm run build/);
      } finally {
        await close(empty.server);
      }
    });
  });

  describe('in the console server', () => {
    let store: SqliteStore;
    let consoleServer: ConsoleServer;

    before(async () => {
      // The server serves the bundle beside its compiled handler: `npm run build` writes it; a bare tsc build may not have.
      if (!existsSync(join(webPublicDir, 'index.html'))) await buildWebConsole();
      const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
      store = SqliteStore.open({ path: join(tempDir('iisa-web-console-'), 'iisa.db') });
      const tokens = new ApiTokens([{ id: 'jinling', org: 'js-jinling-motor', token: 'api-token-web-jinling-0000000' }], registry);
      consoleServer = new ConsoleServer({ host: '::', port: 0 }, { store, registry, tokens, log: new JsonLogger('silent') });
      await consoleServer.start();
    });

    after(async () => {
      await consoleServer.stop();
      await store.close();
    });

    it('serves the page at / on both address families and keeps the API\'s JSON 404 for the rest', async () => {
      const port = consoleServer.address()!.port;
      for (const host of ['127.0.0.1', '[::1]']) {
        const page = await fetch(`http://${host}:${port}/`);
        expect(page.status, host).to.equal(200);
        expect(page.headers.get('content-security-policy'), host).to.equal(ContentSecurityPolicy);
        const missing = await fetch(`http://${host}:${port}/api/v1/no-such-route`, { headers: { authorization: 'Bearer api-token-web-jinling-0000000' } });
        expect(missing.status, host).to.equal(404);
        expect((await missing.json() as { error: string }).error, host).to.equal('not-found');
      }
    });
  });
});
