import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, type Config } from '../config/config.js';

/** The generated certificate lives this long... */
const VALID_DAYS = 365;
/** ...and is replaced when fewer days than this are left, before a browser would refuse it. */
const RENEW_DAYS = 30;
const DAY = 24 * 3600 * 1000;

export interface TlsSetup {
  cert: string;
  key: string;
  /** `files`: HTTPS_CERT/HTTPS_KEY; `generated` now, or `reused` from the data directory. */
  source: 'files' | 'generated' | 'reused';
  /** Where a generated certificate is kept (undefined when DATA_DIR keeps nothing). */
  folder?: string;
  validTo: Date;
  /** This machine's IPv4 addresses not on loopback: what a phone on the LAN opens. */
  lanAddresses: string[];
}

/** Every IPv4 address of this machine (loopback first), for the certificate's names. */
function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((nic) => nic?.family === 'IPv4')
    .sort((a, b) => Number(b!.internal) - Number(a!.internal))
    .map((nic) => nic!.address);
}

/**
 * The certificate for `--https`: HTTPS_CERT/HTTPS_KEY when given, else a self-signed one for
 * localhost and this machine's addresses, kept in `DATA_DIR/tls` and reused until near expiry
 * (or until the machine has an address it does not name), so a phone accepts it once.
 */
export async function loadTls(
  config: Pick<Config, 'https' | 'httpsCert' | 'httpsKey' | 'dataDir'>,
): Promise<TlsSetup | undefined> {
  if (!config.https && !config.httpsCert) return undefined;
  const addresses = localAddresses();
  const lanAddresses = addresses.filter((ip) => !ip.startsWith('127.'));
  if (config.httpsCert || config.httpsKey) {
    if (!config.httpsCert || !config.httpsKey) {
      throw new ConfigError(
        'HTTPS_CERT and HTTPS_KEY must be given together (or neither, for a generated certificate).',
      );
    }
    const cert = await readPem('HTTPS_CERT', config.httpsCert);
    const key = await readPem('HTTPS_KEY', config.httpsKey);
    const validTo = new Date(parseCertificate('HTTPS_CERT', config.httpsCert, cert).validTo);
    try {
      createPrivateKey(key);
    } catch {
      throw new ConfigError(`HTTPS_KEY: "${config.httpsKey}" is not a PEM private key.`);
    }
    return { cert, key, source: 'files', validTo, lanAddresses };
  }

  const folder = config.dataDir.includes('://') ? undefined : resolve(config.dataDir, 'tls');
  const kept = folder ? await readKept(folder, addresses) : undefined;
  if (kept) return { ...kept, source: 'reused', folder, lanAddresses };
  // Loaded only to generate: most starts are plain HTTP or reuse the kept certificate.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'sinyal development' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + VALID_DAYS * DAY),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          ...addresses.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  if (folder) {
    mkdirSync(folder, { recursive: true });
    await writeFile(join(folder, 'key.pem'), pems.private, { mode: 0o600 });
    await writeFile(join(folder, 'cert.pem'), pems.cert);
  }
  const validTo = new Date(new X509Certificate(pems.cert).validTo);
  return { cert: pems.cert, key: pems.private, source: 'generated', folder, validTo, lanAddresses };
}

async function readPem(setting: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(
      `${setting}: cannot read "${path}" (${reason}). Give a PEM file, or leave HTTPS_CERT and HTTPS_KEY unset for a generated certificate.`,
    );
  }
}

function parseCertificate(setting: string, path: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new ConfigError(`${setting}: "${path}" is not a PEM certificate.`);
  }
}

/** The kept certificate, when it is readable, far from expiry and names every address. */
async function readKept(
  folder: string,
  addresses: string[],
): Promise<{ cert: string; key: string; validTo: Date } | undefined> {
  try {
    const [cert, key] = await Promise.all([
      readFile(join(folder, 'cert.pem'), 'utf8'),
      readFile(join(folder, 'key.pem'), 'utf8'),
    ]);
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return undefined;
    if (new Date(x509.validTo).getTime() - Date.now() < RENEW_DAYS * DAY) return undefined;
    const names = x509.subjectAltName ?? '';
    if (!addresses.every((ip) => names.includes(`IP Address:${ip}`))) return undefined;
    return { cert, key, validTo: new Date(x509.validTo) };
  } catch {
    return undefined;
  }
}
