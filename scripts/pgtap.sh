#!/usr/bin/env bash
# Run the pgTAP tests in supabase/tests against the local database (DB_URL; default: the demo stack).
#
# pgTAP is plain SQL, so the Debian package built for Postgres 15 also works on the embedded Postgres 18:
# its extension files are copied into the embedded server's share directory. pg_prove comes from Debian.
# Each test file runs in one transaction and rolls back, so the database is left as it was (apart from
# the pgtap extension itself, which is created in schema `extensions` once).
# The tests run as `postgres` (not a superuser, as on Supabase, where `supabase test db` runs them as
# `postgres`). pgTAP is not a trusted extension: Supabase's supautils creates it for `postgres`;
# here it is created as `supabase_admin` (ADMIN_DB_URL; default: DB_URL with that user).
# Extra arguments go to pg_prove, e.g. `scripts/pgtap.sh -v`.
set -euo pipefail

cd "$(dirname "$0")/.."

DB_URL="${DB_URL:-postgresql://postgres:postgres@127.0.0.1:54322/postgres}"
ADMIN_DB_URL="${ADMIN_DB_URL:-${DB_URL/\/\/postgres:postgres@/\/\/supabase_admin:postgres@}}"
PYTHON=".venv/bin/python"
APT_PACKAGES=(postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl)

die() {
  echo "pgtap.sh: $*" >&2
  exit 1
}

pgtap_source_dir() {
  # The newest Debian build of pgTAP; its SQL does not depend on the server version it was built for.
  local control
  control=$(ls -1 /usr/share/postgresql/*/extension/pgtap.control 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$control" ]] && dirname "$control"
}

install_system_packages() {
  local missing=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [[ ${#missing[@]} -eq 0 ]] && command -v pg_prove >/dev/null && pgtap_source_dir >/dev/null; then
    return
  fi
  [[ ${#missing[@]} -gt 0 ]] || missing=("${APT_PACKAGES[@]}")
  if [[ "$(id -u)" -ne 0 ]]; then
    die "pgTAP is not installed. As root run: apt-get update && apt-get install -y ${missing[*]}"
  fi
  echo "pgtap.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

copy_extension_files() {
  local source target
  source=$(pgtap_source_dir) || die "pgtap.control not found under /usr/share/postgresql/*/extension"
  target="$("$PYTHON" -c 'from sapa.local.postgres import share_dir; print(share_dir())' 2>/dev/null)/extension"
  [[ -d "$target" ]] || die "the embedded Postgres share directory $target does not exist (run: make install)"
  for file in "$source"/pgtap.control "$source"/pgtap--*.sql; do
    if ! cmp -s "$file" "$target/$(basename "$file")"; then
      # World-readable: as root the server runs as its own system user.
      install -m 0644 "$file" "$target/" || die "cannot write to $target (run as the user that owns .venv)"
    fi
  done
}

[[ -x "$PYTHON" ]] || die "$PYTHON not found (run: make install)"
install_system_packages
copy_extension_files

# The embedded psql matches the server's version; pg_prove drives it.
PSQL="$("$PYTHON" -c 'from sapa.local.postgres import bin_path; print(bin_path("psql"))' 2>/dev/null)"
PGOPTIONS="-c client_min_messages=warning" "$PSQL" "$ADMIN_DB_URL" --quiet --no-psqlrc -v ON_ERROR_STOP=1 \
  -c 'create extension if not exists pgtap with schema extensions' >/dev/null

# pgTAP's functions live in `extensions`; put it on the path even where the database default lacks it.
export PGOPTIONS="${PGOPTIONS:-} -c search_path=public,extensions"
exec pg_prove --psql-bin "$PSQL" --ext .sql -d "$DB_URL" "$@" supabase/tests/
