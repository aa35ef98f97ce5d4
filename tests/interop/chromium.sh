#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A colleague without Hallway opens a share in a web browser (headless
# Chromium): the folder page lists every file as a link, unicode names
# included, each link leads to the file's bytes, and clicking a link
# downloads the file intact. A screenshot of the page is kept in
# $HALLWAY_ARTIFACTS (default build/artifacts)/browser-listing.png.
. "$(dirname "$0")/lib.sh"
in_private_session "$@"

need_chromium
need_tool cmp diffutils
start_hallway

# The page as the browser built it, JavaScript and all.
chromium --dump-dom "$SHARE_URL" >"$WORK/listing.html" || true
check "Chromium loads the share's folder page" test -s "$WORK/listing.html"

# Links as text<TAB>absolute URL, resolved against the page's URL.
python3 - "$SHARE_URL" "$WORK/listing.html" >"$WORK/links.tsv" <<'EOF'
import sys
from html.parser import HTMLParser
from urllib.parse import urljoin

base, path = sys.argv[1], sys.argv[2]

class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.href = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag == "base":
            global base
            base = urljoin(base, dict(attrs).get("href") or "")
        if tag == "a" and dict(attrs).get("href") is not None:
            self.href = dict(attrs)["href"]
            self.text = []

    def handle_data(self, data):
        if self.href is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self.href is not None:
            text = " ".join("".join(self.text).split())
            print(f"{text}\t{urljoin(base, self.href)}")
            self.href = None

Links().feed(open(path, encoding="utf-8").read())
EOF
note "$(wc -l <"$WORK/links.tsv") links on the page"

# link_for NAME: the URL of the link showing NAME (a folder may show "NAME/").
link_for() {
  awk -F '\t' -v n="$1" '$1 == n || $1 == n "/" { print $2; exit }' "$WORK/links.tsv"
}

for name in "${FIXTURE_TOP[@]}"; do
  check "the page links ‘$name’" test -n "$(link_for "$name")"
done
check "the page shows the unicode name ‘$UNICODE_FILE’ as text" \
  grep -qF "$UNICODE_FILE" "$WORK/listing.html"

# Each file link leads to the file's bytes (what a click downloads).
for name in "$UNICODE_FILE" "R&D 100% #1.txt" "$BIG_FILE" "empty.txt"; do
  url=$(link_for "$name")
  if [ -n "$url" ] && curl -skf --max-time 60 -o "$WORK/link.body" "$url" &&
    cmp -s "$SHARE_DIR/$name" "$WORK/link.body"; then
    ok "the link of ‘$name’ leads to its bytes"
  else
    not_ok "the link of ‘$name’ leads to its bytes (link: ${url:-none})"
  fi
done
url=$(link_for "Nested folder")
check "a folder's link opens that folder's page" \
  bash -c 'curl -skf -H "Accept: text/html" "$1" | grep -qF "notes with spaces.txt"' _ "$url"

# The nested page too, and a link back up.
chromium --dump-dom "$url" >"$WORK/nested.html" || true
check "Chromium shows the nested folder's files" \
  grep -qF "notes with spaces.txt" "$WORK/nested.html"

# Screenshot, for people to look at.
mkdir -p "$ARTIFACTS"
shot=$ARTIFACTS/browser-listing.png
rm -f "$shot"
chromium --screenshot="$shot" --window-size=1024,768 "$SHARE_URL" >/dev/null || true
expect_eq "screenshot saved as a 1024x768 PNG ($shot)" 1024x768 "$(png_size "$shot" 2>/dev/null)"

# Downloads by clicking, through the DevTools protocol.
mkdir -p "$WORK/downloads"
for name in "$BIG_FILE" "$UNICODE_FILE"; do
  if out=$(cdp cdp-download.py "$SHARE_URL" "$name" "$WORK/downloads" "${FLAGS[@]}"); then
    path=$(jq -r .path <<<"$out")
    suggested=$(jq -r .suggestedFilename <<<"$out")
    check "clicking ‘$name’ downloads it byte-identical" cmp "$SHARE_DIR/$name" "$path"
    expect_eq "the browser names the download ‘$name’" "$name" "$suggested"
  else
    not_ok "clicking ‘$name’ downloads it: $out"
  fi
done
