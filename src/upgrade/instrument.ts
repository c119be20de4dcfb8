// Wraps a port so every call is reported as a `call` event (for metrics), without the adapters
// knowing about events.

import type { UpgradeEvent } from './plan-model.ts';

type CallSink = (event: Extract<UpgradeEvent, { type: 'call' }>) => void;

export function instrument<T extends object>(port: T, service: 'elasticsearch' | 'aws', sink: CallSink): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const operation = String(prop);
      return async (...args: unknown[]): Promise<unknown> => {
        try {
          const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
          sink({ type: 'call', at: new Date().toISOString(), service, operation, ok: true });
          return result;
        } catch (err) {
          sink({ type: 'call', at: new Date().toISOString(), service, operation, ok: false });
          throw err;
        }
      };
    },
  });
}
