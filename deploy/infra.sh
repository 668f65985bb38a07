#!/usr/bin/env bash
# Local infrastructure for KIM without Docker: one PostgreSQL cluster and one
# single-node Kafka broker (KRaft), both loopback-only, all state under
# $KIM_STATE_DIR (default <repo>/.kim).
#
#   deploy/infra.sh install                     install PostgreSQL (apt) and the Kafka jars (Maven)
#   deploy/infra.sh start  [postgres|kafka|all] start (idempotent), waits until ready
#   deploy/infra.sh stop   [postgres|kafka|all] clean stop (idempotent)
#   deploy/infra.sh status                      one line each; exit 0 all running, 3 otherwise
#   deploy/infra.sh pid    postgres|kafka       main pid (postmaster / broker JVM), exit 1 if none
#   deploy/infra.sh env                         `export KEY=value` lines of the effective settings
#   deploy/infra.sh reset                       stop all, delete all data (keeps the jar cache)
#
# See deploy/README.md for the environment variables.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(dirname -- "$SCRIPT_DIR")

# ---------------------------------------------------------------- settings --
KIM_STATE_DIR=${KIM_STATE_DIR:-$REPO_ROOT/.kim}
case $KIM_STATE_DIR in /*) ;; *) KIM_STATE_DIR=$PWD/$KIM_STATE_DIR ;; esac
KIM_STATE_DIR=$(realpath -m -- "$KIM_STATE_DIR")

KIM_PG_HOST=${KIM_PG_HOST:-127.0.0.1}
KIM_PG_PORT=${KIM_PG_PORT:-55432}
KIM_PG_DB=${KIM_PG_DB:-kim}
KIM_PG_PASSWORD_INTAKE=${KIM_PG_PASSWORD_INTAKE:-intake-dev}
KIM_PG_PASSWORD_FOREIGN_OFFICE=${KIM_PG_PASSWORD_FOREIGN_OFFICE:-foreign_office-dev}
KIM_PG_PASSWORD_KOBIZ=${KIM_PG_PASSWORD_KOBIZ:-kobiz-dev}
KIM_PG_START_TIMEOUT=${KIM_PG_START_TIMEOUT:-60}

KIM_KAFKA_HOST=${KIM_KAFKA_HOST:-127.0.0.1}
KIM_KAFKA_PORT=${KIM_KAFKA_PORT:-59092}
KIM_KAFKA_CONTROLLER_PORT=${KIM_KAFKA_CONTROLLER_PORT:-59093}
KIM_KAFKA_HEAP=${KIM_KAFKA_HEAP:--Xms256m -Xmx768m}
KIM_KAFKA_JVM_OPTS=${KIM_KAFKA_JVM_OPTS:-}
KIM_KAFKA_EXTRA_PROPERTIES=${KIM_KAFKA_EXTRA_PROPERTIES:-}
KIM_KAFKA_START_TIMEOUT=${KIM_KAFKA_START_TIMEOUT:-90}
KIM_KAFKA_STOP_TIMEOUT=${KIM_KAFKA_STOP_TIMEOUT:-60}
KIM_MAVEN_REPO=${KIM_MAVEN_REPO:-}

PG_DIR=$KIM_STATE_DIR/postgres
PG_DATA=$PG_DIR/data
PG_RUN=$PG_DIR/run
PG_LOG_DIR=$PG_DIR/log
PG_LOG=$PG_LOG_DIR/postgres.log
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
KAFKA_POM=$SCRIPT_DIR/kafka/pom.xml
KAFKA_LOG4J=$SCRIPT_DIR/kafka/log4j2.yaml

SERVICES=(intake foreign_office kobiz)

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

# The postgres user must be able to reach the state dir.
pg_check_path() {
  local d
  is_root || return 0
  if runuser -u postgres -- test -x "$PG_DIR" 2>/dev/null; then return 0; fi
  # Report the first directory from / downwards that it cannot enter.
  d=
  local part parts
  IFS=/ read -r -a parts <<<"${PG_DIR#/}"
  for part in "${parts[@]}"; do
    d=$d/$part
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      die "OS user 'postgres' cannot traverse $d ($(stat -c '%A %U:%G' -- "$d")); run 'chmod o+x $d' or set KIM_STATE_DIR to a traversable place"
    fi
  done
  die "OS user 'postgres' cannot access $PG_DIR"
}

pg_prepare_dirs() {
  local sock=$PG_RUN/.s.PGSQL.$KIM_PG_PORT
  ((${#sock} <= 107)) || die "unix socket path too long (${#sock} > 107 bytes): $sock; use a shorter KIM_STATE_DIR"
  mkdir -p -- "$KIM_STATE_DIR"
  chmod 755 -- "$KIM_STATE_DIR" 2>/dev/null || true
  mkdir -p -- "$PG_DIR" "$PG_RUN" "$PG_LOG_DIR"
  if is_root; then
    chown postgres: -- "$PG_DIR" "$PG_RUN" "$PG_LOG_DIR"
    [[ -d $PG_DATA ]] && chown -R postgres: -- "$PG_DATA"
  fi
  chmod 755 -- "$PG_DIR" "$PG_RUN"
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
    --auth-local=trust --auth-host=scram-sha-256 --data-checksums \
    >"$PG_LOG_DIR/initdb.log" 2>&1; then
    cat "$PG_LOG_DIR/initdb.log" >&2
    rm -rf -- "$PG_DATA"
    die "postgres: initdb failed (see above)"
  fi
}

pg_write_conf() {
  local conf=$PG_DATA/kim.conf tmp
  tmp=$(mktemp "$PG_DATA/.kim.conf.XXXXXX")
  cat >"$tmp" <<EOF
# Generated by deploy/infra.sh on every start. Do not edit: set KIM_* env vars.
listen_addresses = '$KIM_PG_HOST'
port = $KIM_PG_PORT
unix_socket_directories = '$PG_RUN'
unix_socket_permissions = 0777
max_connections = 200
password_encryption = 'scram-sha-256'

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
  chmod 600 -- "$tmp"
  is_root && chown postgres: -- "$tmp"
  mv -f -- "$tmp" "$conf"
  if ! grep -qx "include_if_exists = 'kim.conf'" "$PG_DATA/postgresql.conf"; then
    printf "\n# KIM settings (deploy/infra.sh)\ninclude_if_exists = 'kim.conf'\n" >>"$PG_DATA/postgresql.conf"
  fi
}

pg_apply_init_sql() {
  # Passwords reach psql through the environment (init.sql reads them with
  # \getenv), so they appear neither on a command line nor in any output.
  (
    export KIM_PG_DB KIM_PG_PASSWORD_INTAKE KIM_PG_PASSWORD_FOREIGN_OFFICE KIM_PG_PASSWORD_KOBIZ
    export PGCONNECT_TIMEOUT=10
    pg_as psql -X -q -w -h "$PG_RUN" -p "$KIM_PG_PORT" -U postgres -d postgres \
      -v ON_ERROR_STOP=1 -v kim_db="$KIM_PG_DB" -f "$PG_INIT_SQL" >/dev/null
  ) || die "postgres: applying $PG_INIT_SQL failed"
}

pg_start() {
  local deadline pid
  pg_install
  if pid=$(pg_pid); then
    if pg_ready; then
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
  # Poll until it accepts TCP connections on the configured host and port.
  deadline=$(($(now) + KIM_PG_START_TIMEOUT))
  until pg_ready; do
    if ! pg_pid >/dev/null; then
      tail -n 20 -- "$PG_LOG" >&2 || true
      die "postgres: server exited during startup, see $PG_LOG"
    fi
    (($(now) < deadline)) || die "postgres: not ready within ${KIM_PG_START_TIMEOUT}s, see $PG_LOG"
    sleep 0.2
  done
  pg_apply_init_sql
  say "postgres: started on $KIM_PG_HOST:$KIM_PG_PORT"
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

kafka_write_props() {
  local tmp line
  tmp=$(mktemp "$KAFKA_DIR/.server.properties.XXXXXX")
  {
    cat <<EOF
# Generated by deploy/infra.sh on every start. Do not edit: set KIM_* env vars
# (KIM_KAFKA_EXTRA_PROPERTIES is appended at the end and wins).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KIM_KAFKA_HOST:$KIM_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KIM_KAFKA_HOST:$KIM_KAFKA_PORT,CONTROLLER://$KIM_KAFKA_HOST:$KIM_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KIM_KAFKA_HOST:$KIM_KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA

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

kafka_format() {
  local cid
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  kafka_java_cmd
  if [[ ! -s $KAFKA_CLUSTER_ID ]]; then
    cid=$("${JAVA_CMD[@]}" -Xmx128m kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOGS/format.log" | tail -n1)
    [[ $cid =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka: could not generate a cluster id, see $KAFKA_LOGS/format.log"
    printf '%s\n' "$cid" >"$KAFKA_CLUSTER_ID"
  fi
  cid=$(head -n1 -- "$KAFKA_CLUSTER_ID")
  info "kafka: formatting $KAFKA_DATA (cluster id $cid)"
  if ! "${JAVA_CMD[@]}" -Xmx256m kafka.tools.StorageTool format --ignore-formatted \
    -t "$cid" -c "$KAFKA_PROPS" >>"$KAFKA_LOGS/format.log" 2>&1 </dev/null; then
    tail -n 20 -- "$KAFKA_LOGS/format.log" >&2 || true
    die "kafka: formatting storage failed, see $KAFKA_LOGS/format.log"
  fi
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

kafka_start() {
  local pid offset p heap=() extra=()
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
  kafka_write_props
  kafka_format
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
  local s upper pw var
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
  for s in "${SERVICES[@]}"; do
    upper=${s^^}
    var=KIM_PG_PASSWORD_$upper
    pw=${!var}
    emit "$var" "$pw"
    emit "KIM_PG_DSN_$upper" "host=$KIM_PG_HOST port=$KIM_PG_PORT dbname=$(pq_quote "$KIM_PG_DB") user=$s password=$(pq_quote "$pw")"
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
  rm -rf -- "$PG_DIR" "$KAFKA_DATA" "$KAFKA_LOGS" "$KAFKA_PROPS" "$KAFKA_CLUSTER_ID" "$KAFKA_PIDFILE"
  say "reset: deleted PostgreSQL and Kafka data under $KIM_STATE_DIR (kept the jar cache $KAFKA_LIBS)"
}

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

which_components() { # [postgres|kafka|all] -> COMPONENTS
  case ${1:-all} in
    all) COMPONENTS=(postgres kafka) ;;
    postgres | kafka) COMPONENTS=("$1") ;;
    *) usage ;;
  esac
}

prefix() { if [[ $1 == postgres ]]; then echo pg; else echo "$1"; fi; }

validate() {
  check_port_number KIM_PG_PORT "$KIM_PG_PORT"
  check_port_number KIM_KAFKA_PORT "$KIM_KAFKA_PORT"
  check_port_number KIM_KAFKA_CONTROLLER_PORT "$KIM_KAFKA_CONTROLLER_PORT"
  check_loopback KIM_PG_HOST "$KIM_PG_HOST"
  check_loopback KIM_KAFKA_HOST "$KIM_KAFKA_HOST"
  [[ $KIM_PG_DB =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "KIM_PG_DB must be a plain identifier, got '$KIM_PG_DB'"
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
      say "install: PostgreSQL in $PG_BIN, Kafka jars in $KAFKA_LIBS"
      ;;
    start)
      which_components "$@"
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
      return "$rc"
      ;;
    pid)
      case ${1:-} in
        postgres) pg_pid || { info "postgres: not running" && return 1; } ;;
        kafka) kafka_pid || { info "kafka: not running" && return 1; } ;;
        *) usage ;;
      esac
      ;;
    env) cmd_env ;;
    reset)
      take_lock
      cmd_reset
      ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
