import { isIP, type BlockList } from 'node:net';
import type { TrustProxy } from '../config/trust-proxy.js';

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) as `10.0.0.1`. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function trusted(address: string, trust: { proxies: BlockList }): boolean {
  const family = isIP(address);
  return family !== 0 && trust.proxies.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address. Without `trust`, the socket's peer: a client can write any
 * `X-Forwarded-For` it likes. With it, the chain is read from the right (the nearest proxy
 * first) and the first hop not vouched for is the client.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: TrustProxy | undefined,
): string | undefined {
  const direct = socketAddress ? plain(socketAddress) : undefined;
  if (!trust || !direct || forwardedFor === undefined) return direct;
  const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((hop) => plain(hop.trim()))
    .filter((hop) => isIP(hop) !== 0);
  if ('hops' in trust) {
    // The socket peer is the last proxy; each trusted hop before it appended one address.
    return chain[chain.length - trust.hops] ?? chain[0] ?? direct;
  }
  if (!trusted(direct, trust)) return direct;
  let client = direct;
  for (let i = chain.length - 1; i >= 0; i--) {
    client = chain[i]!;
    if (!trusted(client, trust)) break;
  }
  return client;
}
