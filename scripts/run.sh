#!/usr/bin/env bash
# `make run`: serve Odoo with the addon and its demo data on http://localhost:8069.
# FSE_WORKERS=N (N > 0) serves as in production: N worker processes and the gevent
# process for websockets on FSE_GEVENT_PORT (default FSE_PORT + 3). README, "Deploying".
source "$(dirname "$0")/lib.sh"
setup_all

DB="${FSE_DEMO_DB:-fse_demo}"
PORT="${FSE_PORT:-8069}"
WORKERS="${FSE_WORKERS:-0}"
[[ "$WORKERS" =~ ^[0-9]+$ ]] || die "FSE_WORKERS=$WORKERS: give a number of worker processes (0: one threaded process)."
CONF="$CACHE_DIR/$DB.conf"
write_config "$CONF" "$DB" "$PORT" "$WORKERS"
if ! db_exists "$DB"; then
    log "Creating the demo database $DB"
    clone_template_db "$DB"
fi
log "Installing or updating $ADDON in $DB"
if ! (install_addon "$CONF" "$DB" "$CACHE_DIR/$DB-install.log"); then
    # A demo database made by an older version of the addon may not take the new demo
    # data: it is a demo, so start it again from the template rather than stop here.
    log "Updating $DB failed: recreating it from the template"
    drop_db "$DB"
    clone_template_db "$DB"
    install_addon "$CONF" "$DB" "$CACHE_DIR/$DB-install.log"
fi

serving="one threaded process"
if [ "$WORKERS" -gt 0 ]; then
    serving="$WORKERS workers; websockets on the gevent port $(sed -n 's/^gevent_port = //p' "$CONF")"
fi
cat <<MSG

  Odoo is serving $DB on http://localhost:$PORT ($serving)
  Log in as admin / admin (demo data: Field Service project, jobs, readings, approvals).
  Stop with Ctrl+C.

MSG
exec python "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB"
