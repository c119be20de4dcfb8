#!/usr/bin/env bash
# Create a project-local virtualenv with moto's server (a real AWS API emulator) in .cache/venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/venv
if [ -x "$venv/bin/moto_server" ]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check 'moto[server,ec2,autoscaling]==5.2.5'
