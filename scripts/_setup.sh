# Shared by scripts/run and scripts/test (sourced, not run): venv and Debian packages.

# Create .venv if missing and `pip install -e "$1"` when pyproject.toml changed
# since the last install (a stamp file in .venv remembers its hash per target).
ensure_venv() {
    local target="$1"
    if [[ ! -x .venv/bin/python ]]; then
        if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "livesale needs Python 3.11 or newer as python3" >&2
            exit 1
        fi
        python3 -m venv .venv
    fi
    local stamp=".venv/.livesale-installed-${target//[^a-z]/_}"
    local wanted
    wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
        # PyICU has no wheels: it builds against the system's ICU.
        if ! pkg-config --exists icu-i18n 2>/dev/null || ! command -v c++ >/dev/null; then
            apt_install libicu-dev pkg-config g++
        fi
        .venv/bin/python -m pip install --quiet -e "$target"
        echo "$wanted" >"$stamp"
    fi
}

# apt-get install the given Debian packages (as root, or through sudo).
apt_install() {
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        sudo=(sudo)
    fi
    echo "installing Debian packages: $*" >&2
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "$@"
}
