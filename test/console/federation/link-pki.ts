/**
 * A throwaway link PKI made with the openssl command line: a link CA, a
 * parent (server) certificate valid for 127.0.0.1, ::1 and localhost, a child
 * (client) certificate from the same CA, and a child certificate from a
 * stranger CA. Generated per run into a temp dir; nothing is committed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/paths.js';

export interface LinkPki {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Another CA, trusted by nobody here, and a child certificate it issued. */
  readonly strangerCa: string;
  readonly strangerCert: string;
  readonly strangerKey: string;
}

export function haveOpenssl(): boolean {
  return spawnSync('which', ['openssl'], { stdio: 'ignore' }).status === 0;
}

export function makeLinkPki(): LinkPki {
  const dir = tempDir('iisa-link-pki-');
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  writeFileSync(file('ca.cnf'), [
    '[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'CN = iisa test link CA',
    '[v3_ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash',
  ].join('\n'));
  writeFileSync(file('server.ext'), [
    'basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = serverAuth',
    'subjectAltName = IP:127.0.0.1,IP:::1,DNS:localhost',
  ].join('\n'));
  writeFileSync(file('client.ext'), ['basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = clientAuth'].join('\n'));

  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const makeCa = (name: string): void => {
    openssl('req', '-x509', ...ec, '-config', 'ca.cnf', '-extensions', 'v3_ca', '-days', '2', '-keyout', `${name}.key`, '-out', `${name}.crt`);
  };
  const issue = (name: string, cn: string, ca: string, ext: string): void => {
    openssl('req', '-new', ...ec, '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-days', '2', '-extfile', ext, '-out', `${name}.crt`);
  };
  makeCa('ca');
  makeCa('stranger-ca');
  issue('server', 'localhost', 'ca', 'server.ext');
  issue('client', 'js-jinling-motor', 'ca', 'client.ext');
  issue('stranger', 'js-jinling-motor', 'stranger-ca', 'client.ext');
  const read = (name: string): string => readFileSync(file(name), 'utf8');
  return {
    ca: read('ca.crt'), serverCert: read('server.crt'), serverKey: read('server.key'),
    clientCert: read('client.crt'), clientKey: read('client.key'),
    strangerCa: read('stranger-ca.crt'), strangerCert: read('stranger.crt'), strangerKey: read('stranger.key'),
  };
}
