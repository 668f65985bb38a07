#!/usr/bin/env bash
# The web views' front-end assets, pinned and served by the services themselves (never a CDN):
# KERN UX (@kern-ux/native, EUPL-1.2) css, fonts and js, and htmx (0BSD), from web/package-lock.json;
# axe-core (MPL-2.0) for the browser tests only. `npm ci` checks every package against the
# lockfile's sha512; then each file we use is checked against web/assets.sha256 and copied
# with its licence into web/static/ (git-ignored), which the apps serve under /<service>/static/vendor/.
# Once per change of the lockfile or the checksums; the registry is asked only then.
#
#   bash deploy/web-assets.sh             the assets
#   bash deploy/web-assets.sh --browser   also Debian's Chromium for the browser tests (apt, as root, if absent)
#
# Called by deploy/up.sh (assets) and deploy/test.sh (assets and browser).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/web"
static="$web/static"
stamp="$static/.kim-assets.sha256"
die() {
  printf 'web-assets: error: %s\n' "$*" >&2
  exit 1
}

install_browser() {
  # chromium-l10n carries Chromium's German strings: date fields show TT.MM.JJJJ only with them.
  if command -v chromium >/dev/null 2>&1 && dpkg-query -W -f='${Status}' chromium-l10n 2>/dev/null | grep -q "ok installed"; then
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || die "Chromium or its German strings are missing: run as root, or: sudo apt-get install -y chromium chromium-l10n"
  echo "web-assets: installing Debian's chromium and chromium-l10n (apt)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n >&2
}

install_assets() {
  local want
  want="$(cat "$web/package.json" "$web/package-lock.json" "$web/assets.sha256" | sha256sum | cut -d' ' -f1)"
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm is needed once to fetch the pinned assets (Debian: apt-get install -y npm)"
  echo "web-assets: installing the pinned assets (npm ci) into $static" >&2
  (cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  (cd "$web" && sha256sum --check --strict --quiet assets.sha256) || die "an asset does not match web/assets.sha256"
  local tmp="$web/.static.tmp" path target
  rm -rf -- "$tmp"
  while read -r _ path; do
    case $path in
      node_modules/@kern-ux/native/dist/*) target="kern/${path#node_modules/@kern-ux/native/dist/}" ;;
      node_modules/@kern-ux/native/LICENSE.md) target="kern/LICENSE.md" ;;
      node_modules/htmx.org/dist/*) target="htmx/${path#node_modules/htmx.org/dist/}" ;;
      node_modules/htmx.org/LICENSE) target="htmx/LICENSE" ;;
      node_modules/axe-core/*) continue ;; # tests only: read from node_modules
      *) die "web/assets.sha256 names $path, which has no place in web/static" ;;
    esac
    mkdir -p -- "$(dirname -- "$tmp/$target")"
    cp -- "$web/$path" "$tmp/$target"
  done <"$web/assets.sha256"
  echo "$want" >"$tmp/.kim-assets.sha256"
  rm -rf -- "$static"
  mv -- "$tmp" "$static"
}

mkdir -p -- "$root/.kim"
exec 9>"$root/.kim/.web-assets.lock"
flock 9
install_assets
if [[ ${1:-} == --browser ]]; then
  install_browser
fi
