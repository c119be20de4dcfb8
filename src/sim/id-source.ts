// Deterministic identifiers: the same seed gives the same instance ids, node ids and allocation ids,
// so a scenario's timeline and its assertions are stable from run to run.

const HEX = '0123456789abcdef';
// Elasticsearch node ids are 22 characters of URL-safe base64.
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export class IdSource {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }

  /** mulberry32: small, fast and good enough to look random. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  #chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i += 1) out += alphabet[Math.floor(this.next() * alphabet.length)] ?? '';
    return out;
  }

  instanceId(): string {
    return `i-${this.#chars(HEX, 17)}`;
  }

  launchTemplateId(): string {
    return `lt-${this.#chars(HEX, 17)}`;
  }

  nodeId(): string {
    return this.#chars(BASE64URL, 22);
  }

  allocationId(): string {
    return this.#chars(BASE64URL, 22);
  }
}
