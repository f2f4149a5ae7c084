#!/usr/bin/env bash
# Build the Debian package of the desktop app and print its path (`make package`):
#   bash packaging/deb/build.sh          -> dist/parley_<version>_amd64.deb
#   bash packaging/deb/build.sh --lint   the same, then lintian on it (about 4 minutes)
# The PyInstaller bundle (packaging/pyinstaller/build.sh) goes under /opt/parley, a launcher to
# /usr/bin/parley, the .desktop entry and hicolor icons (rendered from assets/icons/parley.svg)
# to /usr/share. Depends: the system libraries QtWebEngine and the xcb plugin need
# (deploy/local/apt/desktop.txt without the test-only X server).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/packaging/deb"
VENV="${VENV:-$ROOT/.venv}"
cd "$ROOT"
VERSION="$("$VENV/bin/python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
BUNDLE="$(bash packaging/pyinstaller/build.sh)"
STAGE="$ROOT/build/deb/parley"
OUT="$ROOT/dist/parley_${VERSION}_amd64.deb"
# Unchanged bundle and packaging files: the .deb already built is the same package.
key="$(cat dist/.parley-bundle-key packaging/deb/* deploy/local/apt/desktop.txt assets/icons/* \
    | sha256sum | cut -c1-16)"
lint() {
    # Every tag left is either fixed or overridden with its reason (lintian-overrides).
    [ "${1:-}" != "--lint" ] || lintian --fail-on error,warning "$OUT" >&2
}
if [ -f "$OUT" ] && [ "$(cat "$OUT.key" 2>/dev/null)" = "$key" ]; then
    lint "$@"
    echo "$OUT"
    exit 0
fi
rm -f "$OUT.key"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/doc/parley" \
    "$STAGE/usr/share/lintian/overrides"
cp -a "$BUNDLE" "$STAGE/opt/parley"
install -m 755 "$HERE/parley.sh" "$STAGE/usr/bin/parley"
install -m 644 "$HERE/parley.desktop" "$STAGE/usr/share/applications/parley.desktop"
install -m 644 assets/icons/parley.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/parley.svg"
"$VENV/bin/python" "$HERE/render_icons.py" "$STAGE/usr/share/icons/hicolor"
install -m 644 "$HERE/copyright" "$STAGE/usr/share/doc/parley/copyright"
install -m 644 "$HERE/lintian-overrides" "$STAGE/usr/share/lintian/overrides/parley"
mkdir -p "$STAGE/usr/share/man/man1"
gzip -9n <"$HERE/parley.1" >"$STAGE/usr/share/man/man1/parley.1.gz"
printf 'parley (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- Parley contributors <parley@example.org>  %s\n' \
    "$VERSION" "$VERSION" "$(date -R -d @"${SOURCE_DATE_EPOCH:-0}")" \
    | gzip -9n >"$STAGE/usr/share/doc/parley/changelog.gz"
find "$STAGE" -type d -exec chmod 755 {} +
find "$STAGE" -type f ! -perm -u+x -exec chmod 644 {} +
find "$STAGE" -type f -perm -u+x -exec chmod 755 {} +
# Libraries and Python extensions are loaded, never executed.
find "$STAGE/opt" -type f \( -name '*.so' -o -name '*.so.*' \) -exec chmod 644 {} +
depends="$(sed -e 's/#.*//' -e 's/=.*//' -e '/^[[:space:]]*$/d' deploy/local/apt/desktop.txt \
    | grep -vx -e xvfb -e xauth | paste -sd, | sed 's/,/, /g')"
# libc6 for the bootloader; sensible-utils for opening links in the user's browser.
depends="libc6, sensible-utils, $depends"
size="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat >"$STAGE/DEBIAN/control" <<CONTROL
Package: parley
Version: $VERSION
Architecture: amd64
Maintainer: Parley contributors <parley@example.org>
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Homepage: https://example.org/parley
Description: self-hosted team messenger (desktop app)
 The Parley desktop client: chats, files and calls with a Parley server. A
 self-contained bundle (Python, Qt and QtWebEngine inside) under /opt/parley.
CONTROL
(cd "$STAGE" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) \
    >"$STAGE/DEBIAN/md5sums"
chmod 644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"
# gzip -1: xz, or gzip -9 (dpkg-deb's default), on a few hundred megabytes of Chromium costs
# minutes on two cores. Not zstd: dpkg reads it, but lintian calls it a malformed archive (Debian's
# archive accepts only gz and xz members).
dpkg-deb --root-owner-group -Zgzip -z1 --build "$STAGE" "$OUT" >&2
echo "$key" >"$OUT.key"
lint "$@"
echo "$OUT"
