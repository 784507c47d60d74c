#!/usr/bin/env bash
# `make test`: lint, a fresh database with the addon installed, the whole test
# suite (browser tours included) with pytest-odoo, then the database is dropped.
source "$(dirname "$0")/lib.sh"
setup_all

if [ "${FSE_LINT:-1}" = 1 ]; then
    log "Lint: ruff and pylint-odoo"
    (cd "$ROOT" && ruff check . && ruff format --check . && pylint --rcfile=.pylintrc --disable=missing-readme "$ADDON")
fi

DB="fse_test_$$_$(date +%s)"
PORT="${FSE_TEST_PORT:-$((20000 + $$ % 20000))}"
WORK=$(mktemp -d)
CONF="$WORK/odoo.conf"
cleanup() { drop_db "$DB"; rm -rf "$WORK"; }
trap cleanup EXIT
write_config "$CONF" "$DB" "$PORT"
log "Creating $DB from $TEMPLATE_DB and installing $ADDON"
clone_template_db "$DB"
start=$(date +%s)
install_addon "$CONF" "$DB" "$WORK/install.log"
log "Installed in $(($(date +%s) - start)) s"

log "Running the tests"
cd "$ROOT"
set +e
pytest --odoo-database="$DB" --odoo-config="$CONF" --odoo-http -p no:cacheprovider \
    "${@:-$ADDON/tests}"
rc=$?
set -e
exit $rc
