#!/usr/bin/env bash
# The package as users get it: `npm pack` (which builds dist/), the tarball's contents, a global
# install of it into a temporary prefix, then the installed binary: --version, the demo (exit 0, a
# completed run, a report carrying the version), and on a Node.js older than 22.18, if one is on the
# PATH, the one-line refusal. Run by `npm test` (npm run test:package).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

# The project's Node 24 (the "node" dev dependency) first, whichever node the caller's PATH has.
export PATH="$PWD/node_modules/.bin:$PATH"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() {
  echo "check-package: $*" >&2
  exit 1
}

version="$(node -p 'require("./package.json").version')"

# 1. Pack. prepack cleans and builds dist/ and checks the committed report schema.
npm pack --json --pack-destination "$work" >"$work/pack.json" 2>"$work/pack.log" || {
  cat "$work/pack.log" >&2
  fail "npm pack failed"
}
tarball="$work/$(node -p 'require(process.argv[1])[0].filename' "$work/pack.json")"
node -p 'require(process.argv[1])[0].files.map((f) => f.path).join("\n")' "$work/pack.json" | sort >"$work/files"

for needed in package.json README.md LICENSE CHANGELOG.md docs/usage.md bin/es-rolling-upgrade.js dist/cli/main.js schema/report.schema.json; do
  grep -qx "$needed" "$work/files" || fail "the tarball lacks $needed"
done
# Compiled JavaScript only: no TypeScript, sources, tests or source maps.
if grep -E '\.(ts|map)$|^(src|test|sandbox|bench|deploy|scripts)/' "$work/files" >"$work/unwanted"; then
  fail "the tarball holds files it should not: $(tr '\n' ' ' <"$work/unwanted")"
fi
echo "check-package: $(basename "$tarball"): $(wc -l <"$work/files") files"

# 2. Install it globally into a temporary prefix, as a user would (dependencies from the npm cache
# when it has them).
prefix="$work/prefix"
npm install -g --prefix "$prefix" --prefer-offline --no-audit --no-fund "$tarball" >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2
  fail "npm install -g of the tarball failed"
}
bin="$prefix/bin/es-rolling-upgrade"
[ -x "$bin" ] || fail "the install put no executable at $bin"
[ -e "$prefix/lib/node_modules/es-rolling-upgrade/src" ] && fail "the installed package holds src/"

# 3. The installed binary, from a directory outside the checkout.
cd "$work"
got="$("$bin" --version)"
[ "$got" = "$version" ] || fail "--version printed '$got', expected '$version'"

set +e
"$bin" demo --report "$work/report.json" >"$work/demo.out" 2>"$work/demo.err"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  cat "$work/demo.out" "$work/demo.err" >&2
  fail "the demo exited $rc, expected 0"
fi
grep -q '^Outcome: completed (exit 0)$' "$work/demo.out" || fail "the demo's summary does not say 'Outcome: completed (exit 0)'"
grep -q "^  es-rolling-upgrade $version, report schema 1$" "$work/demo.out" || fail "the demo's summary does not name version $version"
node -e '
  const report = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const wanted = { tool: "es-rolling-upgrade", toolVersion: process.argv[2], schemaVersion: 1, mode: "run", outcome: "completed", exitCode: 0 };
  for (const [key, value] of Object.entries(wanted)) {
    if (report[key] !== value) throw new Error(`report ${key} is ${JSON.stringify(report[key])}, expected ${JSON.stringify(value)}`);
  }
  if (report.terminatedInstanceIds.length !== 6) throw new Error(`the demo terminated ${report.terminatedInstanceIds.length} instances, expected 6`);
' "$work/report.json" "$version" || fail "the demo's report is not as expected"
echo "check-package: installed $version: --version and the demo (a completed run of 6 nodes) work"

# 4. An older Node.js: one line naming both versions, exit 2, through the installed executable (its
# "#!/usr/bin/env node" finds the old node first on the PATH, as on a machine where it is the default).
old=""
while read -r candidate; do
  if "$candidate" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a < 22 || (a === 22 && b < 18) ? 0 : 1)' 2>/dev/null; then
    old="$candidate"
    break
  fi
done < <(which -a node nodejs 2>/dev/null | awk '!seen[$0]++')
if [ -z "$old" ]; then
  echo "check-package: no Node.js older than 22.18 on the PATH: the refusal on old Node was not checked"
else
  old_version="$("$old" --version)"
  set +e
  PATH="$(dirname "$old"):$PATH" "$bin" --version >"$work/old.out" 2>"$work/old.err"
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "on Node.js $old_version the binary exited $rc, expected 2"
  [ ! -s "$work/old.out" ] || fail "on Node.js $old_version the binary printed to stdout: $(cat "$work/old.out")"
  [ "$(wc -l <"$work/old.err")" -eq 1 ] || fail "on Node.js $old_version the binary printed more than one line: $(cat "$work/old.err")"
  grep -q "needs Node.js 22.18 or later; this is Node.js ${old_version#v} " "$work/old.err" ||
    fail "on Node.js $old_version the refusal does not name both versions: $(cat "$work/old.err")"
  echo "check-package: on Node.js $old_version ($old): $(cat "$work/old.err")"
fi

echo "check-package: ok in $((SECONDS - started)) s"
