#!/usr/bin/env bash
# Installs the engines the tests run against into a project-local folder (default .tools/,
# ignored by git), without touching the system's packages:
#
#   .tools/prometheus/<version>/   prometheus, promtool, prometheus-alertmanager, amtool
#                                  from Debian's packages of that version
#   .tools/bin/                    victoria-metrics, vmalert, vmalert-tool, sloth (built with `go install`)
#   .tools/crds/<owner>-<repo>@<version>/
#                                  the CustomResourceDefinitions of the resources sloforge
#                                  writes, as the operators publish them in their Go modules
#                                  (`go mod download`; tests/crds.rs checks every generated
#                                  resource against them)
#   .tools/node/                   the TypeScript compiler and Grafana's dashboard schema
#                                  (`@grafana/schema`) from npm, at the exact versions of
#                                  scripts/node/package-lock.json (`npm ci`; tests/dashboards.rs
#                                  type-checks every generated dashboard with them)
#
# Idempotent: a version whose folder holds a `.complete` marker is not fetched again. Downloads
# and builds are cached outside the checkout (SLOFORGE_TOOLS_CACHE, default
# ~/.cache/sloforge-tools; Go's own module and build caches as Go sets them), so a fresh clone
# on the same machine installs in seconds. Every pinned version is in the table below and
# nowhere else. Usage: scripts/tools.sh [--only prometheus|go|crds|node]
set -euo pipefail

# suite        prometheus  alertmanager  (upstream versions; any Debian revision of them)
PROMETHEUS_RELEASES=(
  "bookworm    2.42.0      0.25.0"
  "trixie      2.53.3      0.28.1"
  "sid         3.5.3       0.33.1"
)
# Go module                                                     version
GO_TOOLS=(
  "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics v1.151.0"
  "github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert          v1.151.0"
  "github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert-tool     v1.151.0"
  "github.com/slok/sloth/cmd/sloth                                 v0.16.0"
)
# Go module (its repository's files)                    version  CRD files in it
CRD_MODULES=(
  "github.com/prometheus-operator/prometheus-operator  v0.85.0  example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml example/prometheus-operator-crd/monitoring.coreos.com_alertmanagerconfigs.yaml"
  "github.com/VictoriaMetrics/operator                 v0.60.0  config/crd/overlay/crd.yaml"
)
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_KEYRING="${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"

cd "$(dirname "$0")/.."
TOOLS="${SLOFORGE_TOOLS:-$PWD/.tools}"
ONLY="${2:-}"
[ "${1:-}" = "--only" ] || ONLY=""
CACHE="${SLOFORGE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sloforge-tools}"
mkdir -p "$TOOLS" "$CACHE"
TOOLS="$(cd "$TOOLS" && pwd)"

fail() {
  echo "tools: $*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 || fail "$1 is needed to $2"
}

# --- Prometheus and Alertmanager from Debian ------------------------------------------------

apt_dir="$CACHE/apt"
apt_opts=()

apt_setup() {
  need apt-get "download Debian's prometheus packages"
  need dpkg-deb "unpack Debian's prometheus packages"
  [ -r "$DEBIAN_KEYRING" ] || fail "Debian's archive keyring ($DEBIAN_KEYRING) is missing: apt-get install debian-archive-keyring"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc"
  : >"$apt_dir/etc/sources.list"
  local release suite
  for release in "${PROMETHEUS_RELEASES[@]}"; do
    read -r suite _ _ <<<"$release"
    echo "deb [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $suite main" >>"$apt_dir/etc/sources.list"
  done
  apt_opts=(
    -o "Dir::Etc::sourcelist=$apt_dir/etc/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives"
    -o "Dir::State::status=/dev/null" -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
  )
  # The lists are read once a day at most, and only when something is missing.
  if [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    echo "tools: reading Debian's package lists"
    apt-get "${apt_opts[@]}" -qq update || fail "apt-get update failed for $DEBIAN_MIRROR; is the Debian mirror reachable?"
  fi
}

# The newest Debian version of PACKAGE in SUITE whose upstream version is UPSTREAM.
debian_version() {
  local package=$1 suite=$2 upstream=$3
  apt-cache "${apt_opts[@]}" madison "$package" 2>/dev/null |
    awk -F'|' -v s=" $suite/" -v u="$upstream" '
      index($3, s) { gsub(/ /, "", $2); v = $2; sub(/^[0-9]+:/, "", v); if (index(v, u "+") == 1 || index(v, u "-") == 1 || v == u) { print $2; exit } }'
}

install_prometheus() {
  local suite=$1 prom=$2 am=$3
  local dest="$TOOLS/prometheus/$prom" built="$CACHE/prometheus/$prom"
  [ -f "$dest/.complete" ] && [ -f "$dest/templates/default.tmpl" ] && return 0
  if [ ! -f "$built/.complete" ] || [ ! -f "$built/templates/default.tmpl" ]; then
    build_prometheus "$suite" "$prom" "$am" "$built"
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  cp -pr "$built"/* "$built/.complete" "$dest/"
}

# Debian's Alertmanager reads its default notification templates (default.tmpl, email.tmpl)
# from this folder rather than from the binary, and rejects every configuration while they are
# missing. The newest version's are installed there when the system has none (an older
# Alertmanager reads only the templates it knows).
AM_TEMPLATES=/usr/share/prometheus/alertmanager

install_alertmanager_templates() {
  local newest="$TOOLS/prometheus/$1/templates"
  [ -f "$AM_TEMPLATES/default.tmpl" ] && [ -f "$AM_TEMPLATES/email.tmpl" ] && return 0
  mkdir -p "$AM_TEMPLATES" 2>/dev/null && cp "$newest"/*.tmpl "$AM_TEMPLATES/" 2>/dev/null ||
    fail "Debian's Alertmanager needs its templates in $AM_TEMPLATES: copy $newest/*.tmpl there (as root)"
  echo "tools: installed Alertmanager's default templates in $AM_TEMPLATES"
}

build_prometheus() {
  local suite=$1 prom=$2 am=$3 dest=$4
  [ ${#apt_opts[@]} -gt 0 ] || apt_setup
  local packages=(prometheus promtool prometheus-alertmanager) specs=() p v upstream
  for p in "${packages[@]}"; do
    upstream=$prom
    [ "$p" = prometheus-alertmanager ] && upstream=$am
    v="$(debian_version "$p" "$suite" "$upstream")"
    if [ -z "$v" ]; then
      # Before trixie, promtool was part of the prometheus package.
      [ "$p" = promtool ] && continue
      fail "Debian $suite has no $p $upstream (apt-cache madison $p lists: $(apt-cache "${apt_opts[@]}" madison "$p" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); printf "%s ", $2}'))"
    fi
    specs+=("$p=$v")
  done
  echo "tools: Prometheus $prom + Alertmanager $am from Debian $suite (${specs[*]})"
  local work="$CACHE/deb-$prom"
  rm -rf "$work" && mkdir -p "$work/root"
  (cd "$work" && apt-get "${apt_opts[@]}" -qq download "${specs[@]}") || fail "apt-get download ${specs[*]} failed"
  for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
  done
  rm -rf "$dest" && mkdir -p "$dest"
  for bin in prometheus promtool prometheus-alertmanager amtool; do
    [ -x "$work/root/usr/bin/$bin" ] || fail "$bin is not in ${specs[*]}"
    cp "$work/root/usr/bin/$bin" "$dest/$bin"
  done
  mkdir -p "$dest/templates"
  cp "$work/root$AM_TEMPLATES"/*.tmpl "$dest/templates/" || fail "$AM_TEMPLATES/*.tmpl are not in ${specs[*]}"
  [ -f "$dest/templates/default.tmpl" ] || fail "$AM_TEMPLATES/default.tmpl is not in ${specs[*]}"
  "$dest/promtool" --version >/dev/null 2>&1 || fail "$dest/promtool does not run on this machine"
  "$dest/prometheus-alertmanager" --version >/dev/null 2>&1 || fail "$dest/prometheus-alertmanager does not run on this machine"
  rm -rf "$work"
  printf '%s\n' "${specs[@]}" >"$dest/.complete"
}

# --- Go-built engines -------------------------------------------------------------------------

install_go_tools() {
  local line module version bin
  mkdir -p "$TOOLS/bin"
  for line in "${GO_TOOLS[@]}"; do
    read -r module version <<<"$line"
    bin="${module##*/}"
    if [ -f "$TOOLS/bin/.$bin.version" ] && [ "$(cat "$TOOLS/bin/.$bin.version")" = "$version" ] && [ -x "$TOOLS/bin/$bin" ]; then
      continue
    fi
    local built="$CACHE/go/$bin-$version"
    if [ ! -x "$built/$bin" ]; then
      need go "build $bin (Debian's golang-go or Go from its project)"
      echo "tools: go install $module@$version"
      mkdir -p "$built"
      GOBIN="$built" GOFLAGS="-mod=mod" CGO_ENABLED="${CGO_ENABLED:-0}" \
        go install "$module@$version" || fail "go install $module@$version failed (is the Go module proxy reachable?)"
    fi
    cp "$built/$bin" "$TOOLS/bin/$bin"
    echo "$version" >"$TOOLS/bin/.$bin.version"
  done
}

# --- CustomResourceDefinitions ----------------------------------------------------------------

# The CRD files of each module, copied out of Go's module cache (where `go mod download` keeps
# the module) into .tools/crds/<owner>-<repo>@<version>/.
install_crds() {
  local line module version files name json dir dest f
  for line in "${CRD_MODULES[@]}"; do
    read -r module version files <<<"$line"
    name="${module#github.com/}"
    dest="$TOOLS/crds/${name//\//-}@$version"
    [ -f "$dest/.complete" ] && continue
    need go "download the CRDs of $module (Debian's golang-go or Go from its project)"
    echo "tools: go mod download $module@$version (its CRDs)"
    json="$(go mod download -json "$module@$version")" ||
      fail "go mod download $module@$version failed (is the Go module proxy reachable?): $json"
    dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
    [ -n "$dir" ] && [ -d "$dir" ] || fail "go mod download $module@$version names no module directory: $json"
    rm -rf "$dest" && mkdir -p "$dest"
    for f in $files; do
      [ -f "$dir/$f" ] || fail "$f is not in $module@$version"
      cp "$dir/$f" "$dest/" && chmod u+w "$dest/$(basename "$f")"
    done
    echo "$module $version" >"$dest/.complete"
  done
}

# --- npm packages ---------------------------------------------------------------------------

# scripts/node/package.json pins each package to one version and package-lock.json pins the
# tree; the folder is reinstalled when the lock file changes.
install_node() {
  local dest="$TOOLS/node" lock=scripts/node/package-lock.json stamp
  stamp="$(sha256sum "$lock" | cut -d' ' -f1)"
  [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$stamp" ] && return 0
  need npm "install the TypeScript compiler and @grafana/schema (Debian's npm, or Node.js from its project)"
  echo "tools: npm ci (scripts/node: $(sed -n 's/^    "\(@\{0,1\}[a-z/]*\)": "\([0-9.]*\)",\{0,1\}$/\1@\2/p' scripts/node/package.json | tr '\n' ' '))"
  rm -rf "$dest" && mkdir -p "$dest"
  cp scripts/node/package.json "$lock" "$dest/"
  (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --cache "$CACHE/npm" >/dev/null) ||
    fail "npm ci failed in $dest (is the npm registry reachable?)"
  [ -x "$dest/node_modules/.bin/tsc" ] || fail "npm ci left no tsc in $dest"
  echo "$stamp" >"$dest/.complete"
}

if [ "$ONLY" != go ] && [ "$ONLY" != crds ] && [ "$ONLY" != node ]; then
  for release in "${PROMETHEUS_RELEASES[@]}"; do
    read -r suite prom am <<<"$release"
    install_prometheus "$suite" "$prom" "$am"
  done
  install_alertmanager_templates "$prom"
fi
if [ -z "$ONLY" ] || [ "$ONLY" = go ]; then install_go_tools; fi
if [ -z "$ONLY" ] || [ "$ONLY" = crds ]; then install_crds; fi
if [ -z "$ONLY" ] || [ "$ONLY" = node ]; then install_node; fi

for dir in "$TOOLS"/prometheus/*/; do
  [ -f "$dir/.complete" ] || continue
  printf 'tools: %-28s %s\n' "$(basename "$dir")" "$("$dir/promtool" --version 2>&1 | head -1), $("$dir/amtool" --version 2>&1 | head -1)"
done
for bin in victoria-metrics vmalert vmalert-tool sloth; do
  [ -x "$TOOLS/bin/$bin" ] && printf 'tools: %-28s %s\n' "$bin" "$(cat "$TOOLS/bin/.$bin.version")"
done
for dir in "$TOOLS"/crds/*/; do
  [ -f "$dir/.complete" ] && printf 'tools: %-28s %s\n' "crds $(basename "$dir")" "$(cd "$dir" && ls -- *.yaml | tr '\n' ' ')"
done
if [ -f "$TOOLS/node/.complete" ]; then
  printf 'tools: %-28s %s\n' "node" "tsc $("$TOOLS/node/node_modules/.bin/tsc" --version | sed 's/^Version //'), @grafana/schema $(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$TOOLS/node/node_modules/@grafana/schema/package.json")"
fi
exit 0
