// Certificates for the TLS front of the sandbox's Elasticsearch: a CA made for the run, a server
// certificate it signs for 127.0.0.1 and localhost, and a second, unrelated CA for "wrong CA" tests.
// openssl (Debian's) does the work; nothing is fetched.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsMaterial {
  /** PEM of the CA that signed the server certificate: what `--es-ca-file` takes. */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** PEM of a CA that signed nothing here: a client trusting only it must refuse the server. */
  wrongCaFile: string;
}

export function tlsMaterialIn(dir: string): TlsMaterial {
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key'), wrongCaFile: join(dir, 'wrong-ca.pem') };
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('openssl is not installed; it makes the sandbox\'s TLS certificates (apt-get install openssl)');
    throw new Error(`openssl ${args[0] ?? ''} failed: ${e.stderr?.toString().trim() ?? e.message}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function newCa(dir: string, name: string, subject: string): void {
  openssl(['req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

/** Makes a CA, a server certificate for 127.0.0.1/localhost signed by it, and an unrelated CA, in `dir`. */
export function generateTlsMaterial(dir: string): TlsMaterial {
  mkdirSync(dir, { recursive: true });
  newCa(dir, 'ca', '/O=es-rolling-upgrade sandbox/CN=sandbox CA');
  newCa(dir, 'wrong-ca', '/O=es-rolling-upgrade sandbox/CN=unrelated CA');
  openssl(['req', ...EC_KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/O=es-rolling-upgrade sandbox/CN=localhost'], dir);
  writeFileSync(join(dir, 'server.ext'), [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '30',
    '-extfile', 'server.ext'], dir);
  // Only the server key is needed from here on; no CA key is left to sign anything else.
  for (const file of ['server.csr', 'server.ext', 'ca.srl', 'ca.key', 'wrong-ca.key']) rmSync(join(dir, file), { force: true });
  const material = tlsMaterialIn(dir);
  chmodSync(material.keyFile, 0o600);
  for (const file of [material.caFile, material.certFile, material.keyFile, material.wrongCaFile]) if (!existsSync(file)) throw new Error(`openssl did not write ${file}`);
  return material;
}
