#!/usr/bin/env bash
# Install what the printable notice needs to become a PDF, and what its tests need:
# a headless browser (Debian's chromium) and a CJK font (fonts-noto-cjk). zoufang finds the
# browser on PATH (chromium, chromium-browser, google-chrome) or in $ZOUFANG_BROWSER.
# Runs apt-get as root; when it cannot (not root, no package source) it says so and exits 0:
# the PDF tests are then skipped, each naming the reason.
#
#   bash scripts/browser.sh          # install when missing; print the browser's path
set -euo pipefail
have_browser() {
  for b in "${ZOUFANG_BROWSER:-}" chromium chromium-browser google-chrome; do
    if [ -n "$b" ] && command -v "$b" >/dev/null 2>&1; then command -v "$b"; return 0; fi
  done
  return 1
}
have_cjk_font() { fc-list :lang=zh 2>/dev/null | grep -q .; }
if have_browser >/dev/null && have_cjk_font; then have_browser; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/browser.sh: not root: cannot install chromium and fonts-noto-cjk;" \
    "the PDF notice tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# the package lists may be missing or old on a fresh machine
install() { apt-get install -y --no-install-recommends chromium fonts-noto-cjk >/dev/null 2>&1; }
if ! install && ! { apt-get update -qq >/dev/null 2>&1 && install; }; then
  echo "scripts/browser.sh: apt-get could not install chromium and fonts-noto-cjk;" \
    "the PDF notice tests will be skipped" >&2
  exit 0
fi
have_browser
