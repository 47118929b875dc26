#!/usr/bin/env bash
# Builds the installable plugin zip (Plugins → Add New → Upload): the sapa/ folder, which holds only the
# plugin's runtime files, as sapa/… inside the zip. Usage: wp-plugin/build.sh [OUT.zip]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/dist/sapa.zip}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$out"
cd "$here"
zip -q -r -X "$out" sapa -x '*/.*' '*~'
echo "$out"
