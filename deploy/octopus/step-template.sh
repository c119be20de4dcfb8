# es-rolling-upgrade as an Octopus step (the body of the step template's inline Bash script). The
# template runs it once, on a worker or the Octopus Server, never on the cluster's own targets.
# Octopus defines get_octopusvariable and runs this script in the step's working directory.
#
# Every setting reaches the CLI as its environment variable, never on its command line, so no secret
# shows in a process list. The CLI prints the service messages itself (--octopus): progress, output
# variables, target deletions and the reports as artifacts. Its exit code is the step's: 0 done,
# 2 bad input, 3 refused (nothing changed), 4 halted, 143 cancelled.
#
# This file is the source of the template's ScriptBody: `npm run octopus:template` writes the
# template with the list of settings in place of the line marked below. Nothing in it may look like
# an Octopus variable reference (a hash and a brace), which Octopus would substitute.

# From here on Octopus logs stderr (the CLI's logs, npm's notices) as verbose, not as errors.
echo '##octopus[stderr-progress]'

b64() { printf '%s' "$1" | base64 | tr -d '\n'; }

# What the CLI is given by name: the environment variables set for it (a container needs the list).
passed=()
pass() {
  local name
  for name in "${passed[@]}"; do if [ "$name" = "$1" ]; then return; fi; done
  passed+=("$1")
}

# Bad input: said where Octopus shows it (stderr is verbose now), as the step's result, exit 2.
refuse() {
  echo '##octopus[stdout-error]'
  echo "es-rolling-upgrade step: $1"
  echo '##octopus[stdout-default]'
  echo "##octopus[resultMessage message='$(b64 "$1")']"
  exit 2
}

mode="$(get_octopusvariable 'EsRollingUpgrade.Mode')"
mode="${mode:-run}"
case "$mode" in
  plan | run) ;;
  *) refuse "EsRollingUpgrade.Mode must be plan or run, not '$mode'" ;;
esac

# The settings: each parameter with a value goes to the CLI in its environment variable. The step
# is the whole configuration: an ESRU_ variable or config file the worker happens to have is dropped,
# so an empty parameter means the CLI's default, never another cluster's URL.
unset ESRU_CONFIG
while read -r parameter variable; do
  value="$(get_octopusvariable "$parameter")"
  if [ -n "$value" ]; then
    export "$variable=$value"
    pass "$variable"
  elif [[ "$variable" == ESRU_* ]]; then
    unset "$variable"
  fi
done <<'SETTINGS'
# @settings
SETTINGS

# The reports are attached to the deployment as artifacts: the plan's and the run's, each by name.
if [ -z "${ESRU_REPORT:-}" ]; then export ESRU_REPORT="$PWD/es-rolling-upgrade-$mode.json"; pass ESRU_REPORT; fi
if [ -z "${ESRU_HTML:-}" ]; then export ESRU_HTML="$PWD/es-rolling-upgrade-$mode.html"; pass ESRU_HTML; fi

# AWS credentials: an Octopus AWS account (an access key, or a role by OpenID Connect), else the
# worker's own (its instance role, its environment or its profile).
account="$(get_octopusvariable 'EsRollingUpgrade.AwsAccount')"
if [ -n "$account" ]; then
  if [ -n "$(get_octopusvariable 'EsRollingUpgrade.AwsProfile')" ]; then
    refuse 'set EsRollingUpgrade.AwsAccount or EsRollingUpgrade.AwsProfile, not both'
  fi
  unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_SESSION_NAME
  access_key="$(get_octopusvariable 'EsRollingUpgrade.AwsAccount.AccessKey')"
  secret_key="$(get_octopusvariable 'EsRollingUpgrade.AwsAccount.SecretKey')"
  role_arn="$(get_octopusvariable 'EsRollingUpgrade.AwsAccount.RoleArn')"
  jwt="$(get_octopusvariable 'EsRollingUpgrade.AwsAccount.OpenIdConnect.Jwt')"
  if [ -n "$access_key" ] && [ -n "$secret_key" ]; then
    export AWS_ACCESS_KEY_ID="$access_key" AWS_SECRET_ACCESS_KEY="$secret_key"
  elif [ -n "$role_arn" ] && [ -n "$jwt" ]; then
    # In the working directory, which Octopus deletes after the step (and a container sees).
    token_file="$(mktemp "$PWD/.aws-web-identity.XXXXXX")"
    chmod 600 "$token_file"
    printf '%s' "$jwt" >"$token_file"
    export AWS_ROLE_ARN="$role_arn" AWS_WEB_IDENTITY_TOKEN_FILE="$token_file" AWS_ROLE_SESSION_NAME=es-rolling-upgrade
  else
    refuse "the AWS account '$account' gave neither an access key and secret key nor an OpenID Connect role"
  fi
  unset access_key secret_key role_arn jwt
fi
for variable in AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_SESSION_NAME; do
  if [ -n "${!variable:-}" ]; then pass "$variable"; fi
done

# The tool: a container image, an npm package installed for this step, or the worker's own.
image="$(get_octopusvariable 'EsRollingUpgrade.ContainerImage')"
package="$(get_octopusvariable 'EsRollingUpgrade.NpmPackage')"
if [ -n "$image" ] && [ -n "$package" ]; then
  refuse 'set EsRollingUpgrade.ContainerImage or EsRollingUpgrade.NpmPackage, not both'
fi
if [ -n "$image" ]; then
  command -v docker >/dev/null || refuse "EsRollingUpgrade.ContainerImage needs docker on the worker, and it has none"
  # The working directory at the same path inside, so the report paths Octopus collects are the same
  # (made absolute: the image starts in its own directory); the settings by name only: docker reads
  # their values from this environment.
  cli=(docker run --rm --user "$(id -u):$(id -g)" --volume "$PWD:$PWD")
  for variable in ESRU_REPORT ESRU_HTML; do
    if [[ "${!variable}" != /* ]]; then export "$variable=$PWD/${!variable}"; fi
  done
  if [ -n "${ESRU_ES_CA_FILE:-}" ]; then
    ca_file="$(cd "$(dirname "$ESRU_ES_CA_FILE")" && pwd)/$(basename "$ESRU_ES_CA_FILE")"
    export ESRU_ES_CA_FILE="$ca_file"
    cli+=(--volume "$ca_file:$ca_file:ro")
  fi
  for variable in "${passed[@]}"; do cli+=(--env "$variable"); done
  cli+=("$image")
elif [ -n "$package" ]; then
  command -v npm >/dev/null || refuse "EsRollingUpgrade.NpmPackage needs Node.js and npm on the worker, and it has no npm"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)' ||
    refuse "es-rolling-upgrade needs Node.js 22.18 or later; the worker has $(node --version 2>/dev/null || echo none)"
  prefix="$PWD/.es-rolling-upgrade"
  echo "Installing $package with npm"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --omit=dev --loglevel=error "$package" ||
    refuse "npm could not install $package (its messages are in the verbose log)"
  cli=("$prefix/node_modules/.bin/es-rolling-upgrade")
elif command -v es-rolling-upgrade >/dev/null; then
  cli=(es-rolling-upgrade)
else
  refuse 'es-rolling-upgrade is not on the PATH of the worker: set EsRollingUpgrade.NpmPackage (the npm tarball) or EsRollingUpgrade.ContainerImage, or install it there'
fi

# A run never asks and draws no live view in a step log; plan takes neither flag.
args=("$mode" --octopus)
if [ "$mode" = run ]; then args+=(--yes --no-progress); fi

echo "es-rolling-upgrade $mode to ${ESRU_TARGET_VERSION:-?} (${cli[0]})"
"${cli[@]}" "${args[@]}"
exit $?
