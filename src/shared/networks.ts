import { isIP } from 'node:net';
import { AppError } from './errors.ts';

/** At most this many networks per key (and per partner's defaults). */
export const MAX_NETWORKS = 50;
/** Longest entry repeated in an error: a pasted paragraph is named by its start. */
const SHOWN = 60;

export type NetworkProblem = 'not_an_address' | 'bad_prefix' | 'host_bits' | 'zone';

export type ParsedNetwork =
  | {
      ok: true;
      /** `203.0.113.0/24`, `2001:db8::/32`; a bare address gets /32 or /128. */
      canonical: string;
      family: 4 | 6;
      prefix: number;
      /** The address as 32-bit words (one for IPv4, four for IPv6), host bits zero. */
      words: readonly number[];
    }
  | { ok: false; problem: NetworkProblem; suggestion?: string };

/** One network as typed: `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`. Host bits must be zero. */
export function parseNetwork(text: string): ParsedNetwork {
  const entry = text.trim();
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  if (address.includes('%')) return { ok: false, problem: 'zone' };
  const family = isIP(address);
  if (family !== 4 && family !== 6) return { ok: false, problem: 'not_an_address' };
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const digits = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(digits) || Number(digits) > bits) return { ok: false, problem: 'bad_prefix' };
    prefix = Number(digits);
  }
  const words = new Uint32Array(4);
  if (family === 4) words[0] = ipv4Word(address);
  else ipv6Words(address, words);
  const count = family === 4 ? 1 : 4;
  const masked = Array.from(words.subarray(0, count), (word, i) => (word & maskWord(prefix, i)) >>> 0);
  const hostBits = masked.some((word, i) => word !== words[i]);
  const canonical = `${formatWords(family, masked)}/${prefix}`;
  if (hostBits) return { ok: false, problem: 'host_bits', suggestion: canonical };
  return { ok: true, canonical, family, prefix, words: masked };
}

/**
 * A key's (or a partner's) networks from what someone typed: one per entry (a Slack field's lines, repeated CLI
 * flags), blank entries skipped, duplicates dropped, in canonical form. The first bad entry is refused with its text
 * and line number (1-based, among all entries given).
 */
export function validateNetworks(entries: readonly string[], field = 'networks'): string[] {
  const out: string[] = [];
  entries.forEach((raw, i) => {
    const entry = raw.trim();
    if (entry === '') return;
    const parsed = parseNetwork(entry);
    if (!parsed.ok) throw networkError(entry, i + 1, parsed.problem, parsed.suggestion, field);
    if (!out.includes(parsed.canonical)) out.push(parsed.canonical);
  });
  if (out.length > MAX_NETWORKS)
    throw new AppError(
      'NETWORK_INVALID',
      `Too many networks: ${out.length} given, at most ${MAX_NETWORKS} per key (use wider networks)`,
      { field, facts: { problem: 'too_many', count: out.length, max: MAX_NETWORKS } },
    );
  return out;
}

function networkError(
  entry: string,
  line: number,
  problem: NetworkProblem,
  suggestion: string | undefined,
  field: string,
): AppError {
  const shown = entry.length > SHOWN ? `${entry.slice(0, SHOWN)}…` : entry;
  const why: Record<NetworkProblem, string> = {
    not_an_address: 'not an IPv4 or IPv6 address or network (e.g. 203.0.113.7, 203.0.113.0/24, 2001:db8::/32)',
    bad_prefix: 'the part after / must be a prefix length, 0-32 for IPv4 or 0-128 for IPv6',
    host_bits: `it has host bits set after the prefix${suggestion === undefined ? '' : `: did you mean ${suggestion}?`}`,
    zone: 'a zone (%…) cannot be part of an allowed network',
  };
  return new AppError('NETWORK_INVALID', `Line ${line}, "${shown}": ${why[problem]}`, {
    field,
    facts: { problem, entry: shown, line, suggestion, why: why[problem] },
  });
}

function maskWord(prefix: number, word: number): number {
  const bits = Math.min(32, Math.max(0, prefix - word * 32));
  return bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

function ipv4Word(address: string): number {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** `address` is known valid (isIP said 6). */
function ipv6Words(address: string, out: Uint32Array): void {
  const family = parseAddress(address, 0, address.length, out);
  if (family === 0) throw new Error(`unparsed IPv6 address ${address}`);
  // Written as an IPv4-mapped address: kept as the IPv6 network it names.
  if (family === 4) {
    out[3] = out[0] as number;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
  }
}

function formatWords(family: 4 | 6, words: readonly number[]): string {
  if (family === 4) {
    const w = words[0] as number;
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  }
  // RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups (the first of equals) as ::.
  const groups = words.flatMap((w) => [w >>> 16, w & 0xffff]);
  let bestAt = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestAt = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt === -1) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLength).join(':')}`;
}

const COLON = 58;
const DOT = 46;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Dotted quad in text[start, end) as a word, or -1. */
function parseIpv4(text: string, start: number, end: number): number {
  let word = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    let value = 0;
    let digits = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      // A leading zero is refused (010 is octal to some parsers): the address must mean one thing.
      if (digits === 1 && value === 0) return -1;
      value = value * 10 + (c - 48);
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || value > 255) return -1;
    word = (word << 8) | value;
    parts++;
    if (parts < 4) {
      if (i >= end || text.charCodeAt(i) !== DOT) return -1;
      i++;
    }
  }
  return i === end ? word >>> 0 : -1;
}

/**
 * The address in text[start, end) into `out`: 4 (out[0] holds it), 6 (out[0..3]) or 0 (not an address). No strings
 * or objects are made: /authz calls this once per request for keys with networks. An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1, what a dual-stack socket reports) counts as the IPv4 address.
 */
export function parseAddress(text: string, start: number, end: number, out: Uint32Array): 0 | 4 | 6 {
  if (end - start < 2 || end - start > 45) return 0;
  let hasColon = false;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === COLON) {
      hasColon = true;
      break;
    }
  }
  if (!hasColon) {
    const word = parseIpv4(text, start, end);
    if (word === -1) return 0;
    out[0] = word;
    return 4;
  }
  // Up to 8 groups; `gap` is where :: stood (the number of groups before it), -1 without one.
  const groups = GROUPS;
  let count = 0;
  let gap = -1;
  let i = start;
  if (text.charCodeAt(i) === COLON) {
    if (text.charCodeAt(i + 1) !== COLON) return 0;
    gap = 0;
    i += 2;
    if (i === end) {
      out[0] = out[1] = out[2] = out[3] = 0;
      return 6;
    }
  }
  for (;;) {
    // A group, or the dotted IPv4 tail.
    let value = 0;
    let digits = 0;
    let j = i;
    while (j < end) {
      const h = hexValue(text.charCodeAt(j));
      if (h === -1) break;
      value = (value << 4) | h;
      digits++;
      j++;
    }
    if (j < end && text.charCodeAt(j) === DOT) {
      if (count > 6) return 0;
      const word = parseIpv4(text, i, end);
      if (word === -1) return 0;
      groups[count++] = word >>> 16;
      groups[count++] = word & 0xffff;
      i = end;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return 0;
    groups[count++] = value;
    i = j;
    if (i === end) break;
    if (text.charCodeAt(i) !== COLON) return 0;
    i++;
    if (i < end && text.charCodeAt(i) === COLON) {
      if (gap !== -1) return 0;
      gap = count;
      i++;
      if (i === end) break;
    } else if (i === end) return 0;
  }
  if (gap === -1 ? count !== 8 : count > 7) return 0;
  const zeros = 8 - count;
  for (let g = 0, k = 0; g < 8; g++) {
    let value: number;
    if (gap !== -1 && g >= gap && g < gap + zeros) value = 0;
    else value = groups[k++] as number;
    if ((g & 1) === 0) out[g >> 1] = value << 16;
    else out[g >> 1] = ((out[g >> 1] as number) | value) >>> 0;
  }
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    out[0] = out[3] as number;
    return 4;
  }
  return 6;
}

const GROUPS = new Uint16Array(8);

/**
 * A key's networks compiled for /authz: IPv4 as [first, last] word pairs, IPv6 as four base words and four mask
 * words per network. Matching compares numbers only.
 */
export class NetworkMatcher {
  /** [first, last] per IPv4 network. */
  private readonly v4: Uint32Array;
  /** base0..3, mask0..3 per IPv6 network. */
  private readonly v6: Uint32Array;
  /** Canonical forms, as stored. */
  readonly networks: readonly string[];

  constructor(networks: readonly string[]) {
    const parsed = networks.map((n) => {
      const p = parseNetwork(n);
      if (!p.ok) throw new Error(`stored network is not canonical: ${n}`);
      return p;
    });
    const v4 = parsed.filter((p) => p.family === 4);
    const v6 = parsed.filter((p) => p.family === 6);
    this.v4 = new Uint32Array(v4.length * 2);
    v4.forEach((p, i) => {
      const first = p.words[0] as number;
      this.v4[i * 2] = first;
      this.v4[i * 2 + 1] = (first | ~maskWord(p.prefix, 0)) >>> 0;
    });
    this.v6 = new Uint32Array(v6.length * 8);
    v6.forEach((p, i) => {
      for (let w = 0; w < 4; w++) {
        this.v6[i * 8 + w] = p.words[w] as number;
        this.v6[i * 8 + 4 + w] = maskWord(p.prefix, w);
      }
    });
    this.networks = Object.freeze([...networks]);
  }

  /** Whether an address parsed by `parseAddress` (family and words) lies in one of the networks. */
  contains(family: 0 | 4 | 6, words: Uint32Array): boolean {
    if (family === 4) {
      const a = words[0] as number;
      const v4 = this.v4;
      for (let i = 0; i < v4.length; i += 2) if (a >= (v4[i] as number) && a <= (v4[i + 1] as number)) return true;
      return false;
    }
    if (family === 6) {
      const v6 = this.v6;
      for (let i = 0; i < v6.length; i += 8) {
        if (
          ((words[0] as number) & (v6[i + 4] as number)) >>> 0 === v6[i] &&
          ((words[1] as number) & (v6[i + 5] as number)) >>> 0 === v6[i + 1] &&
          ((words[2] as number) & (v6[i + 6] as number)) >>> 0 === v6[i + 2] &&
          ((words[3] as number) & (v6[i + 7] as number)) >>> 0 === v6[i + 3]
        )
          return true;
      }
    }
    return false;
  }

  /** For tests and tools: whether the address text lies in one of the networks. */
  containsAddress(address: string): boolean {
    const words = new Uint32Array(4);
    return this.contains(parseAddress(address, 0, address.length, words), words);
  }
}

/** Marks an IPv6 network in a packed list: its prefix is stored plus this (an IPv4 prefix is stored as it is). */
const PACKED_V6 = 33;

/**
 * Canonical networks as few characters as they can be, for a Slack dialog's 3000-character state: per network one
 * byte for family and prefix, then only the address bytes the prefix covers (host bits are zero), in base64url. Fifty
 * full-length IPv6 networks take about 1,100 characters instead of 2,300 as text.
 */
export function packNetworks(canonical: readonly string[]): string {
  const bytes: number[] = [];
  for (const text of canonical) {
    const parsed = parseNetwork(text);
    if (!parsed.ok) throw new Error(`not a canonical network: ${text}`);
    bytes.push(parsed.family === 4 ? parsed.prefix : PACKED_V6 + parsed.prefix);
    for (let i = 0; i < Math.ceil(parsed.prefix / 8); i++) {
      bytes.push(((parsed.words[i >> 2] as number) >>> (24 - 8 * (i & 3))) & 255);
    }
  }
  return Buffer.from(bytes).toString('base64url');
}

/** `packNetworks` undone, in the same order; malformed input (a tampered dialog) throws. */
export function unpackNetworks(packed: string): string[] {
  const bytes = Buffer.from(packed, 'base64url');
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const head = bytes[at++] as number;
    const family = head < PACKED_V6 ? 4 : 6;
    const prefix = family === 4 ? head : head - PACKED_V6;
    if (prefix > (family === 4 ? 32 : 128)) throw new Error('malformed packed networks');
    const length = Math.ceil(prefix / 8);
    if (at + length > bytes.length) throw new Error('malformed packed networks');
    const words = [0, 0, 0, 0];
    for (let i = 0; i < length; i++)
      words[i >> 2] = ((words[i >> 2] as number) | ((bytes[at + i] as number) << (24 - 8 * (i & 3)))) >>> 0;
    at += length;
    out.push(`${formatWords(family, words.slice(0, family === 4 ? 1 : 4))}/${prefix}`);
  }
  return out;
}
