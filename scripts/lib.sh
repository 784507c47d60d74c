# shellcheck shell=bash
# Shared set-up for `make run` and `make test`: system packages, PostgreSQL,
# the Odoo 18.0 source tree, a cached virtualenv and a cached template database.
# Everything slow is cached outside the clone, keyed by what it depends on.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADDON=field_service_evidence
ODOO_DEFAULT_SRC="${HOME}/.local/share/odoo-18.0"
ODOO_GIT_URL="https://github.com/odoo/odoo.git"
CACHE_DIR="${FSE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/field_service_evidence}"
PYTHON="${PYTHON:-python3}"
DB_USER="${PGUSER:-$(id -un)}"
# Modules the template database holds: the addon's dependencies, with demo data.
TEMPLATE_MODULES="account,project"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi; }

ensure_system_packages() {
    # Debian packages Odoo needs here: PostgreSQL, libpq headers to build psycopg2,
    # wkhtmltopdf for PDF reports, Chromium for browser tours, poppler for PDF checks.
    local missing=() pkg
    for pkg in postgresql libpq-dev wkhtmltopdf chromium poppler-utils "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "Installing system packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

ensure_postgres() {
    if ! pg_isready -q 2>/dev/null; then
        log "Starting PostgreSQL"
        local ver name port status _
        while read -r ver name port status _; do
            [ "$status" = online ] || as_root pg_ctlcluster "$ver" "$name" start
        done < <(pg_lsclusters -h)
        for _ in $(seq 30); do pg_isready -q && break; sleep 1; done
        pg_isready -q || die "PostgreSQL did not start (pg_lsclusters shows its state)"
    fi
    if ! psql -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        log "Creating PostgreSQL role $DB_USER"
        as_postgres "createuser -s '$DB_USER'"
    fi
}

ensure_odoo() {
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -f "$ODOO_SRC/odoo-bin" ] || die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (it has no odoo-bin)."
    else
        ODOO_SRC="$ODOO_DEFAULT_SRC"
        if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
            if [ "${FSE_NO_CLONE:-0}" = 1 ]; then
                die "No Odoo 18.0 source tree found. Looked at ODOO_SRC (not set) and at $ODOO_SRC (no odoo-bin there). Check out Odoo 18.0 there, or set ODOO_SRC to an Odoo 18.0 checkout."
            fi
            log "Cloning Odoo 18.0 (shallow) into $ODOO_SRC"
            mkdir -p "$(dirname "$ODOO_SRC")"
            git clone --quiet --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ODOO_SRC" \
                || die "No Odoo 18.0 source tree at $ODOO_SRC and cloning $ODOO_GIT_URL failed. Set ODOO_SRC to an Odoo 18.0 checkout."
        fi
    fi
    local series
    series=$("$PYTHON" -c "import runpy; print(runpy.run_path('$ODOO_SRC/odoo/release.py')['series'])")
    [ "$series" = "18.0" ] || die "$ODOO_SRC is Odoo $series; this addon needs Odoo 18.0."
    export ODOO_SRC
}

odoo_revision() {
    # What identifies the Odoo tree: its git commit when it is a checkout, else its release file.
    git -C "$ODOO_SRC" rev-parse HEAD 2>/dev/null || sha256sum "$ODOO_SRC/odoo/release.py" | cut -c1-40
}

ensure_venv() {
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || die "Odoo 18 needs Python 3.10 or later ($PYTHON is older)."
    local key
    key=$({ "$PYTHON" -VV; cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements-dev.txt" "$ROOT/constraints.txt"; } \
        | sha256sum | cut -c1-12)
    VENV="$CACHE_DIR/venv-$key"
    if [ ! -f "$VENV/.complete" ]; then
        log "Building the virtualenv $VENV (once per set of requirements)"
        rm -rf "$VENV"
        mkdir -p "$CACHE_DIR"
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip
        local tmp
        tmp=$(mktemp -d)
        # python-ldap needs LDAP headers and no module here uses it.
        grep -vi '^python-ldap' "$ODOO_SRC/requirements.txt" >"$tmp/requirements.txt"
        # Odoo 18's pinned cbor2 imports pkg_resources in its build: setuptools<70.
        echo 'setuptools<70' >"$tmp/build-constraints.txt"
        # constraints.txt pins what Odoo leaves open where its own pins need it (gevent).
        "$VENV/bin/pip" install -q --build-constraint "$tmp/build-constraints.txt" -c "$ROOT/constraints.txt" \
            -r "$tmp/requirements.txt" -r "$ROOT/requirements-dev.txt"
        rm -rf "$tmp"
        touch "$VENV/.complete"
    fi
    export PATH="$VENV/bin:$PATH"
    export PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}"
}

write_config() {
    # write_config FILE DB HTTP_PORT [WORKERS]: an Odoo configuration for this checkout.
    # WORKERS > 0 serves as in production: that many HTTP worker processes, one cron
    # worker, and the gevent process for websockets (live notifications, chat) on
    # FSE_GEVENT_PORT (default HTTP_PORT + 3). FSE_PROXY_MODE=1 trusts the X-Forwarded-*
    # headers of a reverse proxy (README, "Deploying").
    local workers=${4:-0}
    cat >"$1" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT
db_name = $2
db_user = $DB_USER
dbfilter = ^$2\$
http_port = $3
http_interface = 127.0.0.1
gevent_port = ${FSE_GEVENT_PORT:-$(($3 + 3))}
without_demo = False
list_db = False
proxy_mode = $([ "${FSE_PROXY_MODE:-0}" = 1 ] && echo True || echo False)
workers = $workers
CONF
    if [ "$workers" -gt 0 ]; then
        # A request may use 2 min of CPU and 4 min in all (the PDF of a 200-line invoice with
        # its evidence takes seconds, not minutes); a worker above 2 GiB is recycled after
        # its request, above 2.5 GiB at once; each recycles after 8192 requests.
        cat >>"$1" <<CONF
max_cron_threads = 1
limit_time_cpu = 120
limit_time_real = 240
limit_time_real_cron = 600
limit_memory_soft = 2147483648
limit_memory_hard = 2684354560
limit_request = 8192
CONF
    fi
}

FILESTORE="${HOME}/.local/share/Odoo/filestore"

clone_template_db() {
    # clone_template_db DB: a copy of the template database, with its filestore
    # (attachments such as the company logo live there, not in PostgreSQL).
    createdb -T "$TEMPLATE_DB" "$1"
    if [ -d "$FILESTORE/$TEMPLATE_DB" ]; then
        rm -rf "${FILESTORE:?}/$1"
        cp -a "$FILESTORE/$TEMPLATE_DB" "$FILESTORE/$1"
    fi
}

drop_db() {
    dropdb --if-exists "$1" >/dev/null 2>&1 || true
    rm -rf "${FILESTORE:?}/$1"
}

db_exists() { psql -d postgres -tAc "select 1 from pg_database where datname='$1'" | grep -q 1; }

odoo_bin() { python "$ODOO_SRC/odoo-bin" "$@"; }

ensure_template_db() {
    # A database with the addon's dependencies and their demo data, reused by `createdb -T`.
    local key conf
    key=$({ odoo_revision; echo "$TEMPLATE_MODULES"; } | sha256sum | cut -c1-10)
    TEMPLATE_DB="fse_tmpl_$key"
    if ! db_exists "$TEMPLATE_DB" || ! psql -d "$TEMPLATE_DB" -tAc "select 1 from ir_config_parameter where key='fse.template.complete'" 2>/dev/null | grep -q 1; then
        log "Building the template database $TEMPLATE_DB ($TEMPLATE_MODULES with demo data, once per Odoo revision)"
        drop_db "$TEMPLATE_DB"
        conf=$(mktemp)
        write_config "$conf" "$TEMPLATE_DB" 8069
        odoo_bin -c "$conf" -d "$TEMPLATE_DB" -i "$TEMPLATE_MODULES" --stop-after-init --log-level=warn \
            || { drop_db "$TEMPLATE_DB"; die "Building $TEMPLATE_DB failed"; }
        psql -q -d "$TEMPLATE_DB" -c "insert into ir_config_parameter (key, value) values ('fse.template.complete', '1')"
        rm -f "$conf"
    fi
}

install_addon() {
    # install_addon CONF DB LOG: install (or update) the addon; fail on any ERROR or
    # WARNING in the log: the template already holds every other module, so what
    # is logged here is raised by the addon or by how it uses Odoo.
    local conf=$1 db=$2 logfile=$3 mode=-i
    if psql -d "$db" -tAc "select 1 from ir_module_module where name='$ADDON' and state='installed'" | grep -q 1; then
        mode=-u
    fi
    : >"$logfile" # Odoo appends to its log file: judge this run only
    odoo_bin -c "$conf" -d "$db" "$mode" "$ADDON" --stop-after-init --logfile="$logfile" --log-level=info \
        || { tail -50 "$logfile" >&2; die "Installing $ADDON failed (log: $logfile)"; }
    if grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$logfile"; then
        die "Installing $ADDON logged the warnings or errors above (log: $logfile)"
    fi
}

setup_all() {
    ensure_system_packages
    ensure_postgres
    ensure_odoo
    ensure_venv
    ensure_template_db
}
