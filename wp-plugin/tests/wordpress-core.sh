#!/usr/bin/env bash
# Prints the folder of a Debian build of WordPress core for the plugin's tests, preparing it once in the
# cache (.sapa/wordpress/<Debian version>/, reused afterwards):
#   6.1  bookworm's package, installed by `make system-packages` in /usr/share/wordpress: copied with the
#        Debian packages its symlinks point into (php-getid3, libjs-*), as the same usr/share layout;
#   7.1  sid's package: `apt-get download` through a sources list and apt state of its own under the cache
#        (the system's apt configuration is not touched), with the packages Debian links PHPMailer, getID3
#        and some JavaScript libraries from, all unpacked with `dpkg-deb -x` into one root so that their
#        relative symlinks resolve.
# In both, Debian's wp-config.php (which reads /etc/wordpress/config-<host>.php) is replaced by a loader
# of the file named by SAPA_WP_CONFIG, so the test site, including `php -S`, runs on that tree unchanged
# otherwise. Usage: wordpress-core.sh 6.1|7.1   (SAPA_WP_CACHE overrides the cache folder)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
cache=${SAPA_WP_CACHE:-$repo_root/.sapa/wordpress}
series=${1:?usage: wordpress-core.sh 6.1|7.1}
# Debian's build of each tested series (sid moves on: a newer 7.1 build is taken as it comes).
declare -A suite=([6.1]=bookworm [7.1]=sid)
mkdir -p "$cache"
[ -n "${suite[$series]:-}" ] || { echo "unknown WordPress series $series (6.1 or 7.1)" >&2; exit 1; }

loader() { # $1 = core folder
  cat >"$1/wp-config.php" <<'PHP'
<?php
// Written by wp-plugin/tests/wordpress-core.sh in place of Debian's loader of /etc/wordpress/config-*.php:
// the test site's configuration is the file SAPA_WP_CONFIG names.
$sapa_wp_config = getenv( 'SAPA_WP_CONFIG' );
if ( ! $sapa_wp_config ) {
	header( 'HTTP/1.1 500 Internal Server Error' );
	exit( "SAPA_WP_CONFIG is not set\n" );
}
require $sapa_wp_config;
PHP
}

finish() { # $1 = root folder being built, $2 = final folder
  local core="$1/usr/share/wordpress"
  [ -f "$core/wp-settings.php" ] || { echo "no WordPress core in $1" >&2; exit 1; }
  local broken
  broken=$(find "$core" -xtype l ! -name .htaccess ! -name ca-bundle.crt)
  [ -z "$broken" ] || { echo "unresolved symlinks in the WordPress tree: $broken" >&2; exit 1; }
  loader "$core"
  rm -rf "$2"
  mv "$1" "$2"
}

if [ "$series" = 6.1 ]; then
  version=$(dpkg-query -W -f '${Version}' wordpress 2>/dev/null) || {
    echo "Debian's wordpress package is not installed: make system-packages (as root)" >&2; exit 1; }
  case "$version" in 6.1.*) ;; *) echo "installed wordpress is $version, not 6.1" >&2; exit 1 ;; esac
  dest="$cache/$version"
  if [ ! -f "$dest/usr/share/wordpress/wp-settings.php" ]; then
    build=$(mktemp -d "$cache/build.XXXXXX")
    mkdir -p "$build/usr/share/php" "$build/usr/share/javascript"
    cp -a /usr/share/wordpress "$build/usr/share/"
    # What its symlinks point to: getID3 (php-getid3) and the JavaScript libraries.
    for target in $(find /usr/share/wordpress -type l -lname '../*' -printf '%h/%l\n' | xargs -r realpath -m | sed -E 's#^(/usr/share/(php|javascript)/[^/]+).*#\1#' | sort -u); do
      cp -a "$target" "$build$target"
    done
    finish "$build" "$dest"
  fi
else
  apt_dir="$cache/apt-${suite[$series]}"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian ${suite[$series]} main" \
    >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/nonexistent
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::status=/dev/null
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  known=$(ls "$cache" 2>/dev/null | grep -E "^${series//./\\.}\.[0-9]+" | sort -V | tail -1 || true)
  if [ -z "$known" ] || [ -n "${SAPA_WP_REFRESH:-}" ]; then
    apt-get "${apt_opts[@]}" -qq update
    version=$(apt-cache "${apt_opts[@]}" show wordpress | awk '/^Version: /{print $2}' | grep -E "^${series//./\\.}\." | sort -V | tail -1)
    [ -n "$version" ] || { echo "no WordPress $series in Debian ${suite[$series]}" >&2; exit 1; }
  else
    version=$known
  fi
  dest="$cache/$version"
  if [ ! -f "$dest/usr/share/wordpress/wp-settings.php" ]; then
    # The packages Debian's wordpress links files from (PHPMailer, getID3, JavaScript libraries).
    # awk reads to the end: leaving early would kill apt-cache with SIGPIPE, which pipefail makes fatal.
    linked=$(apt-cache "${apt_opts[@]}" show "wordpress=$version" | awk -F': ' '!done && /^Depends: /{print $2; done=1}' \
      | tr ',' '\n' | sed -E 's/\(.*//; s/\|.*//; s/ //g' | grep -E '^(libjs-|libphp-|php-getid3)' | sort -u)
    rm -f "$apt_dir/debs/"*.deb
    (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" -qq download "wordpress=$version" $linked)
    build=$(mktemp -d "$cache/build.XXXXXX")
    for deb in "$apt_dir/debs/"*.deb; do dpkg-deb -x "$deb" "$build"; done
    finish "$build" "$dest"
  fi
fi
echo "$dest/usr/share/wordpress"
