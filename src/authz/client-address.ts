import type { IncomingHttpHeaders } from 'node:http';
import { type NetworkMatcher, parseAddress } from '../shared/networks.ts';

/**
 * Where the client address comes from: the entry `hops` from the right of a comma-separated header. With one gateway
 * in front (the default), the last X-Forwarded-For entry is the address that gateway saw; entries to its left were
 * sent by the client and prove nothing. No other header (X-Real-IP, Forwarded, True-Client-IP) is read.
 */
export interface ClientIpSource {
  /** Lower case, as Node keys headers. */
  header: string;
  hops: number;
}

export const DEFAULT_CLIENT_IP: ClientIpSource = { header: 'x-forwarded-for', hops: 1 };

/** Longest address text repeated in a refusal. */
const SHOWN = 64;
const ADDRESS_TEXT = /^[0-9A-Fa-f:.]+$/;

/** One scratch for the one address a request is checked with (the handler runs to completion, never re-entered). */
const WORDS = new Uint32Array(4);

/**
 * Whether the request may use a key limited to `networks`: null when its client address lies in them, otherwise the
 * address seen ('' when there was none to read). Nothing is allocated on the way to a yes.
 */
export function refusedAddress(
  headers: IncomingHttpHeaders,
  source: ClientIpSource,
  networks: NetworkMatcher,
): string | null {
  const value = headers[source.header];
  if (typeof value !== 'string') return '';
  // The entry `hops` from the right: [start, end).
  let end = value.length;
  let start = value.lastIndexOf(',', end - 1) + 1;
  for (let hop = 1; hop < source.hops; hop++) {
    if (start === 0) return '';
    end = start - 1;
    start = value.lastIndexOf(',', end - 1) + 1;
  }
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  if (start === end) return '';
  let from = start;
  let to = end;
  if (value.charCodeAt(from) === 91 /* [ */) {
    // [2001:db8::1]:443, as some proxies write an address with its port.
    const close = value.indexOf(']', from);
    if (close === -1 || close >= end) return shown(value, start, end);
    from++;
    to = close;
  } else {
    // 192.0.2.1:443: one colon is a port (an IPv6 address has at least two).
    const colon = value.indexOf(':', from);
    if (colon !== -1 && colon < end) {
      const second = value.indexOf(':', colon + 1);
      if (second === -1 || second >= end) to = colon;
    }
  }
  const family = parseAddress(value, from, to, WORDS);
  if (family !== 0 && networks.contains(family, WORDS)) return null;
  return shown(value, start, end);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** The entry as seen, when it looks like an address; a label otherwise (the text may be anything a client sent). */
function shown(value: string, start: number, end: number): string {
  const text = value.slice(start, Math.min(end, start + SHOWN));
  return ADDRESS_TEXT.test(text) || /^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(text) ? text : '(not an IP address)';
}

/** The client address as the gateway reported it (the configured entry of the header), or '' when there is none. */
export function reportedAddress(headers: IncomingHttpHeaders, source: ClientIpSource): string {
  const value = headers[source.header];
  if (typeof value !== 'string') return '';
  const entries = value.split(',');
  const entry = entries[entries.length - source.hops];
  return entry === undefined ? '' : entry.trim().slice(0, SHOWN);
}
