#!/usr/bin/env bash
# The WordPress plugin's tests: `php -l` on every PHP file, then, on each tested WordPress (Debian's 7.1 from
# sid and 6.1 from bookworm, see wordpress-core.sh; SAPA_WP_VERSIONS="7.1 6.1" by default, or one core
# folder given as SAPA_WP_CORE), against a throwaway MariaDB started here in a temp folder (own socket, no
# TCP port, no root service):
#   1. WordPress installed into a fresh database, the plugin (from the zip `make plugin` builds) activated
#      as the Plugins screen does, with every PHP error, notice, deprecation and _doing_it_wrong collected
#      while WordPress loads the plugin and activates it: any one fails the run;
#   2. PHPUnit (tests/*Test.php);
#   3. the settings page over HTTP (tests/http/, and once in Chromium for the README's screenshot): `php -S`
#      serves the site, an admin logs in through wp-login.php, reads the nonce from the page, submits the form;
#   4. inside the local stack (`sapa exec`, which `make test` uses: FUNCTIONS_URL is set), tests/integration
#      against the real Sapa, with this site's WooCommerce REST API played by support/fake_shop.py.
# Needs: php-cli php-mysql phpunit mariadb-server wordpress (see APT_PACKAGES in the Makefile), and for 7.1
# one `apt-get download` from deb.debian.org the first time.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
plugin_root=$(dirname "$here")
repo_root=$(dirname "$plugin_root")
started=$EPOCHREALTIME

for cmd in php phpunit mariadbd mariadb-install-db mariadb-admin mariadb zip python3 node dpkg-deb apt-get; do
  command -v "$cmd" >/dev/null || { echo "missing $cmd: make system-packages (as root) installs it" >&2; exit 1; }
done
php -r 'exit(class_exists("ZipArchive") ? 0 : 1);' \
  || { echo "missing PHP's zip extension (php-zip): make system-packages (as root) installs it" >&2; exit 1; }

# 1. php -l on every PHP file of the plugin and of the tests.
count=0
while IFS= read -r -d '' file; do
  php -l "$file" >/dev/null || { echo "php -l failed: $file" >&2; exit 1; }
  count=$((count + 1))
done < <(find "$plugin_root/sapa" "$here" -name '*.php' -print0)
echo "php -l: $count files, no syntax errors"
mapfile -d '' plugin_files < <(find "$plugin_root/sapa" -name '*.php' -print0)
php "$here/support/php74-check.php" "${plugin_files[@]}"
node --check "$plugin_root/sapa/assets/js/sapa-admin.js"
echo "PHP 7.4 token check: ${#plugin_files[@]} plugin files, no PHP 8-only syntax or functions"

# The WordPress trees to run on.
declare -a cores=()
if [ -n "${SAPA_WP_CORE:-}" ]; then
  cores=("$SAPA_WP_CORE")
else
  for series in ${SAPA_WP_VERSIONS:-7.1 6.1}; do
    cores+=("$("$here/wordpress-core.sh" "$series")")
  done
fi

# 2. A throwaway MariaDB, one database per WordPress.
# shellcheck source=support/servers.sh
source "$here/support/servers.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sapa-wp-test.XXXXXX")
pids=()
trap 'stop_all; rm -rf "$tmp"' EXIT
start_mariadb
"$plugin_root/build.sh" "$tmp/sapa.zip" >/dev/null

site=0
for core in "${cores[@]}"; do
  site=$((site + 1))
  [ -f "$core/wp-settings.php" ] || { echo "WordPress core not found in $core" >&2; exit 1; }
  version=$(php -r 'include $argv[1]; echo $wp_version;' "$core/wp-includes/version.php")
  db="sapa_wp_test_$site"
  echo "== WordPress $version ($core), PHP $(php -r 'echo PHP_VERSION;')"
  mariadb --no-defaults --socket="$socket" -uroot -e "CREATE DATABASE $db CHARACTER SET utf8mb4"

  # The site's content folder: the plugin installed from the zip (so a file missing from the zip fails the
  # tests), and the core's themes.
  content="$tmp/site-$site/wp-content"
  mkdir -p "$content/plugins" "$content/uploads"
  python3 -m zipfile -e "$tmp/sapa.zip" "$content/plugins/"
  [ -f "$content/plugins/sapa/sapa.php" ] || { echo "the zip has no sapa/sapa.php" >&2; exit 1; }
  ln -s "$core/wp-content/themes" "$content/themes"

  export SAPA_WP_CORE="$core" SAPA_WP_CONTENT="$content" SAPA_DB_SOCKET="$socket" SAPA_DB_NAME="$db" \
    SAPA_WP_CONFIG="$here/support/wp-config.php"
  unset SAPA_WP_HOME SAPA_FAKE_SHOP_URL SAPA_SITE_URL

  # Install WordPress, then activate the plugin (separate processes, as on a real site).
  php "$here/support/install.php"
  php "$here/support/activate.php"

  phpunit -c "$here/phpunit.xml" "$@"

  # The settings page over HTTP: `php -S` serves this site.
  start_php_site "$core" "$tmp/site-$site.log"
  SAPA_SITE_URL="$site_url" phpunit -c "$here/phpunit-http.xml" \
    || { echo "php -S log:" >&2; cat "$tmp/site-$site.log" >&2; exit 1; }
  # The same page in Chromium, for the README's screenshot (the newest WordPress only).
  if [ "$site" = 1 ] && [ -d "$repo_root/dashboard/node_modules/playwright-core" ]; then
    node "$here/support/screenshot.mjs" "$site_url" admin admin-password-for-tests wp-plugin-settings
  fi

  # The plugin against the real Sapa of the local stack, the shop's REST API played by the fake shop,
  # which checks REST keys in this site's database and listens at the site's URL (SAPA_WP_HOME).
  if [ -n "${FUNCTIONS_URL:-}" ]; then
    python=$repo_root/.venv/bin/python
    [ -x "$python" ] || python=python3
    start_server "$tmp/shop-$site.log" "$tmp/shop-$site.url" env PYTHONPATH="$repo_root" "$python" \
      "$here/support/fake_shop.py" --socket "$socket" --database "$db" --prefix wptests_ --url-file "$tmp/shop-$site.url"
    shop_url=$(cat "$tmp/shop-$site.url")
    echo "integration: Sapa at $FUNCTIONS_URL, the shop (fake WooCommerce REST API) at $shop_url"
    SAPA_WP_HOME="$shop_url" SAPA_FAKE_SHOP_URL="$shop_url" phpunit -c "$here/phpunit-integration.xml" \
      || { echo "fake shop log:" >&2; cat "$tmp/shop-$site.log" >&2; exit 1; }
  else
    echo "NOTICE: FUNCTIONS_URL is not set, so the integration test against the local Sapa stack" \
      "(tests/integration) did not run; run this script inside \`sapa exec\` (as \`make test\` does)."
  fi
done

awk -v a="$started" -v b="$EPOCHREALTIME" -v n="${#cores[@]}" \
  'BEGIN { printf "plugin tests finished on %d WordPress version(s) in %.1f s\n", n, b - a }'
