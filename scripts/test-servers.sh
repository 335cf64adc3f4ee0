#!/usr/bin/env bash
# The test suite runs real servers it starts itself: PostgreSQL 15 (packages/store-postgres) and
# Ceph's radosgw as an S3 endpoint (packages/blob-store). Both come from Debian's packages; this
# installs whichever is missing when it can (root with apt-get, as in CI), and otherwise says what
# to install. Nothing is started here: each test starts and stops its own private server.
set -uo pipefail
need=()
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || need+=(postgresql)
command -v radosgw >/dev/null 2>&1 || need+=(radosgw)
command -v ceph-mon >/dev/null 2>&1 || need+=(ceph-mon)
command -v ceph-osd >/dev/null 2>&1 || need+=(ceph-osd)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test-servers: installing Debian packages ${need[*]} (the store and S3 tests run real servers)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi || { echo "test-servers: apt-get install ${need[*]} failed; the PostgreSQL/S3 tests will fail" >&2; exit 0; }
else
  echo "test-servers: missing ${need[*]}: install them (apt-get install -y --no-install-recommends ${need[*]}) or the PostgreSQL/S3 tests fail" >&2
fi
exit 0
