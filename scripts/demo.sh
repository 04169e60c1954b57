#!/usr/bin/env bash
# The README's main job. Writes an example platform into demo/, validates it, renders every
# tenant into demo/out/, explains where acme's values come from, onboards a small demo fleet
# through the durable workflow on the embedded SQLite store (no cluster needed), then runs
# `landlord serve`: the HTTP API, the portal and the workers, until Ctrl-C.
# DEMO_NO_SERVE=1 stops before serving; PORT picks the port; DEMO_DIR writes elsewhere than demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${DEMO_DIR:-demo}"
landlord() { node dist/src/cli/main.js --config "$DIR/landlord.yaml" "$@"; }

rm -rf "$DIR"
node dist/src/cli/main.js init --dir "$DIR"
landlord validate
landlord render --out "$DIR/out"
landlord explain acme
landlord onboard -f "$DIR/tenants/acme.yaml"
landlord onboard globex --tier medium --domain globex.apps.example.com --contact ops@globex.example.com
landlord onboard initech --tier small --domain initech.apps.example.com --contact it@initech.example.com
landlord get tenants -o wide

[[ "${DEMO_NO_SERVE:-}" == 1 ]] && exit 0
echo
echo "Log in to the portal as the operator with the token in $DIR/.landlord/operator-token,"
echo "or as a customer with $DIR/.landlord/credentials/<tenant>/api-token (acme, globex, initech)."
exec node dist/src/cli/main.js --config "$DIR/landlord.yaml" serve --port "${PORT:-8080}"
