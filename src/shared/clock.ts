// Time goes through a Clock so scenario tests can run hours of waiting in milliseconds.

export interface Clock {
  now(): Date;
  /**
   * Resolves after `ms`, or rejects with the signal's reason when aborted. `background`: a timer
   * beside the work (a lease heartbeat), not the work waiting; a simulated clock does not move time
   * for it, and wakes it when time gets there.
   */
  sleep(ms: number, signal?: AbortSignal, options?: { background?: boolean }): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
