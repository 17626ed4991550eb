import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_IP, refusedAddress } from '../../src/authz/client-address.ts';
import { AppError } from '../../src/shared/errors.ts';
import {
  MAX_NETWORKS,
  NetworkMatcher,
  packNetworks,
  parseAddress,
  parseNetwork,
  unpackNetworks,
  validateNetworks,
} from '../../src/shared/networks.ts';

const v4Arb = fc.ipV4();
const v6Arb = fc.ipV6();

/** A canonical network: an address with its host bits cleared by the reference (BlockList does not need that). */
const networkArb = fc.oneof(
  fc
    .tuple(v4Arb, fc.integer({ min: 0, max: 32 }))
    .map(([a, p]) => ({ address: a, prefix: p, family: 'ipv4' as const })),
  fc
    .tuple(v6Arb, fc.integer({ min: 0, max: 128 }))
    .map(([a, p]) => ({ address: a, prefix: p, family: 'ipv6' as const })),
);

/** Canonical form through our own parser: the suggestion a host-bits refusal names. */
function canonical(address: string, prefix: number): string {
  const parsed = parseNetwork(`${address}/${prefix}`);
  if (parsed.ok) return parsed.canonical;
  if (parsed.problem !== 'host_bits' || parsed.suggestion === undefined) throw new Error(`${address}/${prefix}`);
  return parsed.suggestion;
}

describe('allowed networks: parsing', () => {
  it('stores canonical forms; a bare address is /32 or /128', () => {
    expect(
      validateNetworks(['203.0.113.7', ' 203.0.113.0/24 ', '', '2001:DB8:0:0::/32', '::1', '2001:db8::1']),
    ).toEqual(['203.0.113.7/32', '203.0.113.0/24', '2001:db8::/32', '::1/128', '2001:db8::1/128']);
    expect(validateNetworks(['10.0.0.0/8', '10.0.0.0/8'])).toEqual(['10.0.0.0/8']);
    expect(validateNetworks(['0.0.0.0/0', '::/0'])).toEqual(['0.0.0.0/0', '::/0']);
    expect(validateNetworks(['2001:db8:0:1:0:0:0:0/64'])).toEqual(['2001:db8:0:1::/64']);
    expect(validateNetworks(['::ffff:192.0.2.1'])).toEqual(['::ffff:c000:201/128']);
  });

  it('refuses host bits set, naming the line and the network meant', () => {
    const error = (() => {
      try {
        validateNetworks(['192.0.2.0/24', '10.1.2.3/8']);
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error?.code).toBe('NETWORK_INVALID');
    expect(error?.facts).toMatchObject({
      line: 2,
      entry: '10.1.2.3/8',
      problem: 'host_bits',
      suggestion: '10.0.0.0/8',
    });
    expect(error?.message).toBe(
      'Line 2, "10.1.2.3/8": it has host bits set after the prefix: did you mean 10.0.0.0/8?',
    );
  });

  it.each([
    ['example.com', 'not_an_address'],
    ['10.0.0.256', 'not_an_address'],
    ['10.0.0', 'not_an_address'],
    ['010.0.0.1', 'not_an_address'],
    ['10.0.0.0/33', 'bad_prefix'],
    ['10.0.0.0/', 'bad_prefix'],
    ['10.0.0.0/-1', 'bad_prefix'],
    ['2001:db8::/129', 'bad_prefix'],
    ['fe80::1%eth0', 'zone'],
    ['2001:db8::1/64', 'host_bits'],
  ])('refuses %s (%s)', (entry, problem) => {
    expect(() => validateNetworks([entry])).toThrow(
      expect.objectContaining({ code: 'NETWORK_INVALID', facts: expect.objectContaining({ problem, entry, line: 1 }) }),
    );
  });

  it(`takes at most ${MAX_NETWORKS}`, () => {
    const many = Array.from({ length: MAX_NETWORKS + 1 }, (_, i) => `10.0.${i}.0/24`);
    expect(validateNetworks(many.slice(0, MAX_NETWORKS))).toHaveLength(MAX_NETWORKS);
    expect(() => validateNetworks(many)).toThrow(
      expect.objectContaining({ facts: expect.objectContaining({ problem: 'too_many' }) }),
    );
  });

  it('reads an address like node:net does (family), for any string near one', () => {
    const words = new Uint32Array(4);
    const nearArb = fc.oneof(
      v4Arb,
      v6Arb,
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.'), maxLength: 45 }),
      fc.tuple(v6Arb, fc.constantFrom(':', '::', ':1', '.1', 'g')).map(([a, s]) => a + s),
    );
    fc.assert(
      fc.property(nearArb, (text) => {
        const family = parseAddress(text, 0, text.length, words);
        const expected = isIP(text);
        // An IPv4-mapped IPv6 address is read as the IPv4 address; a leading zero in a dotted part is refused.
        if (expected === 6 && family === 4) {
          const parsed = parseNetwork(text);
          expect(parsed.ok && parsed.canonical.startsWith('::ffff:')).toBe(true);
          return;
        }
        expect(family).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('allowed networks: packed for dialog state', () => {
  it('unpack to the same canonical networks in the same order', () => {
    fc.assert(
      fc.property(fc.array(networkArb, { maxLength: MAX_NETWORKS }), (networks) => {
        const list = networks.map((n) => canonical(n.address, n.prefix));
        expect(unpackNetworks(packNetworks(list))).toEqual(list);
      }),
    );
  });

  it('refuse a truncated or out-of-range packing instead of guessing', () => {
    const packed = Buffer.from(packNetworks(['2001:db8::/32']), 'base64url');
    expect(() => unpackNetworks(packed.subarray(0, 3).toString('base64url'))).toThrow('malformed');
    expect(() => unpackNetworks(Buffer.from([200]).toString('base64url'))).toThrow('malformed');
  });
});

describe('allowed networks: matching', () => {
  it('agrees with net.BlockList for any networks and addresses', () => {
    fc.assert(
      fc.property(
        fc.array(networkArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.oneof(v4Arb, v6Arb), { maxLength: 10 }),
        (networks, addresses) => {
          const list = networks.map((n) => canonical(n.address, n.prefix));
          const matcher = new NetworkMatcher(list);
          // One reference per family: BlockList checks an IPv4 address against IPv6 rules too (as ::ffff:a.b.c.d), while
          // an allowed IPv6 network never admits an IPv4 client here (::/0 is not "everything").
          const reference = { ipv4: new BlockList(), ipv6: new BlockList() };
          for (const n of networks) reference[n.family].addSubnet(n.address, n.prefix, n.family);
          // Addresses inside the networks as well as random ones.
          for (const address of [...addresses, ...networks.map((n) => n.address)]) {
            const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
            const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
            if (mapped !== null) continue; // read as IPv4 by design; covered below
            expect(matcher.containsAddress(address)).toBe(reference[family].check(address, family));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('matches edges of IPv4 and IPv6 networks', () => {
    const m = new NetworkMatcher(['203.0.113.0/24', '10.0.0.0/8', '2001:db8:abcd::/48', '198.51.100.7/32']);
    expect(m.containsAddress('203.0.113.0')).toBe(true);
    expect(m.containsAddress('203.0.113.255')).toBe(true);
    expect(m.containsAddress('203.0.114.0')).toBe(false);
    expect(m.containsAddress('10.255.255.255')).toBe(true);
    expect(m.containsAddress('11.0.0.0')).toBe(false);
    expect(m.containsAddress('198.51.100.7')).toBe(true);
    expect(m.containsAddress('198.51.100.8')).toBe(false);
    expect(m.containsAddress('::ffff:198.51.100.7')).toBe(true);
    expect(m.containsAddress('2001:db8:abcd:ffff:ffff:ffff:ffff:ffff')).toBe(true);
    expect(m.containsAddress('2001:db8:abce::')).toBe(false);
    expect(new NetworkMatcher(['0.0.0.0/0']).containsAddress('255.255.255.255')).toBe(true);
    expect(new NetworkMatcher(['::/0']).containsAddress('ffff::1')).toBe(true);
    expect(new NetworkMatcher(['::/0']).containsAddress('192.0.2.1')).toBe(false);
  });
});

describe('the client address a request is judged by', () => {
  const m = new NetworkMatcher(['203.0.113.0/24', '2001:db8::/32']);
  const xff = (value: string | undefined, extra: Record<string, string> = {}) => ({
    ...(value === undefined ? {} : { 'x-forwarded-for': value }),
    ...extra,
  });

  it('is the rightmost X-Forwarded-For entry by default: entries a client put to its left prove nothing', () => {
    expect(refusedAddress(xff('203.0.113.9'), DEFAULT_CLIENT_IP, m)).toBeNull();
    expect(refusedAddress(xff('198.51.100.1, 203.0.113.9'), DEFAULT_CLIENT_IP, m)).toBeNull();
    expect(refusedAddress(xff('203.0.113.9, 198.51.100.1'), DEFAULT_CLIENT_IP, m)).toBe('198.51.100.1');
    expect(refusedAddress(xff(' 2001:db8::5 '), DEFAULT_CLIENT_IP, m)).toBeNull();
    expect(refusedAddress(xff('[2001:db8::5]:443'), DEFAULT_CLIENT_IP, m)).toBeNull();
    expect(refusedAddress(xff('203.0.113.9:51234'), DEFAULT_CLIENT_IP, m)).toBeNull();
  });

  it('never believes X-Real-IP, Forwarded or True-Client-IP', () => {
    const spoof = { 'x-real-ip': '203.0.113.9', forwarded: 'for=203.0.113.9', 'true-client-ip': '203.0.113.9' };
    expect(refusedAddress(xff(undefined, spoof), DEFAULT_CLIENT_IP, m)).toBe('');
    expect(refusedAddress(xff('198.51.100.1', spoof), DEFAULT_CLIENT_IP, m)).toBe('198.51.100.1');
  });

  it('takes the entry TRUSTED_PROXY_HOPS from the right, from CLIENT_IP_HEADER', () => {
    const two = { header: 'x-forwarded-for', hops: 2 };
    expect(refusedAddress(xff('203.0.113.9, 10.0.0.1'), two, m)).toBeNull();
    expect(refusedAddress(xff('198.51.100.1, 203.0.113.9, 10.0.0.1'), two, m)).toBeNull();
    expect(refusedAddress(xff('10.0.0.1'), two, m)).toBe('');
    const custom = { header: 'x-client-ip', hops: 1 };
    expect(refusedAddress({ 'x-client-ip': '203.0.113.9' }, custom, m)).toBeNull();
    expect(refusedAddress(xff('203.0.113.9'), custom, m)).toBe('');
  });

  it('names what it saw, or says it saw nothing usable', () => {
    expect(refusedAddress(xff(''), DEFAULT_CLIENT_IP, m)).toBe('');
    expect(refusedAddress(xff('203.0.113.9,'), DEFAULT_CLIENT_IP, m)).toBe('');
    expect(refusedAddress(xff('unknown'), DEFAULT_CLIENT_IP, m)).toBe('(not an IP address)');
    expect(refusedAddress(xff('"><script>'), DEFAULT_CLIENT_IP, m)).toBe('(not an IP address)');
  });
});
