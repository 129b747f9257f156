import { BlockList, isIP } from 'node:net';

/**
 * Which proxies may name the client in `X-Forwarded-For`: the last `hops` entries of the chain
 * (a fixed number of proxies in front), or any hop whose address is in `proxies`.
 */
export type TrustProxy = { hops: number } | { proxies: BlockList; list: string[] };

/** `TRUST_PROXY` as written: a hop count (`1`) or a comma list of addresses and CIDRs. */
export function parseTrustProxy(text: string): TrustProxy | string {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const hops = Number(trimmed);
    return hops >= 1 && hops <= 32 ? { hops } : 'a hop count must be between 1 and 32';
  }
  const proxies = new BlockList();
  const list = trimmed
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of list) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (!family) return `"${entry}" is not an address, CIDR or hop count`;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) {
      proxies.addAddress(address, type);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d+$/.test(bits) || prefix > (family === 6 ? 128 : 32)) {
      return `"${entry}" has a bad prefix length`;
    }
    proxies.addSubnet(address, prefix, type);
  }
  return list.length ? { proxies, list } : 'expects a hop count or a list of addresses/CIDRs';
}

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
