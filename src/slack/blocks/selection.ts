import { createHash } from 'node:crypto';
import type { Catalog } from '../../catalog/types.ts';

/**
 * A permission selection as a bitset over the catalog's endpoint order, base64url-encoded: 500 endpoints take 84
 * characters, so a picker's state fits in `private_metadata` (3000) with room for the rest of the flow.
 */
export class Selection {
  private constructor(private readonly bits: Uint8Array) {}

  static empty(size: number): Selection {
    return new Selection(new Uint8Array(Math.ceil(size / 8)));
  }

  static of(catalog: Catalog, endpointIds: Iterable<string>): Selection {
    const selection = Selection.empty(catalog.endpoints.length);
    const wanted = new Set(endpointIds);
    catalog.endpoints.forEach((endpoint, index) => {
      if (wanted.has(endpoint.id)) selection.set(index, true);
    });
    return selection;
  }

  static decode(encoded: string, size: number): Selection | undefined {
    const bytes = Buffer.from(encoded, 'base64url');
    if (bytes.length !== Math.ceil(size / 8)) return undefined;
    return new Selection(new Uint8Array(bytes));
  }

  encode(): string {
    return Buffer.from(this.bits).toString('base64url');
  }

  has(index: number): boolean {
    return ((this.bits[index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
  }

  set(index: number, on: boolean): void {
    const byte = index >> 3;
    const current = this.bits[byte] ?? 0;
    this.bits[byte] = on ? current | (1 << (index & 7)) : current & ~(1 << (index & 7));
  }

  count(): number {
    let n = 0;
    for (const byte of this.bits) for (let b = byte; b !== 0; b &= b - 1) n++;
    return n;
  }

  endpointIds(catalog: Catalog): string[] {
    return catalog.endpoints.filter((_, index) => this.has(index)).map((e) => e.id);
  }
}

const fingerprints = new WeakMap<Catalog, string>();

/** Identifies the catalog's endpoint order, so a selection made before a catalog change is refused, not misread. */
export function catalogFingerprint(catalog: Catalog): string {
  let value = fingerprints.get(catalog);
  if (value === undefined) {
    value = createHash('sha256')
      .update(catalog.endpoints.map((e) => e.id).join('\n'))
      .digest('base64url')
      .slice(0, 10);
    fingerprints.set(catalog, value);
  }
  return value;
}
