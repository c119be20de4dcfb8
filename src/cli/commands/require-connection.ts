import { InvalidInputError } from '../../shared/errors.ts';
import type { CliConfig, ConnectionOptions } from '../config.ts';

/** The config schema requires the connection settings for these commands; this narrows the type. */
export function requireConnection(config: CliConfig): ConnectionOptions {
  if (config.connection === undefined) throw new InvalidInputError('--es-url and --region are required');
  return config.connection;
}
