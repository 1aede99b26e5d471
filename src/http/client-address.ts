import { BlockList, isIP } from 'node:net';

/**
 * Which peers may tell us the client's address in `X-Forwarded-For`: the
 * load balancers and proxies in front of the server, as addresses or CIDR
 * ranges (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`). Anyone else could write
 * any address there, so from them the header is ignored.
 */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  /** Throws a message naming the first entry that is neither an address nor a CIDR range. */
  constructor(entries: readonly string[]) {
    this.#empty = entries.length === 0;
    for (const entry of entries) {
      const [address = '', bits, extra] = entry.split('/');
      const family = isIP(address);
      const prefix = Number(bits);
      const max = family === 4 ? 32 : 128;
      if (
        family === 0 ||
        extra !== undefined ||
        (bits !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max))
      )
        throw new Error(`${entry} is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.#list.addAddress(address, type);
      else this.#list.addSubnet(address, prefix, type);
    }
  }

  trusts(address: string): boolean {
    if (this.#empty) return false;
    const family = isIP(address);
    return family !== 0 && this.#list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client's address: the peer's own, unless the peer is a trusted
   * proxy; then the right-most `X-Forwarded-For` entry that is not a trusted
   * proxy (each proxy appends the address it received from), or the
   * left-most if every one is. Entries that are not IP addresses end the walk.
   */
  clientOf(peer: string | undefined, forwardedFor: string | undefined): string | undefined {
    let client = peer === undefined ? undefined : plain(peer);
    if (client === undefined || forwardedFor === undefined || !this.trusts(client)) return client;
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plain(hops[i]!.trim());
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.trusts(hop)) break;
    }
    return client;
  }
}

/** `::ffff:192.0.2.1` (an IPv4 peer on a dual-stack socket) as `192.0.2.1`. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
