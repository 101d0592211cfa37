#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster and a redis-server beside it, each on a
# free 127.0.0.1 port of its own (never 5432/6379, so a developer's own servers are left
# alone), and removes both when the command ends:
#
#   scripts/test-services.sh npx vitest run test/central-postgres.test.ts
#   scripts/test-services.sh npm test
#
# The command sees GATEHOUSE_TEST_POSTGRES_URL (its password as an env: reference, the form
# `gatehouse central start --storage` takes), GATEHOUSE_TEST_REDIS_URL, and
# GATEHOUSE_TEST_POSTGRES=required / GATEHOUSE_TEST_REDIS=required, so those tests fail
# rather than skip. Needs Debian's postgresql and redis-server packages (.ci/run installs them).
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || { echo "test-services: no PostgreSQL found: apt-get install -y postgresql" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "test-services: no redis-server found: apt-get install -y redis-server" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: scripts/test-services.sh COMMAND [ARG...]" >&2; exit 2; }

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

dir=$(mktemp -d -t gatehouse-services-XXXXXX)
# PostgreSQL refuses to run as root: as root the cluster belongs to the postgres user.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
fi
pg_port=$(free_port)
redis_port=$(free_port)
password=$(node -e "console.log(require('crypto').randomBytes(18).toString('base64url'))")

stop() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT

printf '%s\n' "$password" > "$dir/pwfile"
[ ${#as_pg[@]} -eq 0 ] || chown postgres: "$dir/pwfile"
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg" -U gatehouse --pwfile="$dir/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
  --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pwfile"
# fsync off: a throwaway cluster for tests, nothing to keep across a crash.
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/pg.log" >&2; exit 1; }

redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes \
  --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" >/dev/null
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null || { cat "$dir/redis.log" >&2; exit 1; }

export GATEHOUSE_TEST_POSTGRES_PASSWORD="$password"
export GATEHOUSE_TEST_POSTGRES_URL="postgres://gatehouse:env:GATEHOUSE_TEST_POSTGRES_PASSWORD@127.0.0.1:$pg_port/postgres"
export GATEHOUSE_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
export GATEHOUSE_TEST_POSTGRES=required GATEHOUSE_TEST_REDIS=required
echo "test-services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port (removed when the command ends)" >&2
status=0
"$@" || status=$?
exit "$status"
