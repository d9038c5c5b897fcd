#!/usr/bin/env bash
# Side-by-side: baomi's whole pipeline vs `rg -F -f terms.txt` on the same
# synthetic corpus and the same 10,000 terms (see benches/README.md).
# Needs ripgrep and hyperfine (Debian packages `ripgrep`, `hyperfine`).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_DIR:-/tmp/baomi-bench}
bytes=${BENCH_BYTES:-8000000}
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/baomi
$bin synth lexicon --count 10000 --dir "$out/synth"
$bin synth corpus --bytes "$bytes" > "$out/corpus.txt"
$bin lexicon export --terms --lexicons "$out/synth" > "$out/terms.txt"
: > "$out/empty.txt"
echo "corpus: $(wc -c < "$out/corpus.txt") bytes; terms: $(wc -l < "$out/terms.txt")"
# -i: baomi exits 1 when it finds something, which is the point here.
hyperfine -i -N -w 2 -r 10 --export-markdown "$out/compare.md" \
  "rg -F -f $out/terms.txt $out/empty.txt" \
  "$bin scan --lexicons $out/synth --format jsonl $out/empty.txt" \
  "rg -F -f $out/terms.txt -o --count-matches $out/corpus.txt" \
  "$bin scan --lexicons $out/synth --format jsonl $out/corpus.txt"
cat "$out/compare.md"
