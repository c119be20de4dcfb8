// A clock for unit tests: time moves only when someone sleeps on it (or the test advances it), and
// each sleep can let the test act meanwhile, as another controller would.

import type { Clock } from '../../src/shared/clock.ts';

export class ManualClock implements Clock {
  #nowMs: number;
  /** Called after each sleep has moved time, before the sleeper resumes. */
  onSleep: ((nowMs: number) => Promise<void> | void) | undefined;

  constructor(start: Date | string) {
    this.#nowMs = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#nowMs);
  }

  advance(ms: number): void {
    this.#nowMs += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.#nowMs += ms;
    await this.onSleep?.(this.#nowMs);
  }
}
