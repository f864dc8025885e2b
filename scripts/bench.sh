#!/usr/bin/env bash
# gazette's own build benchmark: generates a news corpus, then times
#   - the floor: reading and rendering every article's Markdown and writing
#     one file a page (examples/floor.rs), into a fresh folder;
#   - gazette build into a fresh output folder with a fresh cache folder (a
#     clean build: nothing kept from an earlier one);
#   - gazette build repeated into the same output folder (a newsroom's
#     rebuild), median of RUNS: with nothing changed (the build cache keeps
#     the output), with --full (everything loaded, rendered and compared),
#     after one article's body was edited, and after one article was added
#     (also with `page_numbers = "from-oldest"`, in a copy of the site whose
#     articles are hard links to the corpus's);
#   - the split search index: its size, and the bytes a one-word search
#     fetches (scripts/search_bytes.py);
#   - Hugo on the same articles in the same run, when a `hugo` is on PATH
#     (or named by $HUGO): into a fresh folder, alternating with gazette's
#     clean builds, and into its existing output, beside gazette's --full;
# and prints wall time, peak memory, files written, articles a second, the
# ratio to the floor and to Hugo.
#
#   scripts/bench.sh [ARTICLES] [RUNS]     (default 10000 articles, 3 runs)
#
# Corpora are cached in $BENCH_DIR (default /tmp/gazette-bench), made by
# ../shared/bench/gen_corpus.py (the same articles Hugo and Zola build in
# ../shared/bench/compare.sh). Measure on a quiet machine: another build on
# the other core doubles the figures.
set -euo pipefail
N=${1:-10000}
RUNS=${2:-3}
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/gazette-bench}
GEN=${GEN_CORPUS:-../shared/bench/gen_corpus.py}
mkdir -p "$BENCH_DIR"

cargo build --release --quiet --bin gazette --example floor
GAZETTE=$PWD/target/release/gazette
FLOOR=$PWD/target/release/examples/floor

corpus() { # flavor -> path, made once
  local d=$BENCH_DIR/$1-$N
  if [ ! -f "$d/.done" ]; then
    rm -rf "$d"
    python3 "$GEN" --articles "$N" --flavor "$1" --out "$d" >/dev/null
    touch "$d/.done"
  fi
  echo "$d"
}
SITE=$(corpus gazette)
HUGO=${HUGO:-$(command -v hugo || true)}
HUGO_SITE=""
[ -n "$HUGO" ] && HUGO_SITE=$(corpus hugo)

# one timed run: prints "seconds peak_kib"
timed() { /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time.txt" "$@" >/dev/null 2>"$BENCH_DIR/err.txt" || { cat "$BENCH_DIR/err.txt" >&2; exit 1; }; cat "$BENCH_DIR/time.txt"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
files() { find "$1" -type f | wc -l; }
fresh() { echo "$BENCH_DIR/fresh-$N-$1-$RANDOM"; }

# Fresh folders are made under new names, never right after deleting a big
# tree: on this file system creating inodes just after a big delete is
# several times slower, which would measure the delete, not the build.
old=$(ls -d "$BENCH_DIR"/fresh-"$N"-* 2>/dev/null || true)
[ -n "$old" ] && rm -rf $old && sleep 5

# Hugo builds from its site's folder; its own cache is left where it is.
hugo_build() { (cd "$HUGO_SITE" && timed "$HUGO" --quiet --destination "$1"); }

declare -a fw fm gw gm rw rm_ hfw hfm hrw hrm
for ((i = 0; i < RUNS; i++)); do
  out=$(fresh floor); read -r w m < <(timed "$FLOOR" "$SITE" "$out"); fw+=("$w"); fm+=("$m")
  out=$(fresh build); read -r w m < <(timed "$GAZETTE" build --quiet --root "$SITE" --output "$out/public" --cache-dir "$out/cache"); gw+=("$w"); gm+=("$m")
  FRESH_OUT=$out/public
  if [ -n "$HUGO" ]; then
    read -r w m < <(hugo_build "$(fresh hugo)/public"); hfw+=("$w"); hfm+=("$m")
  fi
done
REPEAT_OUT=$BENCH_DIR/repeat-$N/public
timed "$GAZETTE" build --quiet --root "$SITE" --output "$REPEAT_OUT" >/dev/null   # warm-up: fills output and staging
timed "$GAZETTE" build --quiet --root "$SITE" --output "$REPEAT_OUT" >/dev/null
# One article's body is edited (a line added, then taken out again) and one
# article is added (then removed): each timed build is followed by an
# untimed one that puts the site back, so every run starts alike.
EDITED=$(find "$SITE/content/articles" -name '*.md' | sort | sed -n 1p)
cp "$EDITED" "$BENCH_DIR/edited.orig"
NEW=$SITE/content/articles/bench-new-article.md
declare -a nw nm ew em aw am
for ((i = 0; i < RUNS; i++)); do
  read -r w m < <(timed "$GAZETTE" build --quiet --root "$SITE" --output "$REPEAT_OUT"); rw+=("$w"); rm_+=("$m")
  read -r w m < <(timed "$GAZETTE" build --quiet --full --root "$SITE" --output "$REPEAT_OUT"); nw+=("$w"); nm+=("$m")
  if [ -n "$HUGO" ]; then
    # Into its existing output (the first run fills it).
    ((i)) || hugo_build "$BENCH_DIR/repeat-hugo-$N/public" >/dev/null
    read -r w m < <(hugo_build "$BENCH_DIR/repeat-hugo-$N/public"); hrw+=("$w"); hrm+=("$m")
  fi
  printf '\nAn added paragraph, run %s.\n' "$i" >> "$EDITED"
  read -r w m < <(timed "$GAZETTE" build --quiet --root "$SITE" --output "$REPEAT_OUT"); ew+=("$w"); em+=("$m")
  cp "$BENCH_DIR/edited.orig" "$EDITED"
  timed "$GAZETTE" build --quiet --root "$SITE" --output "$REPEAT_OUT" >/dev/null
  printf '+++\ntitle = "Bench: a new article, run %s"\ndate = 2025-12-31T23:00:00Z\ncategory = "markets"\ntags = ["bench"]\n+++\n\nA new article.\n' "$i" > "$NEW"
  read -r w m < <(timed "$GAZETTE" build --quiet --root "$SITE" --output "$REPEAT_OUT"); aw+=("$w"); am+=("$m")
  rm -f "$NEW"
  timed "$GAZETTE" build --quiet --root "$SITE" --output "$REPEAT_OUT" >/dev/null
done

# The same new article with list pages numbered from the oldest: a copy of
# the site (its files hard links, never written through: the build only
# reads them) with that setting, and an output of its own.
OLDEST=$BENCH_DIR/gazette-$N-from-oldest
rm -rf "$OLDEST" && mkdir -p "$OLDEST" && cp -al "$SITE/content" "$OLDEST/"
{ echo 'page_numbers = "from-oldest"'; cat "$SITE/site.toml"; } > "$OLDEST/site.toml"
OLDEST_OUT=$BENCH_DIR/repeat-$N-from-oldest/public
timed "$GAZETTE" build --quiet --root "$OLDEST" --output "$OLDEST_OUT" >/dev/null
timed "$GAZETTE" build --quiet --root "$OLDEST" --output "$OLDEST_OUT" >/dev/null
declare -a ow om
for ((i = 0; i < RUNS; i++)); do
  NEW_OLDEST=$OLDEST/content/articles/bench-new-article.md
  printf '+++\ntitle = "Bench: a new article, run %s"\ndate = 2025-12-31T23:00:00Z\ncategory = "markets"\ntags = ["bench"]\n+++\n\nA new article.\n' "$i" > "$NEW_OLDEST"
  read -r w m < <(timed "$GAZETTE" build --quiet --root "$OLDEST" --output "$OLDEST_OUT"); ow+=("$w"); om+=("$m")
  rm -f "$NEW_OLDEST"
  timed "$GAZETTE" build --quiet --root "$OLDEST" --output "$OLDEST_OUT" >/dev/null
done

F=$(median "${fw[@]}"); G=$(median "${gw[@]}"); R=$(median "${rw[@]}")
mib() { echo "$(median "$@") / 1024" | bc; }
FILES=$(files "$FRESH_OUT")
echo "corpus: $N articles ($SITE), $RUNS runs each, medians"
printf '%-22s %7.2f s %6s MiB %7s files %8.0f articles/s\n' "floor (Markdown+write)" "$F" "$(mib "${fm[@]}")" "$N" "$(echo "$N / $F" | bc -l)"
printf '%-22s %7.2f s %6s MiB %7s files %8.0f articles/s  %.2fx floor\n' "gazette, clean build" "$G" "$(mib "${gm[@]}")" "$FILES" "$(echo "$N / $G" | bc -l)" "$(echo "$G / $F" | bc -l)"
printf '%-22s %7.2f s %6s MiB %7s files %8.0f articles/s  %.2fx floor\n' "nothing changed" "$R" "$(mib "${rm_[@]}")" "$FILES" "$(echo "$N / $R" | bc -l)" "$(echo "$R / $F" | bc -l)"
row() { printf '%-22s %7.2f s %6s MiB\n' "$1" "$(median "${@:3}")" "$2"; }
row "repeated, --full" "$(mib "${nm[@]}")" "${nw[@]}"
row "one body edited" "$(mib "${em[@]}")" "${ew[@]}"
row "one article added" "$(mib "${am[@]}")" "${aw[@]}"
row "added, from-oldest" "$(mib "${om[@]}")" "${ow[@]}"
if [ -n "$HUGO" ]; then
  HF=$(median "${hfw[@]}"); HR=$(median "${hrw[@]}"); NF=$(median "${nw[@]}")
  HFILES=$(files "$BENCH_DIR/repeat-hugo-$N/public")
  printf '%-22s %7.2f s %6s MiB %7s files  gazette %.1fx faster (clean build)\n' "hugo, fresh output" "$HF" "$(mib "${hfm[@]}")" "$HFILES" "$(echo "$HF / $G" | bc -l)"
  printf '%-22s %7.2f s %6s MiB %13s  gazette %.1fx faster (--full), %.0fx (nothing changed)\n' "hugo, repeated" "$HR" "$(mib "${hrm[@]}")" "" "$(echo "$HR / $NF" | bc -l)" "$(echo "$HR / $R" | bc -l)"
  echo "($("$HUGO" version 2>/dev/null | grep -o 'hugo v[0-9.]*' | head -1), $HUGO_SITE)"
fi
python3 scripts/search_bytes.py "$REPEAT_OUT" market china the zz
