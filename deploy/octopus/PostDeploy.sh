#!/usr/bin/env bash
# Octopus Deploy post-deploy step: roll the Elasticsearch cluster onto the release just deployed.
# Octopus runs a script named PostDeploy.sh from the package root after the package is deployed.
#
# Prefer the step template (deploy/octopus/es-rolling-upgrade.step-template.json, see
# docs/octopus.md): it runs once, on a worker. A package's PostDeploy.sh runs on every target that
# receives the package; on the cluster's own instances each would start a run, and the one that wins
# the lock may terminate its own host. So under Octopus this script refuses to run on a deployment
# target unless EsRollingUpgrade.RunOnThisTarget is True: set it only for a package that goes to one
# target outside the cluster.
#
# Settings come from Octopus variables (project or library variable set) named EsRollingUpgrade.*,
# read with get_octopusvariable; outside Octopus (or when a variable is empty) from the environment
# variable named next to it below. Secrets reach the CLI through its environment, never its argv.
#
#   EsRollingUpgrade.ElasticsearchUrl       ESRU_ES_URL          required; comma-separated for several
#   EsRollingUpgrade.TargetVersion          ESRU_TARGET_VERSION  required, e.g. 9.5.4 (or #{Octopus.Release.Number})
#   EsRollingUpgrade.Mode                   ESRU_MODE            run (default) or plan
#   EsRollingUpgrade.Order                  ESRU_ORDER           masters-first | data-first
#   EsRollingUpgrade.Strategy               ESRU_STRATEGY        replace | drain
#   EsRollingUpgrade.ConfigFile             ESRU_CONFIG          config file, relative to the package root
#   EsRollingUpgrade.ReportPath             ESRU_REPORT          default: es-rolling-upgrade-report.json
#   EsRollingUpgrade.HtmlPath               ESRU_HTML            the HTML report; none by default
#   EsRollingUpgrade.ElasticsearchUsername  ESRU_ES_USERNAME
#   EsRollingUpgrade.ElasticsearchPassword  ESRU_ES_PASSWORD     sensitive
#   EsRollingUpgrade.ElasticsearchApiKey    ESRU_ES_API_KEY      sensitive
#   EsRollingUpgrade.AwsRegion              AWS_REGION
#   EsRollingUpgrade.Command                ESRU_COMMAND         how to start the CLI (default: see below)
#
# The CLI prints Octopus service messages itself (--octopus): output variables UpgradeOutcome,
# TerminatedInstanceIds, PreviouslyTerminatedInstanceIds, ReplacedNodes, and the reports as artifacts.
# Its exit code is the step's: 0 done, 3 refused (nothing changed), 4 halted, 143 cancelled.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

# setting <octopus variable suffix> <environment variable>
setting() {
  local value=''
  if declare -F get_octopusvariable >/dev/null; then
    value="$(get_octopusvariable "EsRollingUpgrade.$1")"
  fi
  if [ -z "$value" ]; then
    value="${!2:-}"
  fi
  printf '%s' "$value"
}

if declare -F get_octopusvariable >/dev/null && [ -n "$(get_octopusvariable 'Octopus.Machine.Name')" ]; then
  case "$(get_octopusvariable 'EsRollingUpgrade.RunOnThisTarget')" in
    True | true) ;;
    *)
      echo "PostDeploy.sh runs on every target that receives the package: on target '$(get_octopusvariable 'Octopus.Machine.Name')' it would start one of several runs, which may terminate this very host. Use the es-rolling-upgrade step template, which runs once on a worker, or set EsRollingUpgrade.RunOnThisTarget to True if this package goes to one target outside the cluster." >&2
      exit 2
      ;;
  esac
fi

es_url="$(setting ElasticsearchUrl ESRU_ES_URL)"
target_version="$(setting TargetVersion ESRU_TARGET_VERSION)"
mode="$(setting Mode ESRU_MODE)"
order="$(setting Order ESRU_ORDER)"
strategy="$(setting Strategy ESRU_STRATEGY)"
config="$(setting ConfigFile ESRU_CONFIG)"
report="$(setting ReportPath ESRU_REPORT)"
html="$(setting HtmlPath ESRU_HTML)"
command_line="$(setting Command ESRU_COMMAND)"

if [ -z "$es_url" ] || [ -z "$target_version" ]; then
  echo "EsRollingUpgrade.ElasticsearchUrl and EsRollingUpgrade.TargetVersion must be set" >&2
  exit 2
fi
case "${mode:=run}" in
  run | plan) ;;
  *) echo "EsRollingUpgrade.Mode must be run or plan, not '$mode'" >&2; exit 2 ;;
esac

args=("$mode" --target-version "$target_version" --report "${report:-$PWD/es-rolling-upgrade-report.json}" --octopus)
# A run never asks and draws no live view in a step log; plan takes neither flag.
if [ "$mode" = run ]; then args+=(--yes --no-progress); fi
IFS=',' read -r -a urls <<<"$es_url"
for url in "${urls[@]}"; do
  url="${url#"${url%%[![:space:]]*}"}"
  url="${url%"${url##*[![:space:]]}"}"
  if [ -n "$url" ]; then args+=(--es-url "$url"); fi
done
if [ -n "$order" ]; then args+=(--order "$order"); fi
if [ -n "$strategy" ]; then args+=(--strategy "$strategy"); fi
if [ -n "$config" ]; then args+=(--config "$config"); fi
if [ -n "$html" ]; then args+=(--html "$html"); fi

# Secrets and region: environment of the CLI only.
es_username="$(setting ElasticsearchUsername ESRU_ES_USERNAME)"
es_password="$(setting ElasticsearchPassword ESRU_ES_PASSWORD)"
es_api_key="$(setting ElasticsearchApiKey ESRU_ES_API_KEY)"
aws_region="$(setting AwsRegion AWS_REGION)"
if [ -n "$es_username" ]; then export ESRU_ES_USERNAME="$es_username"; fi
if [ -n "$es_password" ]; then export ESRU_ES_PASSWORD="$es_password"; fi
if [ -n "$es_api_key" ]; then export ESRU_ES_API_KEY="$es_api_key"; fi
if [ -n "$aws_region" ]; then export AWS_REGION="$aws_region"; fi

if [ -n "$command_line" ]; then
  read -r -a cli <<<"$command_line"
elif command -v es-rolling-upgrade >/dev/null; then
  cli=(es-rolling-upgrade)
elif [ -f dist/cli/main.js ]; then
  cli=(node dist/cli/main.js)
else
  echo "es-rolling-upgrade not found: install it on the target or set EsRollingUpgrade.Command" >&2
  exit 2
fi

echo "es-rolling-upgrade $mode to $target_version on ${#urls[@]} Elasticsearch URL(s)"
set +e
"${cli[@]}" "${args[@]}"
status=$?
set -e
exit "$status"
