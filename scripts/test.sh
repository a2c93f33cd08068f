#!/usr/bin/env bash
# Runs every test of CoopAgent on a fresh machine: set-up first (installs what is missing), then xUnit.
# Prints one closing line 'tests: N passed, N failed, N skipped'.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
results="$(mktemp -d)"
status=0
# A test that hangs is aborted after 5 minutes and named (blame), instead of holding the run to its session timeout.
dotnet test CoopAgent.sln -c Release --no-build --nologo -v q \
  --blame-hang-timeout 5m --blame-hang-dump-type none \
  --logger "trx" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000 || status=$?
python3 - "$results" <<'PY' || true
import sys, glob, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    root = ET.parse(path).getroot()
    # Each failed test with its message and the first lines of its stack, so a CI log says why, not only which.
    for r in root.findall(".//{*}UnitTestResult"):
        if r.get("outcome") not in ("Failed", "Error", "Timeout", "Aborted"): continue
        print(f"FAILED {r.get('testName')}")
        for tag, lines in (("Message", 20), ("StackTrace", 12)):
            e = r.find(f".//{{*}}ErrorInfo/{{*}}{tag}")
            if e is not None and e.text:
                for line in e.text.strip().splitlines()[:lines]: print(f"    {line}")
    c = root.find(".//{*}Counters")
    if c is None: continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    s += int(c.get("notExecuted", 0))
print(f"tests: {p} passed, {f} failed, {s} skipped")
PY
rm -rf "$results"
exit "$status"
