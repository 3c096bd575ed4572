#!/usr/bin/env bash
# make-sample-repo.sh DEST
# Builds a fresh git repository of the sample application at DEST (removed first if it exists):
#   v1.0.0        base (examples/masclet-sample)            branch main
#   v2.0.0        + releases/v2 overlay (schema change)     branch main ends here
#   v2.0.1-broken + releases/broken overlay (/health 500)   branch broken only
# Commit dates are fixed, so the same sources always give the same commit ids.
set -euo pipefail

[[ $# -eq 1 && -n $1 ]] || { echo "usage: $0 DEST" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dest=$1
case $(realpath -m "$dest") in
  / | "${HOME:-/}" | "$here" | "$here"/*) echo "refusing to use $dest" >&2; exit 2 ;;
esac
rm -rf "$dest"
mkdir -p "$dest"

g() {
  git -C "$dest" -c user.name=sample -c user.email=sample@example.invalid \
    -c commit.gpgsign=false -c tag.gpgsign=false "$@"
}

overlay() {
  local skip
  skip=(node_modules dist .astro .venv .ruff_cache __pycache__ .env logs imports backups)
  tar -C "$1" "${skip[@]/#/--exclude=}" -cf - . | tar -C "$dest" -xf -
}

release() { # release TAG DATE MESSAGE
  export GIT_AUTHOR_DATE=$2 GIT_COMMITTER_DATE=$2
  # An overlay file can keep the size, mtime (tar stores whole seconds) and even the inode of the
  # file it replaces, so git's stat cache would call it unchanged: rebuild the index from content.
  rm -f "$dest/.git/index"
  g add -A
  g commit -q -m "$3"
  g tag -a "$1" -m "$3"
}

g init -q
g symbolic-ref HEAD refs/heads/main
overlay "$here/masclet-sample"
# The real application's pyproject.toml is Latin-1 with CRLF line ends (APP-CONTRACT.md).
iconv -f UTF-8 -t LATIN1 "$dest/backend/pyproject.toml" | sed 's/$/\r/' >"$dest/backend/pyproject.tmp"
mv "$dest/backend/pyproject.tmp" "$dest/backend/pyproject.toml"
release v1.0.0 "2025-03-01T10:00:00Z" "Masclet Imperi sample 1.0.0"
overlay "$here/releases/v2"
release v2.0.0 "2025-06-01T10:00:00Z" "2.0.0: animals.pes (weight) column, aerich migration 1"
g checkout -q -b broken
overlay "$here/releases/broken"
release v2.0.1-broken "2025-06-02T10:00:00Z" "2.0.1-broken: /health always answers 500"
g checkout -q main
echo "sample repository ready at $dest:"
g log --oneline --decorate --all
