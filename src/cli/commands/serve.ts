// `serve`: service mode (src/service). The command line validates the shared settings (they become
// the defaults of runs started over HTTP) and hands over here.

import { UpgradeError } from '../../shared/errors.ts';
import type { CommandContext } from '../context.ts';

export function serve(_ctx: CommandContext): Promise<number> {
  // Hook for src/service: start the HTTP service with ctx.config as the run defaults, stop it when
  // ctx.signal aborts, resolve with the exit code.
  return Promise.reject(new UpgradeError('serve: service mode is not wired into this build yet'));
}
