#!/usr/bin/env bash
# `make run`: serve Odoo with the addon and its demo data on http://localhost:8069.
source "$(dirname "$0")/lib.sh"
setup_all

DB="${FSE_DEMO_DB:-fse_demo}"
PORT="${FSE_PORT:-8069}"
CONF="$CACHE_DIR/$DB.conf"
write_config "$CONF" "$DB" "$PORT"
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

cat <<MSG

  Odoo is serving $DB on http://localhost:$PORT
  Log in as admin / admin (demo data: Field Service project, jobs, readings, approvals).
  Stop with Ctrl+C.

MSG
exec python "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB"
