"""Output I/O: a full disk, read-only folders, device nodes, symlinks, user folders, umask."""
from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys

import pytest

from ..conftest import PROJECT, read_manifest
from .site import crawl, serve_hostile, site

pytestmark = pytest.mark.timeout(300)

# Enough text for a few hundred kB of output: more than the small file systems below hold.
BULK = {f"bulk{n}": "".join(f"<h2 id='s{n}-{k}'>Part {n}.{k}</h2><p>" + " ".join(
    f"word{n}x{k}x{w} explains tide number {w} at station {k}." for w in range(60)) + "</p>"
    for k in range(8)) for n in range(12)}


@contextlib.contextmanager
def small_filesystem(path, size: str, read_only: bool = False):
    """A real tmpfs of ``size`` (root only): ENOSPC and EROFS from the kernel, not a mock."""
    path.mkdir()
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                             capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def resize(path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def ids_of(out) -> list[str]:
    return [json.loads(line)["id"] for line in open(out, encoding="utf-8")]


def one_error_line(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("docprompts: error:")]


@pytest.mark.slow
def test_disk_full_then_space_back_gives_the_exact_output(tmp_path):
    with serve_hostile(site({}, BULK)) as server:
        reference = crawl(server.base_url, tmp_path / "ref.jsonl", "--workers", "1")
        assert reference.returncode == 0, reference.stderr
        expected = ids_of(tmp_path / "ref.jsonl")
        assert (tmp_path / "ref.jsonl").stat().st_size > 150_000
        with small_filesystem(tmp_path / "small", "64k") as disk:
            out = disk / "out.jsonl"
            full = crawl(server.base_url, out, "--workers", "1")
            assert full.returncode == 1, full.stderr
            errors = one_error_line(full.stderr)
            assert len(errors) == 1 and "no space left on device writing out.jsonl" in errors[0], full.stderr
            assert "resume" in errors[0]
            assert not out.exists() and not (disk / "out.jsonl.manifest.json").exists()
            resize(disk, "4m")   # space comes back (another job's files removed)
            resumed = crawl(server.base_url, out, "--workers", "1")
            assert resumed.returncode == 0, resumed.stderr
            got = ids_of(out)
            assert len(got) == len(set(got)) and sorted(got) == sorted(expected)
            assert read_manifest(out)["records"] == len(got)
            assert not (disk / "out.jsonl.part").exists()


def test_read_only_folder_is_one_line_before_crawling(tmp_path):
    with small_filesystem(tmp_path / "ro", "1m", read_only=True) as disk, \
            serve_hostile(site({})) as server:
        result = crawl(server.base_url, disk / "out.jsonl", "--workers", "1")
    assert result.returncode == 2
    errors = one_error_line(result.stderr)
    assert len(errors) == 1 and "read-only file system" in errors[0].lower(), result.stderr
    assert "resume" not in result.stderr
    assert server.requests == 0


def test_device_node_out_is_refused_and_untouched(tmp_path):
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))   # a /dev/null of our own
    with serve_hostile(site({})) as server:
        result = crawl(server.base_url, device, "--workers", "1")
    assert result.returncode == 2 and "not a regular file" in result.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert server.requests == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


@pytest.mark.slow
def test_symlinked_out_is_written_through_never_replaced(tmp_path):
    target, link = tmp_path / "real.jsonl", tmp_path / "link.jsonl"
    link.symlink_to(target.name)
    with serve_hostile(site({})) as server:
        result = crawl(server.base_url, link, "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "real.jsonl"
    assert target.is_file() and len(ids_of(target)) > 0


def test_out_equal_to_state_is_refused_before_crawling(tmp_path):
    with serve_hostile(site({})) as server:
        result = crawl(server.base_url, tmp_path / "state", "--state", str(tmp_path / "state"))
        inside = crawl(server.base_url, tmp_path / "state" / "hostile.json", "--state", str(tmp_path / "state"))
    for run in (result, inside):
        assert run.returncode == 2 and len(one_error_line(run.stderr)) == 1, run.stderr
        assert "--state" in run.stderr and "resume" not in run.stderr
    assert server.requests == 0


@pytest.mark.slow
def test_outputs_follow_the_umask(tmp_path):
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({})) as server:
        result = subprocess.run(["sh", "-c", f"umask 022 && exec {sys.executable} -m crawler.cli crawl "
                                 f"--profile tests/hostile/profile.toml --base-url {server.base_url} "
                                 f"--out {out} --workers 1"], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for path in (out, tmp_path / "out.jsonl.manifest.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def corpus(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def small_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "out.jsonl"
    with serve_hostile(site({})) as server:
        assert crawl(server.base_url, out, "--workers", "1").returncode == 0
    return out


def test_report_onto_a_symlink_to_stdout_is_refused(tmp_path, small_output):
    link = tmp_path / "report.html"
    link.symlink_to("/dev/stdout")
    result = corpus("report", str(small_output), "-o", str(link))
    assert result.returncode == 2 and "not a regular file" in result.stderr, result.stderr
    assert link.is_symlink() and os.readlink(link) == "/dev/stdout"


def test_export_never_deletes_the_users_tmp_and_old_folders(tmp_path, small_output):
    out_dir = tmp_path / "chat"
    mine = [tmp_path / "chat.tmp", tmp_path / "chat.old"]
    for folder in mine:
        folder.mkdir()
        (folder / "keep.txt").write_text("the user's own file")
    first = corpus("export", str(small_output), "--to", "chat", str(out_dir))
    again = corpus("export", str(small_output), "--to", "chat", str(out_dir), "--force")
    assert first.returncode == 0 and again.returncode == 0, (first.stderr, again.stderr)
    for folder in mine:
        assert (folder / "keep.txt").read_text() == "the user's own file"
    assert (out_dir / "chat.jsonl").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat", "chat.old", "chat.tmp"]


def test_final_write_failing_keeps_the_old_output_and_the_journal(tmp_path):
    """No space for the final file: the previous output stays as it was, the journal stays,
    and once there is space the same records are written exactly once."""
    from output.jsonl import AtomicJsonlWriter, read_jsonl
    from output.safety import OutputError

    with small_filesystem(tmp_path / "small", "64k") as disk:
        out = disk / "out.jsonl"
        out.write_text('{"id": "old"}\n')
        writer = AtomicJsonlWriter(out)
        for n in range(60):
            writer.write({"id": f"r{n}", "text": "t" * 500}, (n,))
        writer.flush()
        with pytest.raises(OutputError, match="no space left on device writing out.jsonl"):
            writer.finish()
        assert read_jsonl(out) == [{"id": "old"}]
        assert writer.part_path.stat().st_size > 30_000
        assert [p.name for p in disk.iterdir() if p.name.startswith(".")] == []   # no temp left
        resize(disk, "1m")
        writer.finish()
        assert [r["id"] for r in read_jsonl(out)] == [f"r{n}" for n in range(60)]
