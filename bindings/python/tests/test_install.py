"""``pip install ./bindings/python`` into a fresh virtual environment gives
the compiled path: the installed package imports its extension module
(``rmsg.implementation == "compiled"``), loads the copy of librmsg bundled
beside it, and receives a descriptor through both. Needs what the build
needs (a C compiler, Python.h) and no package index (``--no-index``)."""

import os
import subprocess
import sys
import textwrap

import pytest

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHECK = textwrap.dedent("""
    import os, socket, sys
    import rmsg
    here = os.path.dirname(rmsg.__file__)
    assert rmsg.implementation == "compiled", rmsg.implementation
    assert rmsg._native.extension.__file__.startswith(here), rmsg._native.extension.__file__
    assert rmsg.library_path == os.path.join(here, "librmsg.so.0"), rmsg.library_path
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    r, w = os.pipe()
    rmsg.send_fds(b, [b"installed"], [w])
    data, fds, flags, addr = rmsg.recv_fds(a, 16, 1)
    assert data == b"installed" and len(fds) == 1
    os.write(fds[0], b"!")
    assert os.read(r, 1) == b"!"
    print(rmsg.implementation, rmsg._native.extension.api, os.path.basename(rmsg.library_path))
""")


@pytest.mark.skipif(
    not os.path.exists(os.path.join(PACKAGE_ROOT, "ext", "_rmsg.c")),
    reason="needs the package's source (a checkout)",
)
def test_pip_install_into_fresh_venv_gives_the_compiled_path(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    env = dict(os.environ)
    env.pop("RMSG_IMPL", None)
    # RMSG_LIBRARY, if set, names the library the build bundles.
    install = subprocess.run(
        [py, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet", PACKAGE_ROOT],
        capture_output=True, text=True, env=env,
    )
    assert install.returncode == 0, install.stderr
    # Run outside the checkout, with nothing pointing at it.
    env.pop("RMSG_LIBRARY", None)
    env.pop("PYTHONPATH", None)
    run = subprocess.run([py, "-c", CHECK], capture_output=True, text=True,
                         cwd=str(tmp_path), env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["compiled", "abi3" if sys.version_info >= (3, 11)
                                  else "full", "librmsg.so.0"]
