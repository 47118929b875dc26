#!/usr/bin/env bash
# The plugin on a real WooCommerce that the operator supplies, against the local Sapa stack: for people
# checking a new WooCommerce (or WordPress) release. Not part of `make test` (WooCommerce is in no registry
# reachable from the build). Run through the Makefile, which starts a fresh test stack around it:
#   make e2e-woocommerce WC_DIR=/path/to/woocommerce [WP_DIR=/path/to/wordpress] [E2E_HTTPS=emulate] [E2E_HPOS=off]
# WC_DIR: the woocommerce plugin folder (with woocommerce.php), used in place (not copied, never changed).
# WP_DIR: a WordPress core folder (default: Debian's 7.1, see ../tests/wordpress-core.sh); copied to a
#   temp folder first, because the site needs its own wp-config.php.
# E2E_HPOS=off: WooCommerce keeps orders as posts (as shops installed before WooCommerce 8.2 still do);
#   by default High-Performance Order Storage is on.
# E2E_HTTPS=emulate: the shop takes Sapa's requests (by its User-Agent) as https, as if through a
#   TLS-terminating proxy (WooCommerce accepts Basic auth only over https; a Sapa that signs with OAuth 1.0a
#   over plain http needs no emulation).
# What it does: a throwaway MariaDB and `php -S` shop (6 workers), WordPress installed, WooCommerce
# activated with HPOS, the plugin installed from the zip `make plugin` builds and activated with every PHP
# notice collected, then e2e/WooCommerceTest.php: connect (Settings → Sapa over HTTP), backfill, checkout
# opt-in → order.created delivered, status change → delivered, trash/restore, reconnect after a lost
# connection, disconnect.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
plugin_root=$(dirname "$here")
tests=$plugin_root/tests
wc_dir=${WC_DIR:?set WC_DIR to the woocommerce plugin folder (make e2e-woocommerce WC_DIR=...)}
wc_dir=$(cd "$wc_dir" && pwd)
[ -f "$wc_dir/woocommerce.php" ] || { echo "no woocommerce.php in $wc_dir" >&2; exit 1; }
[ -n "${FUNCTIONS_URL:-}" ] || { echo "FUNCTIONS_URL is not set: run it inside the local stack (make e2e-woocommerce does)" >&2; exit 1; }
for cmd in php phpunit mariadbd mariadb-install-db mariadb zip python3; do
  command -v "$cmd" >/dev/null || { echo "missing $cmd: make system-packages (as root) installs it" >&2; exit 1; }
done

# shellcheck source=../tests/support/servers.sh
source "$tests/support/servers.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sapa-e2e-wc.XXXXXX")
pids=()
trap 'stop_all; rm -rf "$tmp"' EXIT

if [ -n "${WP_DIR:-}" ]; then
  [ -f "$WP_DIR/wp-settings.php" ] || { echo "no WordPress core in $WP_DIR" >&2; exit 1; }
  core="$tmp/wordpress"
  cp -a "$WP_DIR" "$core"
  cat >"$core/wp-config.php" <<'PHP'
<?php
require getenv( 'SAPA_WP_CONFIG' );
PHP
else
  core=$("$tests/wordpress-core.sh" 7.1)
fi

start_mariadb
mariadb --no-defaults --socket="$socket" -uroot -e 'CREATE DATABASE sapa_e2e CHARACTER SET utf8mb4'
content="$tmp/wp-content"
mkdir -p "$content/plugins" "$content/uploads"
ln -s "$wc_dir" "$content/plugins/woocommerce"
"$plugin_root/build.sh" "$tmp/sapa.zip" >/dev/null
python3 -m zipfile -e "$tmp/sapa.zip" "$content/plugins/"
ln -s "$core/wp-content/themes" "$content/themes"

export SAPA_WP_CORE="$core" SAPA_WP_CONTENT="$content" SAPA_DB_SOCKET="$socket" SAPA_DB_NAME=sapa_e2e \
  SAPA_WP_CONFIG="$tests/support/wp-config.php"
start_php_site "$core" "$tmp/shop.log" E2E_HTTPS="${E2E_HTTPS:-}"
export SAPA_WP_HOME="$site_url" SAPA_SITE_URL="$site_url"
wp_version=$(php -r 'include $argv[1]; echo $wp_version;' "$core/wp-includes/version.php")
echo "== e2e: WordPress $wp_version, WooCommerce from $wc_dir, PHP $(php -r 'echo PHP_VERSION;'), shop at $site_url" \
  "(https: ${E2E_HTTPS:-no}), Sapa at $FUNCTIONS_URL"

php "$here/setup.php" install
php "$here/setup.php" check
php "$tests/support/activate.php"
status=0
phpunit -c "$here/phpunit.xml" --testdox "$@" || status=$?
if [ "$status" != 0 ]; then
  echo "-- the shop's php -S log (errors only):"
  grep -vE '127\.0\.0\.1:[0-9]+ (Accepted|Closing|\[[0-9]+\]: |Closed without sending)|Development Server .* started' "$tmp/shop.log" \
    | tail -50 || true
fi
exit "$status"
