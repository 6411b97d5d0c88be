#!/usr/bin/env bash
# Make the offline Solara assets (solara-assets wheel, installed in PREFIX/share/solara/cdn)
# usable by Altair charts: vega-embed asks for vega@5, vega-lite@5 and vega-embed@6, which the
# wheel ships only under full versions (vega@5.21.0, ...). Add relative symlinks major -> full.
# Idempotent. Usage: solara_assets_links.sh [VENV_OR_PREFIX]   (default: .venv)
set -euo pipefail
prefix="${1:-.venv}"
cdn="$prefix/share/solara/cdn"
if [ ! -d "$cdn" ]; then
    echo "solara_assets_links: $cdn not found (is solara-assets installed?)" >&2
    exit 1
fi
cd "$cdn"
for pkg in vega vega-lite vega-embed; do
    # highest full version present, e.g. vega@5.21.0
    full="$(ls -d "$pkg"@[0-9]*.[0-9]* 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -z "$full" ] || [ ! -d "$full" ]; then
        echo "solara_assets_links: no $pkg@<version> in $cdn" >&2
        exit 1
    fi
    major="${full#"$pkg"@}"
    major="$pkg@${major%%.*}"
    if [ -L "$major" ] && [ "$(readlink "$major")" = "$full" ]; then
        continue
    fi
    if [ -e "$major" ] && [ ! -L "$major" ]; then
        continue   # a real folder of that name already exists: leave it
    fi
    ln -sfn "$full" "$major"
    echo "solara_assets_links: $major -> $full"
done
