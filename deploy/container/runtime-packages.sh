#!/bin/sh
# Prints the Debian packages that hold the shared libraries BINARY loads, one
# a line, sorted: the build stage of Containerfile writes this list so that
# the runtime stage installs those packages and no build tools. Also usable
# on a build host, to learn what a host that only runs drover must install.
#
#   runtime-packages.sh BINARY
set -eu

if [ "$#" -ne 1 ]; then
  echo "usage: $0 BINARY" >&2
  exit 2
fi

listing=$(ldd "$1")
if printf '%s\n' "$listing" | grep -q 'not found'; then
  echo "runtime-packages: $1 has unresolved libraries:" >&2
  printf '%s\n' "$listing" | grep 'not found' >&2
  exit 1
fi

packages=""
libs=$(printf '%s\n' "$listing" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
for lib in $libs; do
  # Debian 12 merged /lib into /usr/lib, but dpkg still knows each file by
  # the path its package ships, so ask for each spelling of it.
  real=$(readlink -f "$lib")
  package=""
  for path in "$lib" "$real" "${real#/usr}"; do
    package=$(dpkg-query -S "$path" 2>/dev/null | sed -n '1s/[:,].*//p')
    if [ -n "$package" ]; then
      break
    fi
  done
  if [ -z "$package" ]; then
    echo "runtime-packages: no Debian package holds $lib" >&2
    exit 1
  fi
  packages="$packages$package
"
done

printf '%s' "$packages" | sort -u
