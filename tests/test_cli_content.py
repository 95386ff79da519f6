"""`vrede graph` in every format, with --focus and a missing node; `vrede reload`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_cli import vrede

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dot_installed() -> None:
    """Graphviz for the svg and png formats: installed here when missing (we run as root in
    CI); the tests skip only when that cannot be done."""
    if shutil.which("dot"):
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "graphviz"]):
            subprocess.run(cmd, capture_output=True, timeout=600, check=False)
    if not shutil.which("dot"):
        pytest.skip("Graphviz ('dot') is not installed and apt-get could not install it")


def test_graph_md_is_mermaid_in_a_fenced_block_with_a_legend() -> None:
    out = vrede("graph", "--format", "md").stdout
    assert out.startswith("```mermaid\nflowchart TD\n")
    assert "\n```\n" in out and "- dashed arrow:" in out
    assert 'subgraph files0["dialogues/' in out  # grouped by file


def test_back_to_start_is_left_out_and_actions_are_dashed() -> None:
    out = vrede("graph", "--format", "dot").stdout
    assert "Terug naar het begin" not in out and "Opnieuw beginnen" not in out
    assert "subgraph cluster_" in out and 'label="dialogues/opening.yaml"' in out
    assert "cluster_legend" in out and "style=dashed" in out


def test_focus_shows_the_node_and_its_neighbours_only() -> None:
    out = vrede("graph", "--format", "dot", "--focus", "topic").stdout
    assert "topic -> home" in out and "start -> topic" in out  # out- and in-neighbours
    assert "home -> home_good" not in out  # two steps away
    assert "start -> about" not in out  # between two neighbours, not through the focus
    assert "veilig_thuis [" not in out
    missing = vrede("graph", "--focus", "nergens")
    assert missing.returncode == 2 and "no node 'nergens'" in missing.stderr


@pytest.mark.usefixtures("dot_installed")
def test_svg_and_png_are_drawn_by_graphviz(tmp_path: Path) -> None:
    svg = vrede("graph", "--format", "svg", "--focus", "help")
    assert svg.returncode == 0, svg.stderr
    assert "<svg" in svg.stdout and "legend" in svg.stdout and "help.yaml" in svg.stdout
    png = tmp_path / "graph.png"
    done = vrede("graph", "--format", "png", "--out", str(png))
    assert done.returncode == 0, done.stderr
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_svg_without_graphviz_says_how_to_get_it(tmp_path: Path) -> None:
    (tmp_path / "python").symlink_to(sys.executable)  # a PATH with Python and nothing else
    result = vrede("graph", "--format", "svg", env={"PATH": str(tmp_path)})
    assert result.returncode == 2 and "apt-get install graphviz" in result.stderr


def test_an_edge_to_a_missing_node_fails_with_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests/data/minimal", tmp_path / "dialogues")
    nodes = tmp_path / "dialogues/nodes.yaml"
    nodes.write_text(nodes.read_text().replace("goto: chat", "goto: chatten"))
    result = vrede("graph", env={"VREDE_DIALOGUES": str(tmp_path / "dialogues")})
    assert result.returncode == 1 and result.stdout == ""
    assert (
        "dialogues/nodes.yaml:10: [start] error: option 'chat' goes to missing node 'chatten'"
        in result.stderr
    )


HELPER = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGHUP, lambda *a: (print('reloaded', flush=True), sys.exit(0)))\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)  # a stand-in for a running vrede bot\n"
)


def test_reload_checks_then_signals_the_running_bot(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env = {"VREDE_DATA_DIR": str(data)}
    stale = vrede("reload", env=env)
    assert stale.returncode == 1 and "no running bot found" in stale.stderr
    bot = subprocess.Popen(
        [sys.executable, "-c", HELPER, "vrede"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert bot.stdout is not None and bot.stdout.readline() == "ready\n"
        (data / "vrede.pid").write_text(f"{bot.pid}\n")
        done = vrede("reload", env=env)
        assert done.returncode == 0, done.stderr
        assert f"asked process {bot.pid} to reload" in done.stdout
        assert bot.stdout.readline() == "reloaded\n"
    finally:
        bot.kill()
        bot.wait()
        if bot.stdout is not None:
            bot.stdout.close()


def test_reload_refuses_broken_content_without_signalling(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests/data/minimal", tmp_path / "dialogues")
    nodes = tmp_path / "dialogues/nodes.yaml"
    nodes.write_text(nodes.read_text().replace("goto: chat", "goto: chatten"))
    (tmp_path / "data").mkdir()
    (tmp_path / "data/vrede.pid").write_text(f"{os.getpid()}\n")
    hups: list[int] = []
    old = signal.signal(signal.SIGHUP, lambda sig, _f: hups.append(sig))
    try:
        env = {
            "VREDE_DIALOGUES": str(tmp_path / "dialogues"),
            "VREDE_LOCALES": str(tmp_path / "none"),
            "VREDE_DATA_DIR": str(tmp_path / "data"),
        }
        result = vrede("reload", env=env)
        time.sleep(0.2)
    finally:
        signal.signal(signal.SIGHUP, old)
    assert result.returncode == 1 and "not reloaded: 1 errors" in result.stdout
    assert "nodes.yaml:10" in result.stdout and hups == []
