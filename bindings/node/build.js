#!/usr/bin/env node
// Builds the addon, build/rmsg.node, from src/rmsg_node.c with the C
// compiler: one C file needs no build system, and this needs no download.
//
// Node-API's headers come from the Node.js that runs this script: the
// `include/node` directory of its installation prefix (the directory
// above the one holding the node binary), or the directory named by
// --nodedir / $npm_config_nodedir. rmsg.h comes from the repository's
// include/ (or, in an unpacked tarball, the copy in include/ beside this
// file). The addon does not link librmsg (lib/index.js loads the library
// at run time), and Node-API symbols are resolved from the node process,
// so it links against nothing but the C library.
//
//   node build.js            build if a source is newer than the addon
//   node build.js --force    build in any case
//   node build.js --bundle   build, and bundle the library (npm pack)
//
// The compiler is $CC, else cc. Flags: C11 with GNU extensions
// (__typeof__ for the function table), -O2, every warning an error.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const here = __dirname;
const out = path.join(here, 'build', 'rmsg.node');
const source = path.join(here, 'src', 'rmsg_node.c');

function nodeInclude() {
  const arg = process.argv.find((a) => a.startsWith('--nodedir='));
  const dir = arg ? arg.slice('--nodedir='.length) : process.env.npm_config_nodedir;
  const prefix = dir || path.dirname(path.dirname(process.execPath));
  const inc = path.join(prefix, 'include', 'node');
  if (!fs.existsSync(path.join(inc, 'node_api.h'))) {
    throw new Error(
      `no node_api.h in ${inc}: install the Node.js headers (Debian: the nodejs ` +
        `package's include/node, or libnode-dev), or pass --nodedir=DIR`
    );
  }
  return inc;
}

function rmsgInclude() {
  for (const dir of [path.join(here, '..', '..', 'include'), path.join(here, 'include')]) {
    if (fs.existsSync(path.join(dir, 'rmsg.h'))) return dir;
  }
  throw new Error('rmsg.h not found (in the repository include/ or include/ beside build.js)');
}

function newer(a, b) {
  return fs.statSync(a).mtimeMs > fs.statSync(b).mtimeMs;
}

function build({ force = false, quiet = false } = {}) {
  const nodeInc = nodeInclude();
  const rmsgInc = rmsgInclude();
  const header = path.join(rmsgInc, 'rmsg.h');
  if (!force && fs.existsSync(out) && !newer(source, out) && !newer(header, out) && !newer(__filename, out)) {
    return out;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // Built beside the target, then renamed: a concurrent loader never
  // sees half a file.
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC || 'cc';
  const args = [
    '-std=gnu11', '-O2', '-g0', '-fPIC', '-shared', '-fvisibility=hidden',
    '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter',
    '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=rmsg',
    '-I', nodeInc, '-I', rmsgInc,
    source, '-o', tmp, '-ldl', '-lpthread',
  ];
  if (!quiet) console.log(`${cc} ${args.join(' ')}`);
  try {
    execFileSync(cc, args, { stdio: 'inherit' });
    fs.renameSync(tmp, out);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return out;
}

// For `npm pack` (the prepack script): the addon, the release library
// of this checkout as build/librmsg.so.0 (stripped when strip(1) is
// there), and a copy of rmsg.h in include/ so that the unpacked package
// can rebuild the addon. No tarball without a library: a package that
// cannot load is worse than none.
function bundle() {
  const lib = path.join(here, '..', '..', 'target', 'release', 'librmsg.so');
  if (!fs.existsSync(lib)) {
    throw new Error(`no ${lib}: run \`cargo build --release\` first (the package bundles the library)`);
  }
  build();
  const dest = path.join(here, 'build', 'librmsg.so.0');
  const tmp = `${dest}.${process.pid}.tmp`;
  fs.copyFileSync(fs.realpathSync(lib), tmp);
  try {
    execFileSync('strip', ['--strip-unneeded', tmp], { stdio: 'ignore' });
  } catch {
    // strip(1) is missing: the library goes unstripped.
  }
  fs.renameSync(tmp, dest);
  fs.mkdirSync(path.join(here, 'include'), { recursive: true });
  fs.copyFileSync(path.join(rmsgInclude(), 'rmsg.h'), path.join(here, 'include', 'rmsg.h'));
}

module.exports = { build, bundle, out };

if (require.main === module) {
  try {
    if (process.argv.includes('--bundle')) bundle();
    else build({ force: process.argv.includes('--force') });
  } catch (e) {
    console.error(`build.js: ${e.message}`);
    process.exit(1);
  }
}
