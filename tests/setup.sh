#!/usr/bin/env bash
# Everything the tests need from Debian, installed by the project itself (run as root, as CI does):
#   chromium            the browser test of the chat page and the page image
#   qemu-user           the encoder's vectors on a CPU without AVX-512
#   fonts-wqy-microhei  a Chinese font file for PDFs generated with fpdf2
#   texlive-lang-chinese, debian-reference-zh-cn: real Chinese PDFs and HTML made by others,
#     unpacked (apt-get download + dpkg-deb -x, so TeX Live is not installed) into .testdata/
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
data=.testdata
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v qemu-x86_64 >/dev/null || need+=(qemu-user)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -gt 0 ] || [ ! -e "$data/.done" ]; then
    apt-get update -q
fi
if [ ${#need[@]} -gt 0 ]; then
    apt-get install -y -q "${need[@]}"
fi
if [ ! -e "$data/.done" ]; then
    rm -rf "$data.tmp" && mkdir -p "$data.tmp/debs"
    (cd "$data.tmp/debs" && apt-get download -q texlive-lang-chinese debian-reference-zh-cn)
    for deb in "$data.tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$data.tmp/root"; done
    rm -rf "$data.tmp/debs" "$data" && mv "$data.tmp" "$data" && touch "$data/.done"
fi
