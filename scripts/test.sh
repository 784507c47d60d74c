#!/usr/bin/env bash
# `make test`: lint, a fresh database with the addon installed, the whole test
# suite (browser tours included) with pytest-odoo, then the database is dropped;
# beside it, tests/ checks `FSE_WORKERS=2 make run` (tests/test_serving.py).
source "$(dirname "$0")/lib.sh"
setup_all

if [ "${FSE_LINT:-1}" = 1 ]; then
    log "Lint: ruff and pylint-odoo"
    (cd "$ROOT" && ruff check . && ruff format --check . && pylint --rcfile=.pylintrc --disable=missing-readme "$ADDON")
fi

# Test paths: the addon's run with pytest-odoo on a test database; those of tests/ (the
# serving test, which starts `make run` itself) run with plain pytest, beside them.
[ $# -gt 0 ] || set -- "$ADDON/tests" tests
odoo_tests=() serving_tests=()
for path in "$@"; do
    case "$path" in
    tests | tests/*) serving_tests+=("$path") ;;
    *) odoo_tests+=("$path") ;;
    esac
done

DB="fse_test_$$_$(date +%s)"
PORT="${FSE_TEST_PORT:-$((20000 + $$ % 20000))}"
WORK=$(mktemp -d)
CONF="$WORK/odoo.conf"
serving_pid=
cleanup() {
    if [ -n "$serving_pid" ]; then
        kill "$serving_pid" 2>/dev/null || true # it stops its server and drops its database
        wait "$serving_pid" 2>/dev/null || true
    fi
    drop_db "$DB"
    rm -rf "$WORK"
}
trap cleanup EXIT
cd "$ROOT"
if [ ${#serving_tests[@]} -gt 0 ]; then
    log "Starting the serving tests in the background: ${serving_tests[*]}"
    pytest -p no:odoo -p no:cacheprovider "${serving_tests[@]}" >"$WORK/serving.log" 2>&1 &
    serving_pid=$!
fi
rc=0
if [ ${#odoo_tests[@]} -gt 0 ]; then
    write_config "$CONF" "$DB" "$PORT"
    log "Creating $DB from $TEMPLATE_DB and installing $ADDON"
    clone_template_db "$DB"
    start=$(date +%s)
    install_addon "$CONF" "$DB" "$WORK/install.log"
    log "Installed in $(($(date +%s) - start)) s"

    log "Running the tests"
    pytest --odoo-database="$DB" --odoo-config="$CONF" --odoo-http -p no:cacheprovider \
        "${odoo_tests[@]}" || rc=$?
fi
if [ -n "$serving_pid" ]; then
    serving_rc=0
    wait "$serving_pid" || serving_rc=$?
    serving_pid=
    log "Serving tests (FSE_WORKERS=2 make run): ${serving_tests[*]}"
    cat "$WORK/serving.log"
    [ "$rc" != 0 ] || rc=$serving_rc
fi
exit $rc
