#!/usr/bin/env bash
# Fetch Elasticsearch integration-test distributions (no bundled JDK) from Maven Central
# into .cache/elasticsearch/<version>/ and unpack them. Skips what is already there.
# Usage: scripts/fetch-elasticsearch.sh [version ...]   (default: the proving-ground versions)
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
  # shellcheck disable=SC2207
  versions=($(node -e 'const v=require("./sandbox/versions.json");console.log([...new Set(Object.values(v))].join(" "))'))
fi
root=.cache/elasticsearch
mkdir -p "$root/zips"
for v in "${versions[@]}"; do
  if [ -x "$root/$v/bin/elasticsearch" ]; then continue; fi
  zip="$root/zips/elasticsearch-$v.zip"
  if [ ! -s "$zip" ]; then
    echo "fetching Elasticsearch $v from Maven Central" >&2
    mvn -q -B dependency:copy \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$v:zip" \
      -DoutputDirectory="$root/zips" -Dmdep.overWriteIfNewer=true
  fi
  tmp="$root/.unpack-$v"
  rm -rf "$tmp" && mkdir -p "$tmp"
  unzip -q "$zip" -d "$tmp"
  mv "$tmp/elasticsearch-$v" "$root/$v"
  rm -rf "$tmp"
done
