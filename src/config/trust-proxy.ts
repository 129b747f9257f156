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
