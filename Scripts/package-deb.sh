#!/usr/bin/env bash
# Builds the Debian package dist/podero-team-sync_VERSION-1_amd64.deb; its path is the last line.
# Installs the build tools it lacks (debhelper, dpkg-dev, fakeroot) like the other scripts.
#
#   Scripts/package-deb.sh              # then: sudo apt install ./dist/podero-team-sync_*.deb
#   Scripts/package-deb.sh --build-only # step 3 alone (Scripts/test.sh runs it early, on idle CPU)
#
# What goes in is built here, into .build/deb/src/stage, and debhelper lays it out (debian/):
#  1. man pages for every subcommand: swift-argument-parser's generate-manual plugin. It builds
#     the whole package in the configuration it is given; debug (shared with the tests' build),
#     so it cannot overwrite the static release binaries of step 3.
#  2. bash, zsh and fish completions (--generate-completion-script).
#  3. both executables, release, with the Swift runtime linked statically, in their own scratch
#     path (.build-static: it never waits for, or disturbs, a build or a `swift test` in .build);
#     dh_strip strips them and dpkg-shlibdeps computes Depends: from the libraries they link
#     (libldap's package name differs between Debian releases, so it is never written down).
# The version is the binaries' own (--version: git describe at build time, VERSION in a tarball).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
ensure_packages debhelper dpkg-dev fakeroot libldap-dev libsqlite3-dev
ensure_swift

static=.build-static
build_static() {
    swift build -c release --static-swift-stdlib --scratch-path "$static" --product podero-team-sync \
        && swift build -c release --static-swift-stdlib --scratch-path "$static" --product podero-sandbox
}
if [ "${1:-}" = --build-only ]; then
    build_static
    exit
fi

work=.build/deb
src=$work/src
stage=$src/stage
rm -rf "$work"
mkdir -p "$stage"/{bin,man,examples,config} "$stage"/completions/{bash,zsh,fish} dist

# 1. Man pages, dated by the last commit (reproducible), named podero-team-sync-SUBCOMMAND.1.
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
rm -rf .build/plugins/GenerateManual/outputs   # no page of a subcommand that is gone
swift package generate-manual --multi-page --configuration debug --date "$date" \
    --authors "podero-team-sync developers" >"$work/manual.log" 2>&1 || { cat "$work/manual.log" >&2; exit 1; }
for page in .build/plugins/GenerateManual/outputs/podero-team-sync/*.1 .build/plugins/GenerateManual/outputs/podero-sandbox/*.1; do
    name=$(basename "$page" .1)
    case "$name" in *.help) continue ;; esac          # the implicit `help` subcommand
    # podero-team-sync.audit.export -> podero-team-sync-audit-export, inside the pages too; the
    # NAME section names the page (podero-team-sync-sync, which whatis and apropos read) and
    # the SYNOPSIS the command (podero-team-sync sync); an empty line becomes a paragraph.
    awk '
        /^\.Xr [^ ]*\.help 1/ { next }
        /^\.Xr / { gsub(/[.]/, "-", $2) }
        /^\.Dt / { gsub(/[.]/, "-", $2) }
        /^\.Sh / { section = $2 }
        /^\.Nm "/ && section == "NAME" { command = $0; sub(/^\.Nm /, "", command); page = command
                                         gsub(/"/, "", page); gsub(/ /, "-", page); print ".Nm " page; next }
        /^\.Nm$/ && command != "" { print ".Nm " command; next }
        /^$/ { print ".Pp"; next }
        { print }
    ' "$page" > "$stage/man/${name//./-}.1"
done

# 3 before 2: the completions come from the binaries that are shipped.
build_static >"$work/build.log" 2>&1 || { tail -50 "$work/build.log" >&2; exit 1; }
bin=$(swift build -c release --scratch-path "$static" --show-bin-path)
for tool in podero-team-sync podero-sandbox; do
    install -m 0755 "$bin/$tool" "$stage/bin/$tool"
    # Sourced, not run: no #! line (lintian bash-completion-with-hashbang).
    "$stage/bin/$tool" --generate-completion-script bash | sed '1{/^#!/d}' > "$stage/completions/bash/$tool"
    "$stage/bin/$tool" --generate-completion-script zsh > "$stage/completions/zsh/_$tool"
    "$stage/bin/$tool" --generate-completion-script fish > "$stage/completions/fish/$tool.fish"
done
version=$("$stage/bin/podero-team-sync" --version)

install -m 0644 config/podero-team-sync.example.yaml "$stage/config/config.yaml"
install -m 0644 config/*.example.yaml "$stage/examples/"
install -m 0644 README.md "$stage/README.md"
cp -r debian "$src/debian"
install -m 0644 systemd/podero-team-sync.service "$src/debian/podero-team-sync.service"
install -m 0644 systemd/podero-team-sync@.service "$src/debian/podero-team-sync@.service"
install -m 0644 systemd/podero-team-sync.sysusers "$src/debian/podero-team-sync.sysusers"
install -m 0644 systemd/podero-team-sync-review.service "$src/debian/podero-team-sync.podero-team-sync-review.service"
install -m 0644 systemd/podero-team-sync-review.timer "$src/debian/podero-team-sync.podero-team-sync-review.timer"

dist=$(pwd)/dist
rm -f "$dist"/podero-team-sync_*.deb
root=fakeroot
[ "$(id -u)" -eq 0 ] && root=""
(cd "$src" && DEB_RULES_REQUIRES_ROOT=no PODERO_VERSION="$version" PODERO_DIST="$dist" $root debian/rules binary) \
    >"$work/dh.log" 2>&1 || { tail -50 "$work/dh.log" >&2; exit 1; }
echo "$dist/podero-team-sync_${version}-1_amd64.deb"
