#!/usr/bin/env bash
# The WordPress plugin's tests: `php -l` on every PHP file, then PHPUnit against real WordPress core
# (Debian's `wordpress` package, /usr/share/wordpress) and a throwaway MariaDB started here in a temp
# folder (own socket, no TCP port, no root service). Installs WordPress into the fresh database,
# activates the plugin, runs the tests, stops MariaDB and removes the folder. Inside the local stack
# (`sapa exec`, which `make test` uses: FUNCTIONS_URL is set) it then runs tests/integration against the
# real Sapa, with this site's WooCommerce REST API played by support/fake_shop.py at the site's URL.
# Needs: php-cli php-mysql phpunit mariadb-server wordpress (see APT_PACKAGES in the Makefile).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
plugin_root=$(dirname "$here")
wp_core=${SAPA_WP_CORE:-/usr/share/wordpress}
started=$EPOCHREALTIME

for cmd in php phpunit mariadbd mariadb-install-db mariadb-admin mariadb zip python3 node; do
  command -v "$cmd" >/dev/null || { echo "missing $cmd: make system-packages (as root) installs it" >&2; exit 1; }
done
[ -f "$wp_core/wp-settings.php" ] || { echo "WordPress core not found in $wp_core (Debian package wordpress)" >&2; exit 1; }

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

# 2. A throwaway MariaDB.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sapa-wp-test.XXXXXX")
db_pid=""
shop_pid=""
cleanup() {
  if [ -n "$shop_pid" ]; then
    kill "$shop_pid" 2>/dev/null || true
    wait "$shop_pid" 2>/dev/null || true
  fi
  if [ -n "$db_pid" ]; then
    kill "$db_pid" 2>/dev/null || true
    wait "$db_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

user=$(id -un)
socket="$tmp/mysqld.sock"
mariadb-install-db --no-defaults --datadir="$tmp/db" --user="$user" --auth-root-authentication-method=normal \
  --skip-test-db >"$tmp/install-db.log" 2>&1 || { cat "$tmp/install-db.log" >&2; exit 1; }
mariadbd --no-defaults --datadir="$tmp/db" --socket="$socket" --skip-networking --user="$user" \
  --pid-file="$tmp/mysqld.pid" --log-error="$tmp/mysqld.err" --skip-log-bin \
  --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=0 2>"$tmp/mysqld.start.log" &
db_pid=$!
for _ in $(seq 1 100); do
  mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1 && break
  kill -0 "$db_pid" 2>/dev/null || { cat "$tmp/mysqld.err" >&2; exit 1; }
  sleep 0.2
done
mariadb --no-defaults --socket="$socket" -uroot -e 'CREATE DATABASE sapa_wp_test CHARACTER SET utf8mb4'

# 3. The site's content folder: the plugin installed from the zip `make plugin` builds (so a file
#    missing from the zip fails the tests), and Debian's themes.
mkdir -p "$tmp/wp-content/plugins" "$tmp/wp-content/uploads"
"$plugin_root/build.sh" "$tmp/sapa.zip" >/dev/null
python3 -m zipfile -e "$tmp/sapa.zip" "$tmp/wp-content/plugins/"
[ -f "$tmp/wp-content/plugins/sapa/sapa.php" ] || { echo "the zip has no sapa/sapa.php" >&2; exit 1; }
ln -s "$wp_core/wp-content/themes" "$tmp/wp-content/themes"

export SAPA_WP_CORE="$wp_core" SAPA_WP_CONTENT="$tmp/wp-content" SAPA_DB_SOCKET="$socket" SAPA_DB_NAME=sapa_wp_test

# 4. Install WordPress, then activate the plugin (separate processes, as on a real site).
php "$here/support/install.php"
php "$here/support/activate.php"

# 5. PHPUnit.
phpunit -c "$here/phpunit.xml" "$@"

# 6. The plugin against the real Sapa of the local stack, the shop's REST API played by the fake shop,
#    which checks REST keys in this site's database and listens at the site's URL (SAPA_WP_HOME).
if [ -n "${FUNCTIONS_URL:-}" ]; then
  repo_root=$(dirname "$plugin_root")
  python=$repo_root/.venv/bin/python
  [ -x "$python" ] || python=python3
  PYTHONPATH="$repo_root" "$python" "$here/support/fake_shop.py" --socket "$socket" --database sapa_wp_test \
    --prefix wptests_ --url-file "$tmp/shop.url" >"$tmp/shop.log" 2>&1 &
  shop_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$tmp/shop.url" ] && break
    kill -0 "$shop_pid" 2>/dev/null || { cat "$tmp/shop.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -s "$tmp/shop.url" ] || { echo "the fake shop did not start" >&2; cat "$tmp/shop.log" >&2; exit 1; }
  shop_url=$(cat "$tmp/shop.url")
  echo "integration: Sapa at $FUNCTIONS_URL, the shop (fake WooCommerce REST API) at $shop_url"
  SAPA_WP_HOME="$shop_url" SAPA_FAKE_SHOP_URL="$shop_url" phpunit -c "$here/phpunit-integration.xml" \
    || { echo "fake shop log:" >&2; cat "$tmp/shop.log" >&2; exit 1; }
else
  echo "NOTICE: FUNCTIONS_URL is not set, so the integration test against the local Sapa stack" \
    "(tests/integration) did not run; run this script inside \`sapa exec\` (as \`make test\` does)."
fi

awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "plugin tests finished in %.1f s\n", b - a }'
