#!/usr/bin/env bash
# Runs the preflight on the lab in Japanese and in English and takes a screenshot of each HTML
# report with headless Chromium (installed from Debian when missing and run as root).
# Output: build/screenshots/preflight-ja.png and preflight-en.png
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
# Chromium, and a Japanese font so the ja report is readable in the picture.
if ! command -v chromium >/dev/null || [ ! -d /usr/share/fonts/opentype/noto ]; then
    [ "$(id -u)" = 0 ] || { echo "install chromium and fonts-noto-cjk (apt-get) first" >&2; exit 1; }
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
mkdir -p build/screenshots
for lang in ja en; do
    rm -rf "build/reports-$lang"
    bash "$here/preflight_lab.sh" -e apexone_report_lang="$lang" -e apexone_report_dir="$ROOT/build/reports-$lang" >/dev/null
    report=$(ls "$ROOT/build/reports-$lang"/preflight-*.html)
    profile=$(mktemp -d)
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
        --window-size=1400,2600 --screenshot="$ROOT/build/screenshots/preflight-$lang.png" "file://$report" 2>/dev/null
    rm -rf "$profile"
    echo "build/screenshots/preflight-$lang.png <- $report"
done
