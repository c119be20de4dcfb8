// `serve`: service mode. The settings given to the command line (flags, environment, config file)
// become the defaults of runs started over HTTP; src/service does the rest.

import { serveCommand } from '../../service/serve-command.ts';
import type { CommandContext } from '../context.ts';

export function serve(ctx: CommandContext): Promise<number> {
  return serveCommand(ctx, ctx.clock ? { clock: ctx.clock } : {});
}
