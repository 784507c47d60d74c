#!/usr/bin/env bash
# Run a benchmark of bench/ on a fresh database: bash bench/run.sh invoice_report [args]
source "$(dirname "$0")/../scripts/lib.sh"
setup_all
DB="fse_bench_$$"
WORK=$(mktemp -d)
trap 'drop_db "$DB"; rm -rf "$WORK"' EXIT
write_config "$WORK/odoo.conf" "$DB" 8369
clone_template_db "$DB"
install_addon "$WORK/odoo.conf" "$DB" "$WORK/install.log"
name=$1
shift
python "$ROOT/bench/$name.py" -c "$WORK/odoo.conf" -d "$DB" "$@"
