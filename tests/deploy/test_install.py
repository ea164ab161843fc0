"""A first install (`make run`, `make test`) on Debian 12 or Ubuntu 24.04 with only the
distribution's Python 3.11, 3.12 or 3.13 and make."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging import tags
from packaging.specifiers import SpecifierSet
from packaging.utils import parse_wheel_filename

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "Makefile"
SUPPORTED = ((3, 11), (3, 12), (3, 13))

# What Debian's venv prints, after half-making the directory, when python3.X-venv (and so
# ensurepip) is not installed.
DEBIAN_VENV_WITHOUT_ENSUREPIP = """\
#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin"
    echo "The virtual environment was not created successfully because ensurepip is not"
    echo "available.  On Debian/Ubuntu systems, you need to install the python3-venv"
    echo "package using the following command."
    echo
    echo "    apt install python3.X-venv"
    exit 1
fi
exec {python} "$@"
"""

PYTHON_3_10 = """\
#!/bin/sh
echo "Python 3.10.12" >&2
exit 1
"""


def make(*args, cwd):
    """Runs the project's Makefile from another directory, so nothing here is touched."""
    return subprocess.run(
        [shutil.which("make"), "--no-print-directory", "-f", str(MAKEFILE), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def fake_python(tmp_path, script):
    path = tmp_path / "bin" / "python3"
    path.parent.mkdir()
    path.write_text(script)
    path.chmod(0o755)
    return path


def test_pyproject_admits_python_3_11_to_3_13_and_nothing_else():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    admitted = SpecifierSet(pyproject["project"]["requires-python"])

    for version in ("3.11.2", "3.12.3", "3.13.0", "3.13.9"):
        assert version in admitted
    for version in ("3.10.12", "3.14.0"):
        assert version not in admitted


def test_the_lock_file_matches_pyproject_for_every_supported_python():
    uv = make("--eval", "print-uv: ; @echo $(UV)", "print-uv", cwd=ROOT).stdout.strip()
    uv = shutil.which(uv) or str(ROOT / uv)
    if not Path(uv).exists():
        pytest.skip(f"no uv yet at {uv}: `make install` bootstraps it")

    check = subprocess.run(
        [uv, "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True
    )

    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("version", SUPPORTED, ids=lambda v: f"{v[0]}.{v[1]}")
def test_every_locked_package_that_ships_wheels_has_one_for_python(version):
    # A compiled package locked without a wheel for this Python would need a compiler on a
    # fresh machine, or fail outright (psycopg-binary has no sdist).
    platforms = list(dict.fromkeys(tag.platform for tag in tags.sys_tags()))
    installable = {
        *tags.cpython_tags(python_version=version, platforms=platforms),
        *tags.compatible_tags(python_version=version, platforms=platforms),
    }
    lock = tomllib.loads((ROOT / "uv.lock").read_text())

    missing = []
    for package in lock["package"]:
        wheels = [Path(wheel["url"]).name for wheel in package.get("wheels", [])]
        if not wheels and ("sdist" in package or "source" in package):
            continue
        if not any(set(parse_wheel_filename(name)[3]) & installable for name in wheels):
            missing.append(f"{package['name']} {package['version']}")

    assert missing == []


def test_without_python3_venv_make_names_the_apt_get_package_in_one_line(tmp_path):
    python = fake_python(tmp_path, DEBIAN_VENV_WITHOUT_ENSUREPIP.format(python=sys.executable))

    # UV is forced to the bootstrapped one so a uv on this machine's PATH does not skip it.
    result = make(f"PYTHON={python}", "UV=$(UV_TOOL)", "install", cwd=tmp_path)

    assert result.returncode != 0
    package = f"python3.{sys.version_info.minor}-venv"
    message = [line for line in result.stderr.splitlines() if "apt-get" in line]
    assert message == [
        f"make: {python} cannot create the virtual environment for uv "
        f"(ensurepip is missing): run sudo apt-get install {package}"
    ]
    assert "Traceback" not in result.stderr
    assert list((tmp_path / ".tools").iterdir()) == []
    assert not (tmp_path / ".venv").exists()


def test_an_unsupported_python_is_refused_before_anything_is_installed(tmp_path):
    python = fake_python(tmp_path, PYTHON_3_10)

    result = make(f"PYTHON={python}", "UV=$(UV_TOOL)", "install", cwd=tmp_path)

    assert result.returncode != 0
    assert f"make: {python} is not Python 3.11 to 3.13" in result.stderr
    assert not (tmp_path / ".tools").exists()
    assert not (tmp_path / ".venv").exists()


def test_python_defaults_to_the_first_supported_interpreter_on_path(tmp_path):
    # Like a pyenv shim for a version that is installed but not selected, python3.11 is on
    # PATH and does not run.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python3.11").write_text(PYTHON_3_10)
    (fake_bin / "python3.11").chmod(0o755)
    (fake_bin / "python3.12").symlink_to(sys.executable)
    env = {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHON", None)

    result = subprocess.run(
        [shutil.which("make"), "-s", "-f", str(MAKEFILE), "--eval", "p: ; @echo $(PYTHON)", "p"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == "python3.12"
