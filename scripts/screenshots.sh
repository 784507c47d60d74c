#!/usr/bin/env bash
# The README's screenshots (field_service_evidence/static/description/), taken from a running `make run` server:
#   make run                      # in another terminal, then
#   bash scripts/screenshots.sh   # or: bash scripts/screenshots.sh portal walkthrough
# FSE_URL (http://localhost:8069) and FSE_DB (fse_demo) name the server; see scripts/screenshots.py.
source "$(dirname "$0")/lib.sh"
ensure_odoo
ensure_venv
exec python "$ROOT/scripts/screenshots.py" "$@"
