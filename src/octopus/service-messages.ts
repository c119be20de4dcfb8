// Octopus Deploy service messages: lines on stdout that Octopus (Calamari) parses while a step runs.
// Attribute values are base64 of UTF-8, standard alphabet, on one line, exactly as Octopus's own bash
// helpers (`set_octopusvariable`, `new_octopusartifact`, `fail_step`, `update_progress`,
// `remove-octopustarget`) write them, so a step that runs this CLI behaves like one that calls the
// helpers.

/** Base64 of the UTF-8 bytes, one line: what `echo -n "$1" | openssl enc -base64 -A` prints. */
export function encodeServiceMessageValue(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

function attribute(name: string, value: string): string {
  return ` ${name}='${encodeServiceMessageValue(value)}'`;
}

/**
 * `##octopus[setVariable name='..' value='..']`: an output variable of the step. Like the bash helper,
 * an empty value leaves the `value` attribute out (Octopus then sets the variable to empty).
 */
export function setVariableMessage(name: string, value: string, options: { sensitive?: boolean } = {}): string {
  let message = '##octopus[setVariable';
  if (name !== '') message += attribute('name', name);
  if (value !== '') message += attribute('value', value);
  if (options.sensitive) message += attribute('sensitive', 'True');
  return `${message}]`;
}

/** `##octopus[createArtifact ...]`: Octopus collects the file after the step completes. */
export function createArtifactMessage(artifact: { path: string; name: string; length: number }): string {
  return (
    '##octopus[createArtifact' +
    attribute('path', artifact.path) +
    attribute('name', artifact.name) +
    attribute('length', String(artifact.length)) +
    ']'
  );
}

/** `##octopus[resultMessage ...]`: the one line Octopus shows as the step's result. */
export function resultMessage(message: string): string {
  return `##octopus[resultMessage${attribute('message', message)}]`;
}

/**
 * `##octopus[progress ...]`: moves the step's progress bar to `percentage` (0 to 100) and shows
 * `message` beside it, as `update_progress` does.
 */
export function progressMessage(percentage: number, message: string): string {
  const whole = Math.max(0, Math.min(100, Math.floor(percentage)));
  return `##octopus[progress${attribute('percentage', String(whole))}${attribute('message', message)}]`;
}

/**
 * `##octopus[delete-target machine='..']`: once the step is over, Octopus deletes the deployment
 * target of that name (or id) in the deployment's environment, as `remove-octopustarget` asks. The
 * environment must allow dynamic infrastructure.
 */
export function deleteTargetMessage(machine: string): string {
  return `##octopus[delete-target${attribute('machine', machine)}]`;
}

/**
 * What follows on stderr is logged as verbose, not as errors: a process that logs to stderr does not
 * fail a step that fails on error output (`Octopus.Action.FailScriptOnErrorOutput`).
 */
export const STDERR_AS_VERBOSE = '##octopus[stderr-progress]';

/** What follows on stdout is logged at the warning level, until STDOUT_DEFAULT. */
export const STDOUT_WARNING = '##octopus[stdout-warning]';
/** Back to the default level for stdout. */
export const STDOUT_DEFAULT = '##octopus[stdout-default]';

/** The lines of `text` on stdout at Octopus's error level, then back to the default level. */
export function stdoutErrorLines(text: string): string[] {
  return ['##octopus[stdout-error]', ...text.split(/\r?\n/).filter((line) => line !== ''), STDOUT_DEFAULT];
}

/**
 * Whether this process runs inside an Octopus step. Calamari sets `OctopusCalamariWorkingDirectory`
 * for every script it runs, and Tentacle (targets and workers) sets `TentacleHome` for Calamari; both
 * are set by Octopus itself, not by a user's variables, so their presence is a reliable signal.
 */
export function isRunningUnderOctopus(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.OctopusCalamariWorkingDirectory || env.TentacleHome);
}
