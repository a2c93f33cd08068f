#!/usr/bin/env bash
# Sets up CoopAgent on a fresh machine and starts the chat server on the shipped default policy.
# Extra arguments go to 'coopagent serve' (for example --urls http://127.0.0.1:5080).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
exec dotnet run --project src/Server -c Release --no-build -- serve "$@"
