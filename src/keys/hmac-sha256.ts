import { createHash } from 'node:crypto';

/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) written out in JavaScript for /authz's hot path, where Node's createHmac costs
 * far more in object set-up than in hashing: a key is short, so the MAC is two or three compression rounds once the
 * states after the key's ipad and opad blocks are precomputed (as RFC 2104 section 4 suggests). The answer is the
 * MAC as a latin1 string (one character per byte), the index's map key. test/unit/hmac-sha256.property.test.ts proves
 * it equal to createHmac for arbitrary keys (longer than a block too) and messages (non-ASCII too).
 */
export function createHmacSha256Latin1(key: Uint8Array): (message: string) => string {
  const block = new Uint8Array(64);
  block.set(key.length > 64 ? createHash('sha256').update(key).digest() : key);
  const inner = initialState();
  const outer = initialState();
  const w = new Int32Array(64);
  compress(inner, xorBlock(block, 0x36), 0, w);
  compress(outer, xorBlock(block, 0x5c), 0, w);

  const state = new Int32Array(8);
  // Message bytes plus padding; grows for the rare long message.
  let scratch = new Uint8Array(256);

  return (message) => {
    let length = message.length;
    if (scratch.length < length + 72) scratch = new Uint8Array(2 * (length + 72));
    let bytes = scratch;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      const c = message.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      bytes[i] = c;
    }
    if (!ascii) {
      const utf8 = Buffer.from(message, 'utf8');
      length = utf8.length;
      bytes = new Uint8Array(length + 72);
      bytes.set(utf8);
    }
    // Padding: 0x80, zeros, then the bit length of ipad block + message as a 64-bit big-endian number.
    const padded = (length + 9 + 63) & ~63;
    bytes[length] = 0x80;
    bytes.fill(0, length + 1, padded - 4);
    const bits = (64 + length) * 8;
    bytes[padded - 4] = bits >>> 24;
    bytes[padded - 3] = bits >>> 16;
    bytes[padded - 2] = bits >>> 8;
    bytes[padded - 1] = bits;
    state.set(inner);
    for (let offset = 0; offset < padded; offset += 64) compress(state, bytes, offset, w);

    // Outer hash: the inner digest (32 bytes) fills one block with its padding; the message length is 96 bytes.
    for (let i = 0; i < 8; i++) w[i] = state[i] as number;
    w[8] = 0x80000000;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = 768;
    state.set(outer);
    compressWords(state, w);
    return toLatin1(state);
  };
}

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

function initialState(): Int32Array {
  return new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
}

function xorBlock(block: Uint8Array, pad: number): Uint8Array {
  const out = new Uint8Array(64);
  for (let i = 0; i < 64; i++) out[i] = (block[i] as number) ^ pad;
  return out;
}

/** One 64-byte block of `bytes` at `offset`, big-endian, into `state`. */
function compress(state: Int32Array, bytes: Uint8Array, offset: number, w: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + 4 * i;
    w[i] =
      ((bytes[j] as number) << 24) |
      ((bytes[j + 1] as number) << 16) |
      ((bytes[j + 2] as number) << 8) |
      (bytes[j + 3] as number);
  }
  compressWords(state, w);
}

/** The SHA-256 compression function on the 16 words at the start of `w` (which it extends to 64). */
function compressWords(state: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15] as number;
    const y = w[i - 2] as number;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + (K[i] as number) + (w[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

/** The 32-byte digest as 32 one-byte characters: one string, no Buffer. */
function toLatin1(s: Int32Array): string {
  const a = s[0] as number;
  const b = s[1] as number;
  const c = s[2] as number;
  const d = s[3] as number;
  const e = s[4] as number;
  const f = s[5] as number;
  const g = s[6] as number;
  const h = s[7] as number;
  return String.fromCharCode(
    a >>> 24,
    (a >>> 16) & 255,
    (a >>> 8) & 255,
    a & 255,
    b >>> 24,
    (b >>> 16) & 255,
    (b >>> 8) & 255,
    b & 255,
    c >>> 24,
    (c >>> 16) & 255,
    (c >>> 8) & 255,
    c & 255,
    d >>> 24,
    (d >>> 16) & 255,
    (d >>> 8) & 255,
    d & 255,
    e >>> 24,
    (e >>> 16) & 255,
    (e >>> 8) & 255,
    e & 255,
    f >>> 24,
    (f >>> 16) & 255,
    (f >>> 8) & 255,
    f & 255,
    g >>> 24,
    (g >>> 16) & 255,
    (g >>> 8) & 255,
    g & 255,
    h >>> 24,
    (h >>> 16) & 255,
    (h >>> 8) & 255,
    h & 255,
  );
}
