import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHmacSha256Latin1 } from '../../src/keys/hmac-sha256.ts';
import { createSecretDigest } from '../../src/keys/secret-digest.ts';
import { createSecretFormat } from '../../src/keys/secret-format.ts';

const reference = (key: Uint8Array | string, message: string) =>
  createHmac('sha256', key).update(message, 'utf8').digest().toString('latin1');

// Lengths around the block edges: a message of 55 bytes still fits the inner hash's last block with its padding,
// 56 does not; a key of 64 bytes is used as is, 65 is hashed first.
const anyKey = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 63, maxLength: 66 }));
const anyMessage = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 50, maxLength: 130 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

describe('HMAC-SHA256 written out for the /authz hot path', () => {
  it('equals createHmac for arbitrary keys (longer than a block too) and messages (non-ASCII too)', () => {
    fc.assert(
      fc.property(anyKey, fc.array(anyMessage, { minLength: 1, maxLength: 4 }), (key, messages) => {
        const mac = createHmacSha256Latin1(key);
        // Several messages per key: the scratch state it reuses between calls must not leak from one to the next.
        for (const message of messages) expect(mac(message)).toBe(reference(key, message));
      }),
      { numRuns: 3000 },
    );
  });

  it('equals createHmac at every message length across three blocks, and for the RFC 4231 vectors', () => {
    const key = Buffer.from('pepper-0123456789abcdefghijklmnopqrstuvwxyz-0123456789', 'utf8');
    const mac = createHmacSha256Latin1(key);
    for (let length = 0; length <= 200; length++)
      expect(mac('k'.repeat(length))).toBe(reference(key, 'k'.repeat(length)));
    // RFC 4231 test cases 2 and 6 (a 131-byte key, hashed first).
    expect(
      Buffer.from(createHmacSha256Latin1(Buffer.from('Jefe'))('what do ya want for nothing?'), 'latin1').toString(
        'hex',
      ),
    ).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(
      Buffer.from(
        createHmacSha256Latin1(Buffer.alloc(131, 0xaa))('Test Using Larger Than Block-Size Key - Hash Key First'),
        'latin1',
      ).toString('hex'),
    ).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });

  it('gives the secret digest the same index key as its stored (createHmac) digest, for any pepper and secret', () => {
    const format = createSecretFormat('hk');
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }),
        fc.oneof(fc.constant(format.generate()), fc.string({ maxLength: 150 })),
        (pepper, secret) => {
          const digest = createSecretDigest(pepper);
          expect(digest.latin1(secret)).toBe(digest(secret).toString('latin1'));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
