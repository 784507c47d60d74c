#!/usr/bin/env bash
# Run a benchmark of bench/ on a fresh database: bash bench/run.sh invoice_report [args]
# `load` serves the database with a multi-worker server on free ports (--workers N,
# default 4) and drives it with Locust: bash bench/run.sh load --users 20
source "$(dirname "$0")/../scripts/lib.sh"
setup_all
DB="fse_bench_$$"
WORK=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true # Odoo stops its workers and gevent process
        wait "$server_pid" 2>/dev/null || true
    fi
    drop_db "$DB"
    rm -rf "$WORK"
}
trap cleanup EXIT
name=$1
shift

if [ "$name" != load ]; then
    write_config "$WORK/odoo.conf" "$DB" 8369
    clone_template_db "$DB"
    install_addon "$WORK/odoo.conf" "$DB" "$WORK/install.log"
    python "$ROOT/bench/$name.py" -c "$WORK/odoo.conf" -d "$DB" "$@"
    exit
fi

workers=4 args=()
while [ $# -gt 0 ]; do
    case "$1" in
    --workers) workers=$2 && shift 2 ;;
    *) args+=("$1") && shift ;;
    esac
done
free_port() { python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
answers() { python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' "$1" 2>/dev/null; }
port=$(free_port)
FSE_GEVENT_PORT=$(free_port) write_config "$WORK/odoo.conf" "$DB" "$port" "$workers"
clone_template_db "$DB"
install_addon "$WORK/odoo.conf" "$DB" "$WORK/install.log"
log "Making the load data"
python "$ROOT/bench/load.py" setup -c "$WORK/odoo.conf" -d "$DB" >"$WORK/load.json"
log "Serving $DB with $workers workers on port $port (log: $WORK/server.log)"
python "$ODOO_SRC/odoo-bin" -c "$WORK/odoo.conf" --logfile="$WORK/server.log" &
server_pid=$!
for _ in $(seq 60); do
    answers "http://127.0.0.1:$port/web/login" && break
    kill -0 "$server_pid" 2>/dev/null || die "The server stopped (log: $WORK/server.log)"
    sleep 1
done
rc=0
python "$ROOT/bench/load.py" run --url "http://127.0.0.1:$port" --data "$WORK/load.json" \
    --workers "$workers" "${args[@]}" || rc=$?
errors=$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$WORK/server.log" || true)
mkdir -p "$ROOT/bench/results"
cp "$WORK/server.log" "$ROOT/bench/results/load-server.log"
log "Server log: $errors errors (kept in bench/results/load-server.log)"
[ "$errors" = 0 ] || grep -E -A5 '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$WORK/server.log" | head -40
exit $rc
