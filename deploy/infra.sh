#!/usr/bin/env bash
# Local infrastructure for KIM without Docker: one PostgreSQL cluster, one
# single-node Kafka broker (KRaft) and the identity provider Keycloak
# (deploy/keycloak.sh, realm `kim`), all loopback-only, all state under
# $KIM_STATE_DIR (default <repo>/.kim); as root, the PostgreSQL cluster lives in
# /var/lib/kim/postgres-<hash of the state dir> (owned by the OS user postgres)
# and $KIM_STATE_DIR/postgres links to it, so the clone may sit anywhere.
#
# Security (deploy/README.md): PostgreSQL takes scram-sha-256 on TCP and on the
# socket, the superuser only by peer on the socket (0700); Kafka takes
# SASL/SCRAM-SHA-256 on the client listener and SASL/PLAIN on the loopback
# controller listener, with ACLs (StandardAuthorizer, nothing allowed without one).
#
#   deploy/infra.sh install                              install PostgreSQL (apt), the Kafka jars and Keycloak
#   deploy/infra.sh start  [postgres|kafka|keycloak|all] start (idempotent), waits until ready
#   deploy/infra.sh stop   [postgres|kafka|keycloak|all] clean stop (idempotent)
#   deploy/infra.sh status                               one line each; exit 0 all running, 3 otherwise
#   deploy/infra.sh pid    postgres|kafka|keycloak       main pid, exit 1 if none
#   deploy/infra.sh env                                  `export KEY=value` lines of the effective settings
#   deploy/infra.sh reset                                stop all, delete all data (keeps the caches)
#
# See deploy/README.md for the environment variables.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(dirname -- "$SCRIPT_DIR")

# ---------------------------------------------------------------- settings --
KIM_STATE_DIR=${KIM_STATE_DIR:-$REPO_ROOT/.kim}
case $KIM_STATE_DIR in /*) ;; *) KIM_STATE_DIR=$PWD/$KIM_STATE_DIR ;; esac
KIM_STATE_DIR=$(realpath -m -- "$KIM_STATE_DIR")

KIM_ENVIRONMENT=${KIM_ENVIRONMENT:-development}
KIM_PG_HOST=${KIM_PG_HOST:-127.0.0.1}
KIM_PG_PORT=${KIM_PG_PORT:-55432}
KIM_PG_DB=${KIM_PG_DB:-kim}
KIM_PG_START_TIMEOUT=${KIM_PG_START_TIMEOUT:-60}
SERVICES=(intake foreign_office kobiz)

# Passwords: from the environment, else the development default `<role or user>-dev`
# (the same as shared/settings.py DEV_SECRETS); refused with KIM_ENVIRONMENT=production.
# They reach psql and the JVM through the environment and 0600 files, never argv or output.
SECRET_VARS=()
dev_secret() { # VAR default: VAR defaults to `default`
  local var=$1
  SECRET_VARS+=("$var")
  DEV_DEFAULTS[$var]=$2
  [[ -n ${!var:-} ]] || printf -v "$var" '%s' "$2"
}
declare -A DEV_DEFAULTS=()
for s in "${SERVICES[@]}"; do
  dev_secret "KIM_PG_PASSWORD_${s^^}" "$s-dev"            # runtime role <service>
  dev_secret "KIM_PG_OWNER_PASSWORD_${s^^}" "${s}_owner-dev" # owner role <service>_owner
done
dev_secret KIM_KAFKA_PASSWORD_KIM_BROKER kim-broker-dev # the broker itself (inter-broker, controller)
dev_secret KIM_KAFKA_PASSWORD_KIM_ADMIN kim-admin-dev   # the operator (kim create-topics)

KIM_KAFKA_HOST=${KIM_KAFKA_HOST:-127.0.0.1}
KIM_KAFKA_PORT=${KIM_KAFKA_PORT:-59092}
KIM_KAFKA_CONTROLLER_PORT=${KIM_KAFKA_CONTROLLER_PORT:-59093}
KIM_KAFKA_HEAP=${KIM_KAFKA_HEAP:--Xms256m -Xmx768m}
KIM_KAFKA_JVM_OPTS=${KIM_KAFKA_JVM_OPTS:-}
KIM_KAFKA_EXTRA_PROPERTIES=${KIM_KAFKA_EXTRA_PROPERTIES:-}
KIM_KAFKA_START_TIMEOUT=${KIM_KAFKA_START_TIMEOUT:-90}
KIM_KAFKA_STOP_TIMEOUT=${KIM_KAFKA_STOP_TIMEOUT:-60}
KIM_MAVEN_REPO=${KIM_MAVEN_REPO:-}

# The cluster: as root in /var/lib/kim/postgres-<hash> (the server's OS user postgres
# must reach it, whatever the clone's parents allow), linked from $KIM_STATE_DIR/postgres;
# as a normal user the server runs as that user, under $KIM_STATE_DIR/postgres.
PG_LINK=$KIM_STATE_DIR/postgres
KIM_PG_ROOT_BASE=${KIM_PG_ROOT_BASE:-/var/lib/kim}
if [[ $(id -u) -eq 0 ]]; then
  PG_OS_USER=postgres
  PG_DIR=$KIM_PG_ROOT_BASE/postgres-$(printf '%s' "$KIM_STATE_DIR" | sha256sum | cut -c1-16)
  # A cluster from before the move (a real directory under the state dir) is used in place
  # until `start` moves it.
  [[ -d $PG_LINK && ! -L $PG_LINK ]] && PG_DIR=$PG_LINK
else
  PG_OS_USER=$(id -un)
  PG_DIR=$PG_LINK
fi
pg_paths() {
  PG_DATA=$PG_DIR/data
  PG_RUN=$PG_DIR/run
  PG_LOG_DIR=$PG_DIR/log
  PG_LOG=$PG_LOG_DIR/postgres.log
}
pg_paths
PG_INIT_SQL=$SCRIPT_DIR/postgres/init.sql

KAFKA_DIR=$KIM_STATE_DIR/kafka
KAFKA_LIBS=$KAFKA_DIR/libs
KAFKA_STAMP=$KAFKA_LIBS/.kim-pom.sha256
KAFKA_DATA=$KAFKA_DIR/data
KAFKA_LOGS=$KAFKA_DIR/logs
KAFKA_SERVER_LOG=$KAFKA_LOGS/server.log
KAFKA_OUT=$KAFKA_LOGS/kafka.out
KAFKA_PROPS=$KAFKA_DIR/server.properties
KAFKA_CLUSTER_ID=$KAFKA_DIR/cluster.id
KAFKA_PIDFILE=$KAFKA_DIR/kafka.pid
KAFKA_CREDENTIALS_STAMP=$KAFKA_DIR/.kim-credentials
KAFKA_POM=$SCRIPT_DIR/kafka/pom.xml
KAFKA_LOG4J=$SCRIPT_DIR/kafka/log4j2.yaml

# ----------------------------------------------------------------- helpers --
say() { printf '%s\n' "$*"; }
info() { printf 'infra: %s\n' "$*" >&2; }
die() {
  printf 'infra: error: %s\n' "$*" >&2
  exit 1
}
is_root() { [[ $(id -u) -eq 0 ]]; }
now() { date +%s; }

check_port_number() { # name value
  if ! [[ $2 =~ ^[0-9]+$ ]] || ((10#$2 < 1 || 10#$2 > 65535)); then
    die "$1 must be a TCP port, got '$2'"
  fi
}

check_loopback() { # name value
  case $2 in
    127.* | localhost | ::1) ;;
    *) die "$1 must be a loopback address (127.x.x.x, localhost, ::1), got '$2'" ;;
  esac
}

# port_open HOST PORT: something accepts TCP connections there.
port_open() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# True if pid is alive and not a zombie.
pid_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/stat ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z && $state != X ]]
}

# Describe who listens on PORT (for "port in use" errors).
port_owner() {
  local pids pid
  command -v ss >/dev/null || return 0
  pids=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u) || true
  for pid in $pids; do
    printf ' (pid %s: %s)' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)"
  done
}

pid_suspended() { # stopped by SIGSTOP
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $state == T || $state == t ]]
}

# Serialise concurrent invocations (e.g. parallel test workers calling start).
# fd 9 holds the lock; it is closed for every daemon we launch.
take_lock() {
  mkdir -p -- "$KIM_STATE_DIR"
  exec 9>"$KIM_STATE_DIR/.infra.lock"
  flock -w 600 9 || die "could not lock $KIM_STATE_DIR/.infra.lock"
}

apt_install() { # packages...
  is_root || die "need to install $* but not root: run 'sudo apt-get install -y $*' once"
  command -v apt-get >/dev/null || die "need to install $* but apt-get is not available"
  info "installing $* with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "$@" </dev/null >&2; then
    apt-get update -q </dev/null >&2
    apt-get install -y -q --no-install-recommends "$@" </dev/null >&2
  fi
}

# --------------------------------------------------------------- postgres --
PG_BIN=
pg_find_bin() {
  local d best=
  if [[ -n ${KIM_PG_BIN:-} ]]; then
    PG_BIN=$KIM_PG_BIN
    return 0
  fi
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] || continue
    if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n1) == "$d" ]]; then
      best=$d
    fi
  done
  if [[ -z $best ]] && command -v pg_config >/dev/null; then
    d=$(pg_config --bindir 2>/dev/null || true)
    [[ -n $d && -x $d/initdb ]] && best=$d
  fi
  PG_BIN=$best
  [[ -n $PG_BIN ]]
}

pg_install() {
  if ! pg_find_bin; then
    # Debian's package creates and starts its own cluster on 5432; we leave
    # that alone and never use it.
    apt_install postgresql
    pg_find_bin || die "PostgreSQL installed but no initdb found under /usr/lib/postgresql/*/bin"
  fi
  if is_root && ! id -u postgres >/dev/null 2>&1; then
    die "running as root but there is no 'postgres' OS user to run the server as"
  fi
}

# Run a PostgreSQL binary as the server's OS user (PostgreSQL refuses root).
pg_as() {
  local exe=$1
  shift
  if is_root; then
    (cd / && runuser -u postgres -- "$PG_BIN/$exe" "$@") 9>&-
  else
    "$PG_BIN/$exe" "$@" 9>&-
  fi
}

pg_pid() { # prints postmaster pid if alive
  local pid
  [[ -r $PG_DATA/postmaster.pid ]] || return 1
  pid=$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null) || return 1
  pid_alive "$pid" || return 1
  grep -qa -e postgres -e postmaster "/proc/$pid/cmdline" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

pg_ready() {
  pg_find_bin || return 1
  "$PG_BIN/pg_isready" -q -h "$KIM_PG_HOST" -p "$KIM_PG_PORT" -d postgres -t 2 >/dev/null 2>&1
}

pg_running() { pg_pid >/dev/null && pg_ready; }

# The server's OS user must be able to reach its directory (as root it lives under
# /var/lib/kim, so this holds wherever the clone is; KIM_PG_ROOT_BASE moves it).
pg_check_path() {
  local d part parts
  is_root || return 0
  if runuser -u postgres -- test -x "$PG_DIR" 2>/dev/null; then return 0; fi
  d=
  IFS=/ read -r -a parts <<<"${PG_DIR#/}"
  for part in "${parts[@]}"; do
    d=$d/$part
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      die "OS user 'postgres' cannot traverse $d ($(stat -c '%A %U:%G' -- "$d")); set KIM_PG_ROOT_BASE to a traversable place"
    fi
  done
  die "OS user 'postgres' cannot access $PG_DIR"
}

# As root, a cluster that still lives under the state dir (deploy/infra.sh before the
# move) is stopped and moved to /var/lib/kim/postgres-<hash>, and linked from there.
pg_adopt_legacy() {
  local target pid
  is_root || return 0
  [[ -d $PG_LINK && ! -L $PG_LINK ]] || return 0
  target=$KIM_PG_ROOT_BASE/postgres-$(printf '%s' "$KIM_STATE_DIR" | sha256sum | cut -c1-16)
  [[ ! -e $target ]] || die "postgres: both $PG_LINK and $target exist; remove the one that is not in use"
  if pid=$(pg_pid); then
    info "postgres: stopping the cluster in $PG_LINK (pid $pid) to move it out of the clone"
    pg_as pg_ctl -D "$PG_DATA" -s -m fast -w -t 60 stop >/dev/null || die "postgres: could not stop pid $pid"
  fi
  info "postgres: moving the cluster from $PG_LINK to $target (owned by postgres, outside the clone)"
  mkdir -p -- "$KIM_PG_ROOT_BASE"
  chmod 755 -- "$KIM_PG_ROOT_BASE"
  mv -T -- "$PG_LINK" "$target"
  ln -s -- "$target" "$PG_LINK"
  PG_DIR=$target
  pg_paths
}

pg_prepare_dirs() {
  local sock=$PG_RUN/.s.PGSQL.$KIM_PG_PORT
  ((${#sock} <= 107)) || die "unix socket path too long (${#sock} > 107 bytes): $sock; use a shorter KIM_STATE_DIR"
  mkdir -p -- "$KIM_STATE_DIR"
  if is_root; then
    mkdir -p -- "$KIM_PG_ROOT_BASE"
    chmod 755 -- "$KIM_PG_ROOT_BASE"
    mkdir -p -- "$PG_DIR" "$PG_RUN" "$PG_LOG_DIR"
    chown postgres: -- "$PG_DIR" "$PG_RUN" "$PG_LOG_DIR"
    [[ -d $PG_DATA ]] && chown -R postgres: -- "$PG_DATA"
    printf '%s\n' "$KIM_STATE_DIR" >"$PG_DIR/STATE_DIR" # whose cluster this is
    if [[ ! -L $PG_LINK || $(readlink -- "$PG_LINK") != "$PG_DIR" ]]; then
      [[ ! -e $PG_LINK || -L $PG_LINK ]] || die "postgres: $PG_LINK exists and is not a link to $PG_DIR"
      ln -sfn -- "$PG_DIR" "$PG_LINK"
    fi
  else
    mkdir -p -- "$PG_DIR" "$PG_RUN" "$PG_LOG_DIR"
  fi
  # Closed to other OS users: the cluster, its socket and its logs.
  chmod 700 -- "$PG_DIR" "$PG_RUN"
  chmod 750 -- "$PG_LOG_DIR"
  pg_check_path
}

pg_initdb() {
  local locale=C
  [[ -f $PG_DATA/PG_VERSION ]] && return 0
  if locale -a 2>/dev/null | grep -qix -e 'c.utf8' -e 'c.utf-8'; then locale=C.UTF-8; fi
  info "postgres: initdb in $PG_DATA (locale $locale)"
  rm -rf -- "$PG_DATA"
  mkdir -p -- "$PG_DATA"
  chmod 700 -- "$PG_DATA"
  is_root && chown postgres: -- "$PG_DATA"
  if ! pg_as initdb -D "$PG_DATA" -U postgres -E UTF8 --locale="$locale" \
    --auth-local=peer --auth-host=scram-sha-256 --data-checksums \
    >"$PG_LOG_DIR/initdb.log" 2>&1; then
    cat "$PG_LOG_DIR/initdb.log" >&2
    rm -rf -- "$PG_DATA"
    die "postgres: initdb failed (see above)"
  fi
}

# Write stdin atomically to $PG_DATA/$1 (owned by the server's OS user, 0600).
pg_install_file() {
  local target=$PG_DATA/$1 tmp
  tmp=$(mktemp "$PG_DATA/.$1.XXXXXX")
  cat >"$tmp"
  chmod 600 -- "$tmp"
  if is_root; then chown postgres: -- "$tmp"; fi
  mv -f -- "$tmp" "$target"
}

pg_write_conf() {
  pg_install_file kim.conf <<EOF
# Generated by deploy/infra.sh on every start. Do not edit: set KIM_* env vars.
listen_addresses = '$KIM_PG_HOST'
port = $KIM_PG_PORT
unix_socket_directories = '$PG_RUN'
# Only the server's OS user (and root) reach the socket; the services use TCP.
unix_socket_permissions = 0700
max_connections = 200
password_encryption = 'scram-sha-256'
hba_file = '$PG_DATA/pg_hba.conf'
ident_file = '$PG_DATA/pg_ident.conf'

# Durability: acknowledged commits survive a crash.
fsync = on
synchronous_commit = on
full_page_writes = on
wal_sync_method = fdatasync

timezone = 'UTC'
log_timezone = 'UTC'

# Logs go to $PG_LOG (pg_ctl -l). No statements and no
# parameter values in logs: personal data must stay out of them.
logging_collector = off
log_destination = 'stderr'
log_line_prefix = '%m [%p] %q%u@%d '
log_statement = 'none'
log_min_duration_statement = -1
log_min_error_statement = panic
log_error_verbosity = terse
log_parameter_max_length = 0
log_parameter_max_length_on_error = 0
log_connections = off
log_disconnections = off
EOF
  # No trust anywhere. The superuser: peer on the socket only, for the server's OS user
  # (and root, who can become it anyway), never over TCP. Every other role: scram-sha-256.
  pg_install_file pg_hba.conf <<EOF
# Generated by deploy/infra.sh on every start (deploy/README.md, "Security model").
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 peer map=kim_superuser
local   all       all                      scram-sha-256
host    all       postgres  all            reject
host    all       all       127.0.0.0/8    scram-sha-256
host    all       all       ::1/128        scram-sha-256
EOF
  {
    printf '# Generated by deploy/infra.sh on every start.\n# MAPNAME       SYSTEM-USERNAME  PG-USERNAME\n'
    printf 'kim_superuser  %s  postgres\n' "$PG_OS_USER"
    [[ $PG_OS_USER == root ]] || printf 'kim_superuser  root  postgres\n'
  } | pg_install_file pg_ident.conf
  if ! grep -qx "include_if_exists = 'kim.conf'" "$PG_DATA/postgresql.conf"; then
    printf "\n# KIM settings (deploy/infra.sh)\ninclude_if_exists = 'kim.conf'\n" >>"$PG_DATA/postgresql.conf"
  fi
}

pg_apply_init_sql() {
  # Passwords reach psql through the environment (init.sql reads them with
  # \getenv), so they appear neither on a command line nor in any output.
  (
    export KIM_PG_DB "${SECRET_VARS[@]}"
    export PGCONNECT_TIMEOUT=10
    # On stdin: as root, psql runs as postgres, who may not be able to read the clone.
    pg_as psql -X -q -w -h "$PG_RUN" -p "$KIM_PG_PORT" -U postgres -d postgres \
      -v ON_ERROR_STOP=1 -v kim_db="$KIM_PG_DB" -f - <"$PG_INIT_SQL" >/dev/null
  ) || die "postgres: applying $PG_INIT_SQL failed"
}

pg_start() {
  local pid
  pg_install
  pg_adopt_legacy
  if pid=$(pg_pid); then
    if pg_ready; then
      # Authentication and socket settings as generated now (a reload applies pg_hba.conf);
      # a setting that needs a restart (a server from an older infra.sh) gets one.
      pg_prepare_dirs
      pg_write_conf
      pg_as pg_ctl -D "$PG_DATA" -s reload >/dev/null || true
      sleep 0.5
      if [[ $(pg_as psql -X -A -t -q -w -h "$PG_RUN" -p "$KIM_PG_PORT" -U postgres -d postgres \
        -c 'SELECT count(*) FROM pg_settings WHERE pending_restart' 2>/dev/null) != 0 ]]; then
        info "postgres: restarting to apply settings that need a restart"
        pg_as pg_ctl -D "$PG_DATA" -l "$PG_LOG" -s -m fast -w -t "$KIM_PG_START_TIMEOUT" restart >/dev/null ||
          die "postgres: restart failed, see $PG_LOG"
        pg_wait_ready
      fi
      pg_apply_init_sql
      say "postgres: already running on $KIM_PG_HOST:$KIM_PG_PORT"
      return 0
    fi
  fi
  if [[ -z ${pid:-} ]] && port_open "$KIM_PG_HOST" "$KIM_PG_PORT"; then
    die "postgres: port $KIM_PG_HOST:$KIM_PG_PORT is already in use by another process$(port_owner "$KIM_PG_PORT"); stop it or set KIM_PG_PORT"
  fi
  pg_prepare_dirs
  pg_initdb
  pg_write_conf
  if [[ -z ${pid:-} ]]; then
    info "postgres: starting (log: $PG_LOG)"
    if ! pg_as pg_ctl -D "$PG_DATA" -l "$PG_LOG" -s -w -t "$KIM_PG_START_TIMEOUT" start >/dev/null; then
      tail -n 20 -- "$PG_LOG" >&2 || true
      die "postgres: did not start within ${KIM_PG_START_TIMEOUT}s, see $PG_LOG"
    fi
  fi
  pg_wait_ready
  pg_apply_init_sql
  say "postgres: started on $KIM_PG_HOST:$KIM_PG_PORT"
}

# Poll until it accepts TCP connections on the configured host and port.
pg_wait_ready() {
  local deadline
  deadline=$(($(now) + KIM_PG_START_TIMEOUT))
  until pg_ready; do
    if ! pg_pid >/dev/null; then
      tail -n 20 -- "$PG_LOG" >&2 || true
      die "postgres: server exited during startup, see $PG_LOG"
    fi
    (($(now) < deadline)) || die "postgres: not ready within ${KIM_PG_START_TIMEOUT}s, see $PG_LOG"
    sleep 0.2
  done
}

pg_stop() {
  local pid
  if ! pid=$(pg_pid); then
    say "postgres: not running"
    return 0
  fi
  pg_find_bin || die "postgres: running (pid $pid) but no pg_ctl found"
  kill -CONT "$pid" 2>/dev/null || true
  if ! pg_as pg_ctl -D "$PG_DATA" -s -m fast -w -t 60 stop >/dev/null; then
    info "postgres: fast shutdown timed out, using immediate"
    pg_as pg_ctl -D "$PG_DATA" -s -m immediate -w -t 30 stop >/dev/null ||
      die "postgres: could not stop pid $pid"
  fi
  say "postgres: stopped"
}

pg_status() {
  local pid
  if pid=$(pg_pid); then
    if pid_suspended "$pid"; then
      say "postgres: suspended (SIGSTOP) pid $pid on $KIM_PG_HOST:$KIM_PG_PORT"
      return 1
    elif pg_ready; then
      say "postgres: running on $KIM_PG_HOST:$KIM_PG_PORT (pid $pid)"
      return 0
    fi
    say "postgres: not ready (pid $pid, $KIM_PG_HOST:$KIM_PG_PORT not accepting connections)"
    return 1
  fi
  say "postgres: not running"
  return 1
}

# ------------------------------------------------------------------ kafka --
kafka_java_cmd() { # common JVM invocation prefix (as array assignment target)
  JAVA_CMD=(java -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$KAFKA_LOG4J"
    "-Dkafka.logs.dir=$KAFKA_LOGS"
    -cp "$KAFKA_LIBS/*")
}

kafka_install() {
  local want have repo_args=()
  command -v java >/dev/null || apt_install default-jre-headless
  [[ -f $KAFKA_POM ]] || die "missing $KAFKA_POM"
  want=$(sha256sum -- "$KAFKA_POM" | awk '{print $1}')
  have=$(cat -- "$KAFKA_STAMP" 2>/dev/null || true)
  if [[ $want == "$have" ]] && compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || apt_install maven
  [[ -n $KIM_MAVEN_REPO ]] && repo_args=("-Dmaven.repo.local=$KIM_MAVEN_REPO")
  info "kafka: resolving broker jars with Maven into $KAFKA_LIBS"
  mkdir -p -- "$KAFKA_DIR"
  rm -rf -- "$KAFKA_LIBS.tmp"
  # (sed: Debian's Maven emits colour resets even with -B -q.)
  if ! mvn -B -q -Dstyle.color=never "${repo_args[@]}" -f "$KAFKA_POM" \
    dependency:copy-dependencies -DincludeScope=runtime \
    "-DoutputDirectory=$KAFKA_LIBS.tmp" </dev/null 2>&1 |
    sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    rm -rf -- "$KAFKA_LIBS.tmp"
    die "kafka: Maven could not resolve $KAFKA_POM"
  fi
  printf '%s\n' "$want" >"$KAFKA_LIBS.tmp/.kim-pom.sha256"
  rm -rf -- "$KAFKA_LIBS"
  mv -- "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
}

kafka_pid() { # prints broker JVM pid if alive and ours
  local pid
  [[ -r $KAFKA_PIDFILE ]] || return 1
  pid=$(head -n1 -- "$KAFKA_PIDFILE" 2>/dev/null) || return 1
  pid_alive "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qx 'kafka.Kafka' || return 1
  printf '%s\n' "$pid"
}

kafka_running() { kafka_pid >/dev/null && port_open "$KIM_KAFKA_HOST" "$KIM_KAFKA_PORT"; }

# A JAAS option value in double quotes (the passwords are checked: no quote or backslash).
jaas() { printf '%s="%s"' "$1" "$2"; }

# server.properties; $1 = normal | bootstrap. In bootstrap mode the client listener also
# takes SASL/PLAIN for kim-broker and kim-admin from this file, for the few seconds in
# which deploy/infra.sh (re)writes their SCRAM credentials (a cluster formatted without
# them, or a changed KIM_KAFKA_PASSWORD_KIM_ADMIN/KIM_BROKER).
kafka_write_props() {
  local mode=$1 tmp line broker admin client_mechanisms=SCRAM-SHA-256 inter=SCRAM-SHA-256
  broker=$KIM_KAFKA_PASSWORD_KIM_BROKER
  admin=$KIM_KAFKA_PASSWORD_KIM_ADMIN
  if [[ $mode == bootstrap ]]; then client_mechanisms=SCRAM-SHA-256,PLAIN inter=PLAIN; fi
  tmp=$(mktemp "$KAFKA_DIR/.server.properties.XXXXXX") # 0600: it holds the broker's password
  {
    cat <<EOF
# Generated by deploy/infra.sh on every start ($mode). Do not edit: set KIM_* env vars
# (KIM_KAFKA_EXTRA_PROPERTIES is appended at the end and wins).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KIM_KAFKA_HOST:$KIM_KAFKA_CONTROLLER_PORT
listeners=CLIENT://$KIM_KAFKA_HOST:$KIM_KAFKA_PORT,CONTROLLER://$KIM_KAFKA_HOST:$KIM_KAFKA_CONTROLLER_PORT
advertised.listeners=CLIENT://$KIM_KAFKA_HOST:$KIM_KAFKA_PORT
inter.broker.listener.name=CLIENT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_DATA

# Authentication: SCRAM-SHA-256 for clients (users: kim create-topics), PLAIN between the
# broker and its controller (loopback only, kim-broker from this file). Nothing anonymous.
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-256
listener.name.client.sasl.enabled.mechanisms=$client_mechanisms
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=$inter
sasl.mechanism.controller.protocol=PLAIN
listener.name.client.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required $(jaas username kim-broker) $(jaas password "$broker");
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required $(jaas username kim-broker) $(jaas password "$broker") $(jaas user_kim-broker "$broker");
EOF
    if [[ $mode == bootstrap ]]; then
      printf 'listener.name.client.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required %s %s %s %s;\n' \
        "$(jaas username kim-broker)" "$(jaas password "$broker")" "$(jaas user_kim-broker "$broker")" "$(jaas user_kim-admin "$admin")"
    fi
    cat <<EOF

# Authorization: ACLs only (kim create-topics); the broker and the operator are super users.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:kim-broker;User:kim-admin

auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
unclean.leader.election.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# Keep everything: the event log is the source of truth.
log.retention.hours=-1
log.retention.bytes=-1
# 10 years
offsets.retention.minutes=5256000
EOF
    if [[ -n $KIM_KAFKA_EXTRA_PROPERTIES ]]; then
      printf '\n# KIM_KAFKA_EXTRA_PROPERTIES\n'
      while IFS= read -r line; do
        line=${line#"${line%%[![:space:]]*}"}
        line=${line%"${line##*[![:space:]]}"}
        [[ -n $line ]] && printf '%s\n' "$line"
      done < <(printf '%s\n' "$KIM_KAFKA_EXTRA_PROPERTIES" | tr ';' '\n')
    fi
  } >"$tmp"
  mv -f -- "$tmp" "$KAFKA_PROPS"
}

# Which kim-broker/kim-admin passwords the cluster holds (a digest, 0600, next to
# server.properties, which holds kim-broker's password itself).
kafka_credentials_digest() {
  printf '%s\n%s\n%s\n' "$(head -n1 -- "$KAFKA_CLUSTER_ID")" "$KIM_KAFKA_PASSWORD_KIM_BROKER" \
    "$KIM_KAFKA_PASSWORD_KIM_ADMIN" | sha256sum | cut -d' ' -f1
}

kafka_stamp_credentials() {
  (umask 077 && kafka_credentials_digest >"$KAFKA_CREDENTIALS_STAMP")
}

kafka_credentials_current() {
  [[ -s $KAFKA_CREDENTIALS_STAMP && $(cat -- "$KAFKA_CREDENTIALS_STAMP") == "$(kafka_credentials_digest)" ]]
}

# New storage: format it with the SCRAM credentials of kim-broker and kim-admin. The
# StorageTool's arguments come from a 0600 argument file (java @file), not argv, and its
# stdout (the salted keys) is discarded.
kafka_format() {
  local cid args
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  kafka_java_cmd
  if [[ ! -s $KAFKA_CLUSTER_ID ]]; then
    cid=$("${JAVA_CMD[@]}" -Xmx128m kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOGS/format.log" | tail -n1)
    [[ $cid =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka: could not generate a cluster id, see $KAFKA_LOGS/format.log"
    printf '%s\n' "$cid" >"$KAFKA_CLUSTER_ID"
  fi
  cid=$(head -n1 -- "$KAFKA_CLUSTER_ID")
  info "kafka: formatting $KAFKA_DATA (cluster id $cid) with the users kim-broker and kim-admin"
  args=$(mktemp "$KAFKA_DIR/.format.args.XXXXXX")
  {
    printf 'kafka.tools.StorageTool format --ignore-formatted -t %s -c "%s"\n' "$cid" "$KAFKA_PROPS"
    printf -- '--add-scram "SCRAM-SHA-256=[name=kim-broker,password=%s]"\n' "$KIM_KAFKA_PASSWORD_KIM_BROKER"
    printf -- '--add-scram "SCRAM-SHA-256=[name=kim-admin,password=%s]"\n' "$KIM_KAFKA_PASSWORD_KIM_ADMIN"
  } >"$args"
  if ! "${JAVA_CMD[@]}" -Xmx256m "@$args" >/dev/null 2>>"$KAFKA_LOGS/format.log" </dev/null; then
    rm -f -- "$args"
    tail -n 20 -- "$KAFKA_LOGS/format.log" >&2 || true
    die "kafka: formatting storage failed, see $KAFKA_LOGS/format.log"
  fi
  rm -f -- "$args"
  kafka_stamp_credentials
}

# Ready = the JVM lives, the port accepts connections and the broker logged
# "Kafka Server started" since we launched it (log offset $1).
kafka_wait_ready() {
  local offset=$1 pid=$2 deadline size
  deadline=$(($(now) + KIM_KAFKA_START_TIMEOUT))
  while :; do
    if ! pid_alive "$pid"; then
      rm -f -- "$KAFKA_PIDFILE"
      tail -n 20 -- "$KAFKA_OUT" >&2 2>/dev/null || true
      tail -n 20 -- "$KAFKA_SERVER_LOG" >&2 2>/dev/null || true
      die "kafka: broker exited during startup, see $KAFKA_SERVER_LOG and $KAFKA_OUT"
    fi
    if port_open "$KIM_KAFKA_HOST" "$KIM_KAFKA_PORT"; then
      size=$(stat -c %s -- "$KAFKA_SERVER_LOG" 2>/dev/null || echo 0)
      ((size < offset)) && offset=0 # rolled over meanwhile
      if tail -c "+$((offset + 1))" -- "$KAFKA_SERVER_LOG" 2>/dev/null | grep -q 'Kafka Server started'; then
        return 0
      fi
    fi
    if (($(now) >= deadline)); then
      die "kafka: broker (pid $pid) not ready within ${KIM_KAFKA_START_TIMEOUT}s, see $KAFKA_SERVER_LOG"
    fi
    sleep 0.25
  done
}

# Launch the broker with the current server.properties and wait until it is ready.
kafka_launch() {
  local pid offset heap=() extra=()
  read -r -a heap <<<"$KIM_KAFKA_HEAP"
  [[ -n $KIM_KAFKA_JVM_OPTS ]] && read -r -a extra <<<"$KIM_KAFKA_JVM_OPTS"
  kafka_java_cmd
  offset=$(stat -c %s -- "$KAFKA_SERVER_LOG" 2>/dev/null || echo 0)
  rm -f -- "$KAFKA_PIDFILE"
  info "kafka: starting (log: $KAFKA_SERVER_LOG)"
  printf '\n=== %s start\n' "$(date -u +%FT%TZ)" >>"$KAFKA_OUT"
  # New session, no terminal, stdio detached: survives the caller. The inner
  # shell writes its own pid, then execs the JVM, so the pid file is exact.
  (
    exec 9>&- # do not hand the infra lock to the daemon
    cd -- "$KAFKA_DIR"
    # shellcheck disable=SC2016 # expanded by the inner bash
    exec setsid bash -c 'printf "%s\n" "$$" >"$0"; exec "$@"' "$KAFKA_PIDFILE" \
      "${JAVA_CMD[0]}" -server "${heap[@]}" \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 \
      "${extra[@]}" "${JAVA_CMD[@]:1}" kafka.Kafka "$KAFKA_PROPS"
  ) </dev/null >>"$KAFKA_OUT" 2>&1 &
  local deadline=$(($(now) + 10))
  until [[ -s $KAFKA_PIDFILE ]]; do
    (($(now) < deadline)) || die "kafka: launcher did not write $KAFKA_PIDFILE"
    sleep 0.05
  done
  pid=$(head -n1 -- "$KAFKA_PIDFILE")
  kafka_wait_ready "$offset" "$pid"
}

# With the broker in bootstrap mode: (re)write the SCRAM credentials of kim-broker and
# kim-admin, authenticated as kim-admin over SASL/PLAIN (kafka-python; passwords via env).
kafka_bootstrap_credentials() {
  local python
  python=$(bash "$SCRIPT_DIR/python-env.sh") || die "kafka: no Python environment for the credential bootstrap"
  KIM_BOOTSTRAP_SERVERS="$KIM_KAFKA_HOST:$KIM_KAFKA_PORT" \
    KIM_KAFKA_PASSWORD_KIM_BROKER=$KIM_KAFKA_PASSWORD_KIM_BROKER \
    KIM_KAFKA_PASSWORD_KIM_ADMIN=$KIM_KAFKA_PASSWORD_KIM_ADMIN \
    "$python" - <<'EOF' || die "kafka: could not write the SCRAM credentials of kim-broker and kim-admin"
import os

from kafka import KafkaAdminClient
from kafka.admin import ScramMechanism, UserScramCredentialUpsertion

admin = KafkaAdminClient(
    bootstrap_servers=os.environ["KIM_BOOTSTRAP_SERVERS"],
    client_id="kim-infra-bootstrap",
    security_protocol="SASL_PLAINTEXT",
    sasl_mechanism="PLAIN",
    sasl_plain_username="kim-admin",
    sasl_plain_password=os.environ["KIM_KAFKA_PASSWORD_KIM_ADMIN"],
    request_timeout_ms=30000,
)
try:
    users = {"kim-broker": "KIM_KAFKA_PASSWORD_KIM_BROKER", "kim-admin": "KIM_KAFKA_PASSWORD_KIM_ADMIN"}
    changes = [UserScramCredentialUpsertion(u, ScramMechanism.SCRAM_SHA_256, os.environ[v]) for u, v in users.items()]
    failed = {user: error for user, error in admin.alter_user_scram_credentials(changes).items() if error}
finally:
    admin.close()
if failed:
    raise SystemExit(f"SCRAM credentials not written: {failed}")
EOF
}

# A running broker started with other settings (an older infra.sh: no SASL, no ACLs; other
# KIM_KAFKA_* values or passwords) is restarted, so that `start` always leaves this configuration running.
kafka_outdated() {
  local current=$KAFKA_PROPS want
  [[ -f $current ]] || return 0
  kafka_credentials_current || return 0
  want=$(mktemp "$KAFKA_DIR/.server.properties.want.XXXXXX")
  KAFKA_PROPS=$want kafka_write_props normal
  if cmp -s -- "$want" "$current"; then
    rm -f -- "$want"
    return 1
  fi
  rm -f -- "$want"
}

kafka_start() {
  local pid p
  if pid=$(kafka_pid) && ! pid_suspended "$pid" && kafka_outdated; then
    info "kafka: the running broker (pid $pid) has an outdated configuration; restarting it"
    kafka_stop >/dev/null
  fi
  if pid=$(kafka_pid); then
    if port_open "$KIM_KAFKA_HOST" "$KIM_KAFKA_PORT"; then
      if pid_suspended "$pid"; then
        say "kafka: already running on $KIM_KAFKA_HOST:$KIM_KAFKA_PORT (suspended by SIGSTOP, pid $pid)"
      else
        say "kafka: already running on $KIM_KAFKA_HOST:$KIM_KAFKA_PORT"
      fi
      return 0
    fi
    # Alive but not listening yet (still starting): wait for it.
    kafka_wait_ready 0 "$pid"
    say "kafka: started on $KIM_KAFKA_HOST:$KIM_KAFKA_PORT"
    return 0
  fi
  for p in "$KIM_KAFKA_PORT" "$KIM_KAFKA_CONTROLLER_PORT"; do
    if port_open "$KIM_KAFKA_HOST" "$p"; then
      die "kafka: port $KIM_KAFKA_HOST:$p is already in use by another process$(port_owner "$p"); stop it or set KIM_KAFKA_PORT/KIM_KAFKA_CONTROLLER_PORT"
    fi
  done
  kafka_install
  mkdir -p -- "$KAFKA_DATA" "$KAFKA_LOGS"
  chmod 700 -- "$KAFKA_DIR" # the topics hold personal data; server.properties a password
  kafka_write_props normal
  kafka_format
  if ! kafka_credentials_current; then
    info "kafka: writing the SCRAM credentials of kim-broker and kim-admin (bootstrap start)"
    kafka_write_props bootstrap
    kafka_launch
    kafka_bootstrap_credentials
    kafka_stop >/dev/null
    kafka_stamp_credentials
    kafka_write_props normal
  fi
  kafka_launch
  say "kafka: started on $KIM_KAFKA_HOST:$KIM_KAFKA_PORT"
}

kafka_stop() {
  local pid deadline
  if ! pid=$(kafka_pid); then
    rm -f -- "$KAFKA_PIDFILE"
    say "kafka: not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  kill -CONT "$pid" 2>/dev/null || true # a SIGSTOPped JVM must run to handle TERM
  deadline=$(($(now) + KIM_KAFKA_STOP_TIMEOUT))
  while pid_alive "$pid"; do
    if (($(now) >= deadline)); then
      info "kafka: pid $pid did not exit within ${KIM_KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$(($(now) + 10))
      while pid_alive "$pid"; do
        (($(now) < deadline)) || die "kafka: pid $pid survived SIGKILL"
        sleep 0.1
      done
      break
    fi
    sleep 0.2
  done
  rm -f -- "$KAFKA_PIDFILE"
  say "kafka: stopped"
}

kafka_status() {
  local pid
  if pid=$(kafka_pid); then
    if pid_suspended "$pid"; then
      say "kafka: suspended (SIGSTOP) pid $pid on $KIM_KAFKA_HOST:$KIM_KAFKA_PORT"
      return 1
    elif port_open "$KIM_KAFKA_HOST" "$KIM_KAFKA_PORT"; then
      say "kafka: running on $KIM_KAFKA_HOST:$KIM_KAFKA_PORT (pid $pid)"
      return 0
    fi
    say "kafka: not ready (pid $pid, $KIM_KAFKA_HOST:$KIM_KAFKA_PORT not accepting connections)"
    return 1
  fi
  say "kafka: not running"
  return 1
}

# --------------------------------------------------------------- commands --
# libpq keyword/value quoting: 'value' with \ and ' escaped.
pq_quote() {
  local v=${1//\\/\\\\}
  v=${v//\'/\\\'}
  printf "'%s'" "$v"
}

cmd_env() {
  local s upper
  pg_find_bin || true
  # POSIX single quoting: `eval "$(infra.sh env)"` or Python's shlex.split.
  emit() { printf "export %s='%s'\n" "$1" "${2//\'/\'\\\'\'}"; }
  emit KIM_STATE_DIR "$KIM_STATE_DIR"
  emit KIM_PG_HOST "$KIM_PG_HOST"
  emit KIM_PG_PORT "$KIM_PG_PORT"
  emit KIM_PG_DB "$KIM_PG_DB"
  emit KIM_PG_SOCKET_DIR "$PG_RUN"
  emit KIM_PG_BIN "$PG_BIN"
  emit KIM_PG_LOG "$PG_LOG"
  emit KIM_PG_ADMIN_DSN "host=$(pq_quote "$PG_RUN") port=$KIM_PG_PORT dbname=$(pq_quote "$KIM_PG_DB") user=postgres"
  # Never passwords: the DSNs name the role; libpq takes the password from PGPASSWORD/.pgpass.
  for s in "${SERVICES[@]}"; do
    upper=${s^^}
    emit "KIM_PG_DSN_$upper" "host=$KIM_PG_HOST port=$KIM_PG_PORT dbname=$(pq_quote "$KIM_PG_DB") user=$s"
    emit "KIM_PG_OWNER_DSN_$upper" "host=$KIM_PG_HOST port=$KIM_PG_PORT dbname=$(pq_quote "$KIM_PG_DB") user=${s}_owner"
  done
  emit KIM_KAFKA_HOST "$KIM_KAFKA_HOST"
  emit KIM_KAFKA_PORT "$KIM_KAFKA_PORT"
  emit KIM_KAFKA_CONTROLLER_PORT "$KIM_KAFKA_CONTROLLER_PORT"
  emit KIM_KAFKA_BOOTSTRAP "$KIM_KAFKA_HOST:$KIM_KAFKA_PORT"
  emit KIM_KAFKA_HEAP "$KIM_KAFKA_HEAP"
  emit KIM_KAFKA_LOG "$KAFKA_SERVER_LOG"
  emit KIM_KAFKA_EXTRA_PROPERTIES "$KIM_KAFKA_EXTRA_PROPERTIES"
}

cmd_reset() {
  [[ $KIM_STATE_DIR != / && $KIM_STATE_DIR != "${HOME:-/}" ]] || die "refusing to reset KIM_STATE_DIR=$KIM_STATE_DIR"
  pg_stop
  kafka_stop
  keycloak reset
  rm -rf -- "$PG_DIR" "$KAFKA_DATA" "$KAFKA_LOGS" "$KAFKA_PROPS" "$KAFKA_CLUSTER_ID" "$KAFKA_PIDFILE" \
    "$KAFKA_CREDENTIALS_STAMP"
  [[ -L $PG_LINK ]] && rm -f -- "$PG_LINK"
  say "reset: deleted PostgreSQL, Kafka and Keycloak data under $KIM_STATE_DIR (kept the caches)"
}

usage() {
  sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

which_components() { # [postgres|kafka|all] -> COMPONENTS
  case ${1:-all} in
    all) COMPONENTS=(postgres kafka keycloak) ;;
    postgres | kafka | keycloak) COMPONENTS=("$1") ;;
    *) usage ;;
  esac
}

prefix() { if [[ $1 == postgres ]]; then echo pg; else echo "$1"; fi; }

# Keycloak has a script of its own (own lock, own settings); these delegate to it.
keycloak() { KIM_STATE_DIR=$KIM_STATE_DIR KIM_ENVIRONMENT=$KIM_ENVIRONMENT bash "$SCRIPT_DIR/keycloak.sh" "$@"; }
keycloak_start() { keycloak start; }
keycloak_stop() { keycloak stop; }

validate() {
  check_port_number KIM_PG_PORT "$KIM_PG_PORT"
  check_port_number KIM_KAFKA_PORT "$KIM_KAFKA_PORT"
  check_port_number KIM_KAFKA_CONTROLLER_PORT "$KIM_KAFKA_CONTROLLER_PORT"
  check_loopback KIM_PG_HOST "$KIM_PG_HOST"
  check_loopback KIM_KAFKA_HOST "$KIM_KAFKA_HOST"
  [[ $KIM_PG_DB =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "KIM_PG_DB must be a plain identifier, got '$KIM_PG_DB'"
}

# Secrets: never a development default in production (named, never printed); the two
# Kafka passwords that go into server.properties and the JAAS configuration must not
# contain quotes, backslashes, whitespace or the characters , ; [ ].
check_secrets() {
  local var
  for var in "${SECRET_VARS[@]}"; do
    if [[ $KIM_ENVIRONMENT == production && ${!var} == "${DEV_DEFAULTS[$var]}" ]]; then
      die "$var is a development default password; set a secret one (KIM_ENVIRONMENT=production)"
    fi
  done
  for var in KIM_KAFKA_PASSWORD_KIM_BROKER KIM_KAFKA_PASSWORD_KIM_ADMIN; do
    [[ ${!var} =~ ^[A-Za-z0-9._~+/=:@%^!*?#-]{8,200}$ ]] ||
      die "$var must be 8 to 200 characters of A-Z a-z 0-9 . _ ~ + / = : @ % ^ ! * ? # -"
  done
}

main() {
  local cmd=${1:-} c rc=0
  [[ $# -gt 0 ]] && shift
  validate
  case $cmd in
    install)
      take_lock
      pg_install
      kafka_install
      keycloak install
      say "install: PostgreSQL in $PG_BIN, Kafka jars in $KAFKA_LIBS, Keycloak (deploy/keycloak.sh)"
      ;;
    start)
      which_components "$@"
      check_secrets
      take_lock
      for c in "${COMPONENTS[@]}"; do "$(prefix "$c")_start"; done
      ;;
    stop)
      which_components "$@"
      take_lock
      for c in "${COMPONENTS[@]}"; do "$(prefix "$c")_stop"; done
      ;;
    status)
      pg_status || rc=3
      kafka_status || rc=3
      keycloak status || rc=3
      return "$rc"
      ;;
    pid)
      case ${1:-} in
        postgres) pg_pid || { info "postgres: not running" && return 1; } ;;
        kafka) kafka_pid || { info "kafka: not running" && return 1; } ;;
        keycloak) keycloak pid ;;
        *) usage ;;
      esac
      ;;
    env)
      cmd_env
      keycloak env
      ;;
    reset)
      take_lock
      cmd_reset
      ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
