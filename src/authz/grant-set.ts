/**
 * Endpoint ids numbered in the order the index first meets them: a grant list becomes a bitset over these numbers.
 * Only ever grows; a full reload starts a fresh index, and with it a fresh numbering.
 */
export class EndpointNumbers {
  private readonly numbers = new Map<string, number>();
  private readonly ids: string[] = [];

  numberOf(id: string): number | undefined {
    return this.numbers.get(id);
  }

  /** Numbers `id` if it is new; the stored string is the one kept, so every set shares it. */
  intern(id: string): number {
    let n = this.numbers.get(id);
    if (n === undefined) {
      n = this.ids.length;
      this.ids.push(id);
      this.numbers.set(id, n);
    }
    return n;
  }

  idOf(n: number): string {
    return this.ids[n] as string;
  }
}

/**
 * The grants of every key that holds the same endpoints: one immutable bitset, 16 bits per UTF-16 character of
 * `bits` (a string is V8's most compact immutable blob, and doubles as the key that shares equal sets). 143
 * endpoints take 9 characters where a Set of ids took hundreds of bytes per key.
 */
export class GrantSet implements Iterable<string> {
  readonly size: number;

  constructor(
    /** Canonical: no trailing zero words, so equal sets have equal strings. */
    readonly bits: string,
    private readonly numbers: EndpointNumbers,
  ) {
    let size = 0;
    for (let i = 0; i < bits.length; i++) {
      for (let word = bits.charCodeAt(i); word !== 0; word &= word - 1) size++;
    }
    this.size = size;
    Object.freeze(this);
  }

  has(endpointId: string): boolean {
    const n = this.numbers.numberOf(endpointId);
    if (n === undefined) return false;
    const word = n >>> 4;
    return word < this.bits.length && (this.bits.charCodeAt(word) & (1 << (n & 15))) !== 0;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.bits.length; i++) {
      const word = this.bits.charCodeAt(i);
      for (let bit = 0; bit < 16; bit++) if ((word & (1 << bit)) !== 0) yield this.numbers.idOf(i * 16 + bit);
    }
  }
}

/** The canonical bitset string of `ids` (duplicates collapse, as in a Set). */
export function grantBits(ids: readonly string[], numbers: EndpointNumbers): string {
  const words: number[] = [];
  for (const id of ids) {
    const n = numbers.intern(id);
    const word = n >>> 4;
    while (words.length <= word) words.push(0);
    words[word] = (words[word] as number) | (1 << (n & 15));
  }
  return String.fromCharCode(...words);
}
