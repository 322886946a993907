#!/usr/bin/env bash
# Source this file (". scripts/torch-runtime.sh") before running dotnet for DeltaTui.
#
# TorchSharp 0.107's libLibTorchSharp.so needs GLIBCXX_3.4.32 / CXXABI_1.3.13 (GCC 13+).
# Older systems (Debian 12, Ubuntu 22.04) stop earlier, and torch fails at type
# initialisation. Where that is so, we fetch a newer C runtime + C++ runtime (Debian 13's
# libc6, libstdc++6, libgcc-s1) into a cache folder, make a hard-linked copy of the .NET
# root and patch its `dotnet` host to use that loader and those libraries. A hard-linked
# copy (not symlinks) matters: the CLI resolves its real path and re-launches test hosts
# and MSBuild nodes through it. Where the system runtime is new enough nothing happens.
#
# Exports DOTNET_ROOT and PATH for the patched host, and DELTATUI_COMPAT=<dir|none>.

_deltatui_compat_main() {
  local need_glibcxx=GLIBCXX_3.4.32 need_cxxabi=CXXABI_1.3.13
  local cache="${DELTATUI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/deltatui}/compat"
  local sys_stdcxx
  sys_stdcxx=$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null) | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
  if [ -n "${DELTATUI_FORCE_COMPAT:-}" ] || [ -z "$sys_stdcxx" ] \
     || ! grep -qa "$need_glibcxx" "$sys_stdcxx" || ! grep -qa "$need_cxxabi" "$sys_stdcxx"; then
    :
  else
    export DELTATUI_COMPAT=none
    return 0
  fi

  local dotnet_bin real_root
  dotnet_bin=$(command -v dotnet) || { echo "torch-runtime: dotnet is not on PATH" >&2; return 1; }
  real_root=$(dirname "$(readlink -f "$dotnet_bin")")
  # Already inside a patched root (nested scripts): nothing to do.
  case "$real_root" in "$cache"/*) export DELTATUI_COMPAT="$cache"; return 0 ;; esac

  local libs="$cache/rootfs" root="$cache/dotnet"
  local stamp="$cache/ready-$(stat -c %i-%Y "$real_root/dotnet" 2>/dev/null)"
  if [ ! -f "$stamp" ]; then
    echo "torch-runtime: system C++ runtime lacks $need_glibcxx; preparing a private runtime in $cache (once)..." >&2
    local work; work=$(mktemp -d "${TMPDIR:-/tmp}/deltatui-compat.XXXXXX")
    mkdir -p "$work/lists/partial" "$work/debs" "$cache"
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg signed=""
    if [ -f "$keyring" ]; then signed="signed-by=$keyring"; else
      echo "torch-runtime: $keyring is missing; install the package debian-archive-keyring" >&2; rm -rf "$work"; return 1; fi
    local mirror=${DELTATUI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
    printf 'deb [arch=amd64 %s] %s trixie main\ndeb [arch=amd64 %s] %s bookworm main\n' "$signed" "$mirror" "$signed" "$mirror" > "$work/sources.list"
    local aptopts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=- \
                   -o "Dir::State::Lists=$work/lists" -o Debug::NoLocking=1 -o APT::Architecture=amd64)
    if ! apt-get "${aptopts[@]}" update -qq >"$work/apt.log" 2>&1 \
       || ! (cd "$work/debs" && apt-get "${aptopts[@]}" download libc6/trixie libstdc++6/trixie libgcc-s1/trixie >>"$work/apt.log" 2>&1); then
      echo "torch-runtime: could not download Debian 13 runtime packages (see below)" >&2; tail -5 "$work/apt.log" >&2
      rm -rf "$work"; return 1
    fi
    rm -rf "$libs.tmp"; mkdir -p "$libs.tmp"
    local deb; for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$libs.tmp"; done
    if ! command -v patchelf >/dev/null; then
      mkdir -p "$work/pe" && (cd "$work/pe" && apt-get "${aptopts[@]}" download patchelf/bookworm >>"$work/apt.log" 2>&1) \
        && dpkg -x "$work"/pe/patchelf_*.deb "$work/patchelf" || { echo "torch-runtime: patchelf missing" >&2; rm -rf "$work"; return 1; }
    fi
    local pe; pe=$(command -v patchelf || echo "$work/patchelf/usr/bin/patchelf")
    rm -rf "$root.tmp"
    cp -al "$real_root" "$root.tmp" 2>/dev/null || cp -a "$real_root" "$root.tmp"
    rm -f "$root.tmp/dotnet"; cp "$real_root/dotnet" "$root.tmp/dotnet"
    local libdir="$libs/usr/lib/x86_64-linux-gnu"
    "$pe" --set-interpreter "$libdir/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$libdir" "$root.tmp/dotnet" \
      || { echo "torch-runtime: patchelf failed" >&2; rm -rf "$work" "$root.tmp"; return 1; }
    # Paths are baked into the patched host, so the final names must be in place before use.
    rm -rf "$libs" "$root"; mv "$libs.tmp" "$libs"; mv "$root.tmp" "$root"
    rm -f "$cache"/ready-*; touch "$stamp"; rm -rf "$work"
    echo "torch-runtime: ready" >&2
  fi
  export DOTNET_ROOT="$root" PATH="$root:$PATH" DELTATUI_COMPAT="$cache"
}
_deltatui_compat_main
