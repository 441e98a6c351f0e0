# Sourced by the benchmark scripts: a throw-away PostgreSQL cluster from the machine's own
# binaries, with PostgreSQL's default durability (fsync and synchronous_commit on), so write
# figures are what a production server pays.
#
#   pg_start DIR   initdb into DIR/data, start on a free port; sets PG_URL_BASE
#                  (postgres://postgres@127.0.0.1:PORT) and PG_DIR
#   pg_stop        stop it (fast shutdown); the caller removes DIR
#
# As root, PostgreSQL runs as the `postgres` user, which it insists on.

pg_bin() {
    local newest
    newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    if [[ -n "$newest" ]]; then echo "$newest"; return; fi
    dirname "$(command -v pg_ctl)"
}

as_postgres() {
    if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
    PG_DIR="$1"
    local bin port
    bin="$(pg_bin)"
    mkdir -p "$PG_DIR"
    chmod 755 "$(dirname "$PG_DIR")"
    if [[ "$(id -u)" == 0 ]]; then chown postgres:postgres "$PG_DIR"; fi
    as_postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --locale=C.UTF-8 \
        --encoding=UTF8 >/dev/null
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    cat >>"$PG_DIR/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
max_connections = 200
shared_buffers = 512MB
CONF
    as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w start >/dev/null
    PG_URL_BASE="postgres://postgres@127.0.0.1:$port"
}

pg_stop() {
    if [[ -n "${PG_DIR:-}" && -d "$PG_DIR/data" ]]; then
        as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}
