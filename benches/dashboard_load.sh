#!/bin/sh
# The staff pages under load beside /healthz, with wrk (`apt-get install wrk`):
# signs in as the demo's admin, then for each page runs wrk for SECONDS at
# CONNECTIONS connections and prints requests/s, p50 and p99 (ms), the ratio
# to /healthz's requests/s in the same run, and the server's CPU time per
# request (from /proc/PID/stat before and after; PID is the `serve` process).
#
#   DATABASE_URL=/tmp/bench.db aftercare demo --patients 10000 --days 100
#   DATABASE_URL=/tmp/bench.db RUN_WORKERS=off RUST_LOG=warn BIND=127.0.0.1:8080 aftercare serve &
#   benches/dashboard_load.sh http://127.0.0.1:8080 $! /tmp/bench.db 10 64
#
# The patient and flag pages are those of the newest unresolved flag (read
# from the SQLite file given, with sqlite3).
set -eu
BASE=$1
PID=$2
DB=$3
SECONDS_EACH=${4:-10}
CONNECTIONS=${5:-64}
EMAIL=${EMAIL:-admin@demo.aftercare.example}
PASSWORD=${PASSWORD:-demo-recovery-2026}
TICK=$(getconf CLK_TCK)

JAR=$(mktemp)
trap 'rm -f "$JAR"' EXIT
csrf=$(curl -s -c "$JAR" -b "$JAR" "$BASE/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
status=$(curl -s -o /dev/null -w '%{http_code}' -c "$JAR" -b "$JAR" \
    --data-urlencode "csrf=$csrf" --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$BASE/login")
[ "$status" = 303 ] || { echo "sign-in failed ($status)" >&2; exit 1; }
COOKIE=$(sed 's/^#HttpOnly_//' "$JAR" | awk '!/^#/ && NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep="; " }')

FLAG=$(sqlite3 "$DB" "SELECT reference || ' ' || patient_id FROM flags WHERE state <> 'resolved' ORDER BY id DESC LIMIT 1")
REFERENCE=${FLAG% *}
PATIENT=${FLAG#* }

# wrk counts a redirect (to the sign-in page) as a success: check each page once.
check() {
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE$1")
    [ "$code" = 200 ] || { echo "$1 answers $code, not 200" >&2; exit 1; }
}

cpu() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }

printf '%-18s %10s %8s %8s %8s %10s\n' page "req/s" "p50 ms" "p99 ms" "x healthz" "cpu ms/req"
HEALTHZ=
for page in /healthz /clinic /clinic/patients "/clinic/patients?page=50" "/clinic/patients?q=okafor" \
    "/clinic/patients/$PATIENT" "/clinic/flags/$REFERENCE"; do
    check "$page"
    before=$(cpu)
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency -H "Cookie: $COOKIE" "$BASE$page")
    after=$(cpu)
    if echo "$out" | grep -q "Non-2xx"; then
        echo "$page: $(echo "$out" | grep 'Non-2xx')" >&2
        exit 1
    fi
    rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
    total=$(echo "$out" | awk '/requests in/ { print $1 }')
    ms() { echo "$out" | awk -v q="$1" '$1 == q { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.1f", v }'; }
    [ -n "$HEALTHZ" ] || HEALTHZ=$rps
    name=$(echo "$page" | sed "s|/clinic/patients/$PATIENT|patient page|; s|/clinic/flags/$REFERENCE|flag page|")
    printf '%-18s %10.0f %8s %8s %8.4f %10.3f\n' "$name" "$rps" "$(ms 50%)" "$(ms 99%)" \
        "$(echo "$rps $HEALTHZ" | awk '{ print $1 / $2 }')" \
        "$(echo "$before $after $TICK $total" | awk '{ print ($2 - $1) * 1000 / $3 / $4 }')"
done
