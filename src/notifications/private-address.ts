// Addresses `--notify-deny-private` refuses: loopback, private (RFC 1918, RFC 4193), link-local,
// shared (RFC 6598), unspecified, and IPv4 mapped into IPv6. Checked on the address a delivery
// connects to, after DNS, so a name that resolves to 127.0.0.1 (rebinding) is refused too.
import { BlockList, isIP } from 'node:net';

function privateList(): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

const mappedV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export function isPrivateAddress(address: string, list: BlockList = privateList()): boolean {
  const mapped = mappedV4.exec(address)?.[1];
  if (mapped !== undefined) return list.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export { privateList };
