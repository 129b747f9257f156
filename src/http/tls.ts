import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { generate } from 'selfsigned';
import type { Config } from '../config/config.js';

export interface TlsFiles {
  cert: string;
  key: string;
}

/** Every IPv4 address of this machine, so a phone on the LAN can open https://192.168.x.y. */
function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((nic) => nic?.family === 'IPv4')
    .map((nic) => nic!.address);
}

/**
 * The certificate for `--https`: HTTPS_CERT/HTTPS_KEY when given, else a fresh self-signed one
 * valid for localhost and this machine's addresses (browsers warn once; getUserMedia then works).
 */
export async function loadTls(
  config: Pick<Config, 'https' | 'httpsCert' | 'httpsKey'>,
  logger: Logger,
): Promise<TlsFiles | undefined> {
  if (!config.https && !config.httpsCert) return undefined;
  if (config.httpsCert || config.httpsKey) {
    if (!config.httpsCert || !config.httpsKey) {
      throw new Error('HTTPS_CERT and HTTPS_KEY must be given together');
    }
    const [cert, key] = await Promise.all([
      readFile(config.httpsCert, 'utf8'),
      readFile(config.httpsKey, 'utf8'),
    ]);
    return { cert, key };
  }
  const addresses = localAddresses();
  const pems = await generate([{ name: 'commonName', value: 'sinyal development' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
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
  logger.warn(
    { addresses },
    'HTTPS with a generated self-signed certificate: accept the browser warning once per device',
  );
  return { cert: pems.cert, key: pems.private };
}
