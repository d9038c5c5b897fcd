#!/usr/bin/env bash
# Service benchmark: `baomi serve` (release build) on loopback with a fresh
# database, the bundled + 10,000-term synthetic lexicon and a 10 KB synthetic
# article (the inputs of `cargo bench --bench latency`), driven by wrk at
# several concurrency levels against /api/v1/check and /api/v1/reviews.
#
#   benches/wrk/run.sh                       # 1 4 16 64 connections, 10 s each
#   CONCURRENCY="16" DURATION=5s benches/wrk/run.sh
#   DATABASE_URL=postgres://… benches/wrk/run.sh   # an empty PostgreSQL database
#   BAOMI_BIN=/tmp/baomi-before benches/wrk/run.sh  # another build, side by side
#
# Prints one Markdown table row per run: endpoint, connections, requests/s,
# p50, p99, non-2xx answers. wrk runs on the same machine and shares its cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
if [[ -n ${BAOMI_BIN:-} ]]; then
  bin=$(realpath "$BAOMI_BIN")
else
  cargo build --release --quiet
  bin=$(realpath "$CARGO_TARGET_DIR/release/baomi")
fi

work=$(mktemp -d /tmp/baomi-wrk.XXXXXX)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" synth lexicon --count 10000 --dir "$work/lexicons"
"$bin" synth corpus --bytes 10240 --count 10000 >"$work/article.txt"
db=${DATABASE_URL:-sqlite://$work/bench.sqlite}
token=$("$bin" token create --role cms --name wrk --database-url "$db")

(cd "$work" && exec "$bin" serve --listen 127.0.0.1:0 --database-url "$db" \
  --lexicons "$work/lexicons" >"$work/serve.out" 2>"$work/serve.log") &
pid=$!
for _ in $(seq 600); do
  grep -q 'listening on http://' "$work/serve.out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
addr=$(sed -n 's/.*listening on http:\/\///p' "$work/serve.out" | head -1)
[[ -n $addr ]] || { echo "baomi serve did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
echo "# $(head -1 "$work/serve.out"); $(sed -n 2p "$work/serve.out"); $(sed -n 3p "$work/serve.out")"
echo "# article: $(wc -c <"$work/article.txt") bytes; $(nproc) cores; wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"

echo "| endpoint | connections | requests/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
for endpoint in /api/v1/check /api/v1/reviews; do
  for c in ${CONCURRENCY:-1 4 16 64}; do
    threads=$((c < 2 ? c : 2))
    out=$(wrk -t"$threads" -c"$c" -d"${DURATION:-10s}" --latency -s benches/wrk/post.lua \
      "http://$addr" -- "$endpoint" "$work/article.txt" "$token" "c$c-$RANDOM")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    errors=$(grep -o 'Socket errors:.*' <<<"$out" || true)
    echo "| $endpoint | $c | $rps | $p50 | $p99 | ${bad:-0}${errors:+ ($errors)} |"
  done
done
kill -TERM "$pid"
wait "$pid"
pid=
