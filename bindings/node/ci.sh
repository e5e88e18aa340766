#!/usr/bin/env bash
# The Node binding's checks, run by .ci/run after `cargo build --release`:
# build the addon, run the node --test suites on real sockets, type-check
# the declarations, benchmark at a tiny size (built and run; the timings
# are not checked), then `npm pack` and install the tarball into an empty
# directory with no network, and use it from there.
#
# TypeScript and @types/node (pinned) are the only downloads, from the
# npm registry, into a temporary directory.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "--- addon"
node build.js

echo "--- tests (node --test)"
node --test test/*.test.js

echo "--- TypeScript declarations (tsc --strict)"
npm install --silent --no-audit --no-fund --prefix "$tmp/ts" typescript@5.9.3 @types/node@20.19.43
"$tmp/ts/node_modules/.bin/tsc" -p tsconfig.json --typeRoots "$tmp/ts/node_modules/@types"
echo "index.d.ts: test/types.ts compiles"

echo "--- benchmark (tiny; timings not checked)"
node bench.js 1 2 500 | tail -n 2

echo "--- npm pack"
npm pack --silent --pack-destination "$tmp" >"$tmp/pack.out"
tarball=$(ls "$tmp"/rmsg-*.tgz)
tar -tzf "$tarball" | sort >"$tmp/contents"
for f in package/build/rmsg.node package/build/librmsg.so.0 package/lib/index.js package/index.d.ts package/include/rmsg.h; do
    grep -qx "$f" "$tmp/contents" || { echo "the tarball lacks $f" >&2; exit 1; }
done
if grep -q '^package/test/' "$tmp/contents"; then echo "the tarball holds the tests" >&2; exit 1; fi
echo "$(basename "$tarball"): $(wc -l <"$tmp/contents") files, $(du -k "$tarball" | cut -f1) KiB"

echo "--- offline install into an empty directory"
app="$tmp/app"
mkdir -p "$app"
cd "$app"
printf '{ "name": "app", "version": "1.0.0", "private": true }\n' >package.json
offline=(npm install --offline --cache "$tmp/empty-cache" --no-audit --no-fund --ignore-scripts=false)
# With no network namespace at hand, --offline and an empty cache alone
# keep npm off the network; where unshare(1) can make one, the install
# runs with no network at all.
noNet=()
if unshare -n true 2>/dev/null; then noNet=(unshare -n); fi
# The check is meaningful: the same command fails for a package that
# would have to come from the registry.
if "${noNet[@]}" "${offline[@]}" is-number@7.0.0 >"$tmp/probe.out" 2>&1; then
    echo "npm installed from the registry: this install is not offline" >&2
    exit 1
fi
grep -qE 'ENOTCACHED|ENETUNREACH|EAI_AGAIN|offline' "$tmp/probe.out" || { cat "$tmp/probe.out" >&2; exit 1; }
echo "a registry package fails as it must ($(grep -oE 'ENOTCACHED|ENETUNREACH|EAI_AGAIN' "$tmp/probe.out" | head -1))"
"${noNet[@]}" "${offline[@]}" "$tarball"
echo "installed ${noNet[*]:+(${noNet[*]}) }with --offline and an empty cache"
env -u RMSG_LIBRARY node -e '
  const rmsg = require("rmsg");
  const path = require("path");
  const want = path.join(process.cwd(), "node_modules", "rmsg", "build", "librmsg.so.0");
  if (rmsg.libraryPath !== want) throw new Error(`loaded ${rmsg.libraryPath}, not the bundled ${want}`);
  const [a, b] = rmsg.socketPair("dgram");
  b.send("from the installed package", { fds: [b.fd] })
    .then(() => a.recv())
    .then((m) => {
      if (m.fds.length !== 1) throw new Error("no descriptor arrived");
      rmsg.closeFds(m);
      console.log(`${m.data} (librmsg ${rmsg.version}, ${path.relative(process.cwd(), rmsg.libraryPath)})`);
      a.close();
      b.close();
    });
'
cd "$here"
