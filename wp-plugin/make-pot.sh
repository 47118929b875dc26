#!/usr/bin/env bash
# Regenerates sapa/languages/sapa.pot (the translation template) from the plugin's PHP (needs gettext).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
find sapa -name '*.php' | sort | xgettext --language=PHP --from-code=UTF-8 --add-comments=translators: \
  --keyword=__ --keyword=_e --keyword=esc_html__ --keyword=esc_html_e --keyword=esc_attr__ --keyword=esc_attr_e \
  --keyword=_x:1,2c --keyword=_n:1,2 --package-name=sapa --package-version=0.1.0 \
  --files-from=- --output=sapa/languages/sapa.pot
echo "sapa/languages/sapa.pot: $(grep -c '^msgid ' sapa/languages/sapa.pot) strings"
