#!/bin/bash
# bench/judges: recodex-token-judge against cmp and diff on pairs of 100 MiB files (equal,
# differing near the end, on the first line, and on the first line and again in the middle), timed
# in the same run; prints seconds, ratios and the judge's peak RSS.
# Usage: run.sh <bin dir> [MiB]
set -eu
bin="$1"; mib="${2:-100}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# ~100-byte lines of words and numbers, deterministic.
awk -v n=$((mib * 1024 * 1024 / 90)) 'BEGIN { for (i = 0; i < n; i++)
  printf "%08d alpha beta gamma %d.%03d delta epsilon %d zeta eta theta iota kappa lambda mu\n",
         i, i % 977, i % 1000, i * 7 }' | head -c $((mib << 20)) > "$work/expected"
cp "$work/expected" "$work/same"
cp "$work/expected" "$work/near_end"
size=$(stat -c %s "$work/expected")
printf 'XXXXXXXX' | dd of="$work/near_end" bs=1 seek=$((size - 300)) conv=notrunc status=none
# A difference on the first line defeats the byte-identical prefix lane; the judge must get back to
# comparing bytes after it (and again after a second difference in the middle).
cp "$work/expected" "$work/early"
printf 'XXXXXXXX' | dd of="$work/early" bs=1 seek=10 conv=notrunc status=none
cp "$work/early" "$work/early_mid"
printf 'XXXXXXXX' | dd of="$work/early_mid" bs=1 seek=$((size / 2)) conv=notrunc status=none

t() { # seconds of wall time of a command, its output discarded
  local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

printf 'file size: %d MiB\n' $((size >> 20))
for pair in same near_end early early_mid; do
  cat "$work/expected" "$work/$pair" > /dev/null   # warm the page cache for every tool alike
  judge=$(t "$bin/recodex-token-judge" "$work/expected" "$work/$pair")
  cmp_s=$(t cmp "$work/expected" "$work/$pair")
  diff_s=$(t diff "$work/expected" "$work/$pair")
  printf '%-9s judge %6.3f s   cmp %6.3f s   diff %6.3f s   judge/cmp %5.2f   judge/diff %5.2f\n' \
    "$pair" "$judge" "$cmp_s" "$diff_s" "$(echo "$judge / $cmp_s" | bc -l)" "$(echo "$judge / $diff_s" | bc -l)"
done
judge_rss=$(rss "$bin/recodex-token-judge" "$work/expected" "$work/near_end" || true)
numeric_rss=$(rss "$bin/recodex-token-judge" --numeric "$work/expected" "$work/near_end" || true)
early_rss=$(rss "$bin/recodex-token-judge" "$work/expected" "$work/early_mid" || true)
diff_rss=$(rss diff "$work/expected" "$work/near_end" || true)
printf 'peak RSS: judge %d KiB, judge --numeric %d KiB, judge on early_mid %d KiB, diff %d KiB (files are %d KiB each)\n' \
  "$judge_rss" "$numeric_rss" "$early_rss" "$diff_rss" $((size >> 10))
numeric=$(t "$bin/recodex-token-judge" --numeric "$work/expected" "$work/same")
printf 'judge --numeric on equal files: %.3f s\n' "$numeric"
# The core API's recodex-judge-normal maps to these options.
normal=$(t "$bin/recodex-token-judge" --log-limit 4k --ignore-trailing-whitespace "$work/expected" "$work/early")
printf 'judge --log-limit 4k --ignore-trailing-whitespace on early: %.3f s\n' "$normal"
