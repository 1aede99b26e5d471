import { describe, expect, it } from 'vitest';
import { TrustedProxies } from '../../../src/http/client-address.ts';

describe('the client address', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(new TrustedProxies([]).clientOf('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it("ignores an untrusted peer's X-Forwarded-For", () => {
    expect(proxies.clientOf('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it('takes the address a trusted proxy appended', () => {
    expect(proxies.clientOf('10.1.2.3', '198.51.100.1')).toBe('198.51.100.1');
    expect(proxies.clientOf('192.0.2.7', '198.51.100.1')).toBe('198.51.100.1');
    expect(proxies.clientOf('fd00::1', '2001:db8::5')).toBe('2001:db8::5');
  });

  it('walks back over trusted proxies only: an address the client wrote itself is not believed', () => {
    // The client sent "X-Forwarded-For: 1.1.1.1"; our proxies appended the real address and each other's.
    expect(proxies.clientOf('10.0.0.1', '1.1.1.1, 198.51.100.1, 10.0.0.2')).toBe('198.51.100.1');
  });

  it('takes the left-most entry when every hop is a trusted proxy, and stops at garbage', () => {
    expect(proxies.clientOf('10.0.0.1', '10.0.0.3, 10.0.0.2')).toBe('10.0.0.3');
    expect(proxies.clientOf('10.0.0.1', 'unknown, 10.0.0.2')).toBe('10.0.0.2');
  });

  it('reads an IPv4 peer on a dual-stack socket as IPv4', () => {
    expect(proxies.clientOf('::ffff:10.0.0.1', '198.51.100.1')).toBe('198.51.100.1');
    expect(new TrustedProxies([]).clientOf('::ffff:203.0.113.9', undefined)).toBe('203.0.113.9');
  });

  it('refuses an entry that is neither an address nor a CIDR range', () => {
    expect(() => new TrustedProxies(['10.0.0.0/33'])).toThrow(/10.0.0.0\/33/);
    expect(() => new TrustedProxies(['proxy.internal'])).toThrow(/proxy.internal/);
  });
});
