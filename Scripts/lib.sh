# Shared shell helpers for Scripts/*.sh. Source it; it defines functions only.

# Installs the Debian packages that are not installed yet (installing an installed package can
# upgrade it and its libraries, so only the missing ones are named).
ensure_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing missing Debian packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # apt-get update does not wait for the dpkg lock: retry it (ldap-notes.md).
    for attempt in 1 2 3 4 5; do
        $sudo apt-get update -q >/dev/null && break
        [ "$attempt" -eq 5 ] && { echo "apt-get update failed" >&2; return 1; }
        sleep 3
    done
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Puts the Swift toolchain on PATH when it is installed in /opt/swift but not on PATH.
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v swift >/dev/null 2>&1 || { echo "swift is not installed (expected in /opt/swift)" >&2; return 1; }
}

# The packages the build, the tests and the fixtures need.
PODERO_PACKAGES=(slapd ldap-utils libldap-dev libsqlite3-dev openssl python3 python3-pip curl procps)
# The Active Directory fixture (Samba DC). samba-ad-provision is only a Recommends of samba-ad-dc
# and provisioning fails without it (ldap-notes.md), so it is named.
PODERO_AD_PACKAGES=(samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind python3-samba ldb-tools)

# Installs schemathesis from PyPI when it is missing (the emulator's conformance check).
# Run it as `python3 -m schemathesis.cli`: a console script installed through `python3 -m pip`
# may have no shim on PATH (pyenv).
ensure_schemathesis() {
    python3 -c 'import schemathesis.cli' >/dev/null 2>&1 && return 0
    echo "installing schemathesis from PyPI" >&2
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore 'schemathesis>=4,<5' >&2
}

# Writes a throwaway CA (DIR/ca.pem), a certificate for 127.0.0.1 and localhost signed by it
# (DIR/server.pem, DIR/server.key), and another CA that signed nothing (DIR/wrong-ca.pem).
#   make_test_certificates DIR "CA NAME"
make_test_certificates() {
    local d=$1 ca_name=$2
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$ca_name" \
        -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=some other CA" \
        -keyout "$d/wrong-ca.key" -out "$d/wrong-ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$d/server.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 30 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
    chmod 600 "$d"/*.key
}

# Benchmark helpers: the time now in seconds, and the median of numbers read one a line.
now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
