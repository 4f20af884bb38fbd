/**
 * Certificates for the TLS listener tests, as files (the listeners read PEM
 * files named in their config): the throwaway link PKI of
 * ../console/federation/link-pki.ts, written into a temp dir. Needs the
 * openssl command; `requireOpenssl` skips a suite, saying why, without it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveOpenssl, makeLinkPki, type LinkPki } from '../console/federation/link-pki.js';
import { tempDir } from './paths.js';

export interface ListenerPki extends LinkPki {
  readonly dir: string;
  /** The same PEM texts as files, by name. */
  readonly files: { readonly ca: string; readonly serverCert: string; readonly serverKey: string };
}

export function makeListenerPki(): ListenerPki {
  const pki = makeLinkPki();
  const dir = tempDir('iisa-listener-pki-');
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return {
    ...pki, dir,
    files: { ca: write('ca.pem', pki.ca), serverCert: write('server.pem', pki.serverCert), serverKey: write('server.key', pki.serverKey) },
  };
}

/** For a `before` hook: skip the suite, with the reason, when openssl is missing. */
export function requireOpenssl(ctx: Mocha.Context): void {
  if (haveOpenssl()) return;
  console.warn('    skipped: the openssl command is needed to make test certificates');
  ctx.skip();
}
