#!/usr/bin/env bash
# System packages the product's tests and demo need (Debian; we run as root).
# Idempotent: installs only what is missing. The gcloud Firestore and Pub/Sub emulators
# come from Google's google-cloud-cli packages, which our machines carry; if they are
# missing we try apt (it works where Google's apt repository is configured) and stop with
# a clear message otherwise.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

for pkg in tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert \
           tesseract-ocr-script-jpan tesseract-ocr-script-jpan-vert \
           poppler-utils fonts-noto-cjk fonts-ipaexfont-gothic fonts-ipaexfont-mincho qpdf; do
  have_pkg "$pkg" || need+=("$pkg")
done
if ! command -v java >/dev/null 2>&1; then need+=(default-jre-headless); fi

if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v gcloud >/dev/null 2>&1 || \
   ! have_pkg google-cloud-cli-firestore-emulator || ! have_pkg google-cloud-cli-pubsub-emulator; then
  echo "installing the gcloud emulators"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! $SUDO apt-get install -y -qq google-cloud-cli google-cloud-cli-firestore-emulator \
        google-cloud-cli-pubsub-emulator >/dev/null; then
    echo "error: the gcloud Firestore/Pub/Sub emulators are not installed and Google's apt" >&2
    echo "repository is not reachable; install google-cloud-cli-firestore-emulator and" >&2
    echo "google-cloud-cli-pubsub-emulator, then run make again." >&2
    exit 1
  fi
fi
