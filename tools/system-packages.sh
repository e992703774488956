#!/bin/sh
# Installs the system packages of tools/system-packages.txt that are missing (Debian, as root),
# or stops with one line naming them and the command that installs them (exit 2).
set -eu
list="$(dirname "$0")/system-packages.txt"
missing=""
while read -r package command; do
    case "$package" in '' | '#'*) continue ;; esac
    command -v "$command" >/dev/null 2>&1 || missing="$missing $package"
done <"$list"
[ -z "$missing" ] && exit 0
missing="${missing# }"
install="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ldkit: installing the system packages the tests use: $missing"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -q >/dev/null && $install -q >/dev/null; then
        exit 0
    fi
    echo "ldkit: could not install $missing; run: $install" >&2
    exit 2
fi
echo "ldkit: the tests need the system packages $missing; install them with: sudo apt-get update && sudo $install" >&2
exit 2
