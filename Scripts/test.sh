#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts the fixtures (a throwaway slapd on
# 127.0.0.1 and a throwaway Samba AD domain controller on 127.0.0.1:389/636), builds the Debian
# package (Scripts/package-deb.sh; the suite installs and purges it), runs `swift test`, and
# stops the fixtures whatever happens.
#
#   Scripts/test.sh                    # everything
#   Scripts/test.sh --filter Paging    # extra arguments go to `swift test`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh

# prometheus for promtool (the alert rules' tests); lintian, man-db, bash-completion and file for
# the package's checks.
ensure_packages "${PODERO_PACKAGES[@]}" "${PODERO_AD_PACKAGES[@]}" prometheus lintian man-db bash-completion file
ensure_swift

fixtures=$(mktemp -d "${TMPDIR:-/tmp}/podero-team-sync-test.XXXXXX")
cleanup() {
    Scripts/slapd-fixture.sh stop "$fixtures/slapd" || true
    Scripts/samba-fixture.sh stop "$fixtures/samba" || true
    rm -rf "$fixtures"
}
trap cleanup EXIT INT TERM

Scripts/slapd-fixture.sh start "$fixtures/slapd"
Scripts/samba-fixture.sh start "$fixtures/samba"
set -a
. "$fixtures/slapd/env"
. "$fixtures/samba/env"
set +a
# Hermetic libldap: ignore /etc/ldap/ldap.conf and ~/.ldaprc.
export LDAPNOINIT=1

swift build --build-tests
# The .deb, whose man pages come from this debug build; its release build is static.
PODERO_DEB=$(Scripts/package-deb.sh | tail -1)
export PODERO_DEB
echo "built $PODERO_DEB"
# The emulator against the OpenAPI description (schemathesis), before the Swift suites so that
# `swift test`'s summary is the run's closing line.
Scripts/conformance.sh "$(swift build --show-bin-path)/podero-sandbox"
# Suites one after another: several start servers and time-outs, and 2 cores shared by all of
# them at once made the timing-sensitive ones flaky.
swift test --no-parallel "$@"
