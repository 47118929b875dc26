# Sourced by run.sh and ../e2e/run.sh: the throwaway servers of the plugin tests. start_mariadb: a MariaDB in
# "$tmp/db" (own socket "$socket", no TCP port, no root service). Every pid goes into "pids" (stop_all).
start_mariadb() {
  local user
  user=$(id -un)
  socket="$tmp/mysqld.sock"
  mariadb-install-db --no-defaults --datadir="$tmp/db" --user="$user" --auth-root-authentication-method=normal \
    --skip-test-db >"$tmp/install-db.log" 2>&1 || { cat "$tmp/install-db.log" >&2; exit 1; }
  mariadbd --no-defaults --datadir="$tmp/db" --socket="$socket" --skip-networking --user="$user" \
    --pid-file="$tmp/mysqld.pid" --log-error="$tmp/mysqld.err" --skip-log-bin \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=0 2>"$tmp/mysqld.start.log" &
  local db_pid=$!
  pids+=("$db_pid")
  for _ in $(seq 1 100); do
    mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1 && return 0
    kill -0 "$db_pid" 2>/dev/null || { cat "$tmp/mysqld.err" >&2; exit 1; }
    sleep 0.2
  done
  echo "MariaDB did not start" >&2
  exit 1
}

# Starts a background process (its pid kept for clean-up) and waits until it wrote its URL to $2.
start_server() { # $1 = log file, $2 = url file, rest = command
  local log=$1 url_file=$2
  shift 2
  "$@" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 100); do
    [ -s "$url_file" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$* did not start" >&2
  cat "$log" >&2
  exit 1
}

# `php -S` serving a WordPress core folder at a free port, with several workers (as a web server has: a
# request may wait on another, e.g. Sapa calling the shop back during connect). Sets $site_url.
start_php_site() { # $1 = core folder, $2 = log file, rest = extra environment (NAME=value)
  local core=$1 log=$2
  shift 2
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  site_url="http://127.0.0.1:$port"
  env "$@" SAPA_WP_HOME="$site_url" PHP_CLI_SERVER_WORKERS=6 php -S "127.0.0.1:$port" -t "$core" >"$log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 100); do
    php -r 'exit(@fsockopen("127.0.0.1", (int) $argv[1]) ? 0 : 1);' "$port" && return 0
    sleep 0.1
  done
  echo "php -S did not start" >&2
  cat "$log" >&2
  exit 1
}

stop_all() {
  local pid child
  for pid in "${pids[@]}"; do
    # php -S with PHP_CLI_SERVER_WORKERS forks its workers, which outlive their parent: end them first.
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
      kill "$child" 2>/dev/null || true
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
