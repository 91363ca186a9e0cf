"""`keel sweep` and `keel report`: the keel executable hands them to
`python3 -m keel` with the package beside it (engine/cli/python_command.cpp)."""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

KEEL = os.environ.get("KEEL_BINARY")
pytestmark = pytest.mark.skipif(not KEEL, reason="KEEL_BINARY (set by ctest) names the keel executable")


def keel(*args, cwd=None, env=None):
    return subprocess.run([KEEL, *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def small_sweep(tmp_path, root):
    sweep = {"base": str(root / "config/examples/demo.json"),
             "parameters": {"/strategies/0/params/fast": [5, 10]}}
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(sweep))
    return path


def test_every_argument_goes_to_the_python_command_help_included():
    out = keel("sweep", "--help")
    assert out.returncode == 0, out.stderr
    assert "usage: keel sweep" in out.stdout and "--scheduler" in out.stdout
    out = keel("report", "--help")
    assert out.returncode == 0 and "usage: keel report" in out.stdout


def test_a_sweep_runs_and_global_options_may_come_after_the_command(tmp_path, root):
    # --plugin-path and --log-level are keel's global options, taken out of
    # the command's arguments (argparse would refuse --plugin-path).
    out = keel("sweep", small_sweep(tmp_path, root), "--output", tmp_path / "out", "--jobs", "1",
               "--plugin-path", tmp_path, "--log-level=error", "--no-report")
    assert out.returncode == 0, out.stderr
    assert "2 points: 2 completed" in out.stdout
    assert (tmp_path / "out" / "results.csv").read_text().count("\n") == 3
    assert not (tmp_path / "out" / "report.html").exists()  # --no-report
    same = keel("--plugin-path", tmp_path, "sweep", small_sweep(tmp_path, root), "--output",
                tmp_path / "again", "--jobs", "1")
    assert same.returncode == 0, same.stderr
    assert (tmp_path / "again" / "results.csv").read_bytes() == \
        (tmp_path / "out" / "results.csv").read_bytes()
    assert (tmp_path / "again" / "report.html").is_file()


def test_a_bad_sweep_file_is_exit_2_with_its_pointer(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"base": "missing.json", "parameters": {}}))
    out = keel("sweep", bad, "--output", tmp_path / "out")
    assert out.returncode == 2
    assert "/base" in out.stderr and "/parameters" in out.stderr


def test_report_writes_a_runs_page_and_prints_its_path(tmp_path, root):
    run = keel("run", root / "config/examples/demo.json", "--output", tmp_path / "run")
    assert run.returncode == 0, run.stderr
    out = keel("report", tmp_path / "run")
    assert out.returncode == 0, out.stderr
    page = pathlib.Path(out.stdout.strip().splitlines()[-1])
    assert page == tmp_path / "run" / "report.html" and page.stat().st_size > 100_000
    missing = keel("report", tmp_path)
    assert missing.returncode == 2 and "summary.json" in missing.stderr
    # keel's global options, before or after the command, whether or not it logs.
    for args in (("--log-level", "info", "report", tmp_path / "run"),
                 ("report", tmp_path / "run", "--log-level=debug", "--plugin-path", tmp_path)):
        again = keel(*args)
        assert again.returncode == 0, (args, again.stderr)


def test_without_the_package_beside_it_keel_says_where_it_looked(tmp_path):
    # A copy of the executable in a folder with no keel package near it.
    (tmp_path / "bin").mkdir()
    copy = tmp_path / "bin" / "keel"
    shutil.copy2(KEEL, copy)
    out = subprocess.run([copy, "sweep", "x.json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "keel's Python package is not beside this executable" in out.stderr
    assert str(tmp_path / "python") in out.stderr  # where it looked
    assert "-m keel sweep" in out.stderr  # and how to run it by hand
