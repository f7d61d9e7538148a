"""examples/mnist_mlp.py and mnist_experiments.py, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))  # the example programs import as modules

import mnist_experiments  # noqa: E402  (isort: skip)
import mnist_mlp  # noqa: E402  (isort: skip)


def run_program(*argv: str, script: str = "mnist_mlp.py") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLES / script), *argv], capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("argv, fragment", [
    (["--lr", "-1"], "--lr must be a positive number"),
    (["--batch-size", "0"], "--batch-size must be at least 1"),
    (["--dataset", "cifar"], "invalid choice: 'cifar'"),
    (["--load", "/nonexistent/model.npz"], "--load: cannot read /nonexistent/model.npz"),
    (["--dropout", "1.5"], "--dropout must be in [0, 1)"),
    (["--epochs", "two"], "invalid int value: 'two'"),
    (["--save", "/nonexistent/dir/model.npz"], "--save: cannot write into /nonexistent/dir"),
])
def test_bad_arguments_end_with_one_line_and_nonzero_exit(argv, fragment):
    proc = run_program(*argv)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unloadable_weights_file_is_one_line_not_a_traceback(tmp_path, fashion_dir):
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"not a zip file at all")
    proc = run_program("--dataset", "fashion-mnist", "--data-dir", str(fashion_dir), "--load",
                       str(bad), "--epochs", "0", "--quiet")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert f"--load {bad}" in proc.stderr


def test_missing_dataset_says_where_it_looked_and_the_ways_out(tmp_path, monkeypatch, capsys):
    from tinygrad_np.data import mnist as mnist_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(tmp_path / "nothing"))
    monkeypatch.setitem(mnist_module.MIRRORS, "mnist", ["http://127.0.0.1:1/"])
    monkeypatch.setitem(mnist_module.SYSTEM_DIRS, "mnist", [])
    code = mnist_mlp.main(["--data-dir", str(tmp_path / "empty"), "--epochs", "1", "--quiet"])
    assert code == 1
    message = capsys.readouterr().err
    assert "train-images-idx3-ubyte.gz" in message  # which files are missing
    assert str(tmp_path / "empty") in message and str(tmp_path / "nothing") in message
    assert "--data-dir" in message and "dataset-fashion-mnist" in message  # the ways out
    assert "Traceback" not in message


def test_one_epoch_end_to_end_writes_every_output(tmp_path, fashion_dir, capsys):
    out = tmp_path / "run"
    args = mnist_mlp.parse_args(["--dataset", "fashion-mnist", "--data-dir", str(fashion_dir),
                                 "--epochs", "1", "--hidden", "128", "--quiet", "--out",
                                 str(out), "--save", str(tmp_path / "model.npz")])
    result = mnist_mlp.run(args)
    printed = capsys.readouterr().out
    assert result["test_accuracy"] >= 0.80
    assert "precision" in printed and "most confused" in printed
    assert f"test accuracy {result['test_accuracy']:.4f}" in printed
    expected = {"history.csv", "metrics.json", "curves.png", "confusion_matrix.png",
                "misclassified.png", "first_layer_weights.png"}
    assert expected <= {p.name for p in out.iterdir()}
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] == result["test_accuracy"]
    assert (out / "history.csv").read_text().count("\n") == 2  # header and one epoch

    # the saved weights, loaded for evaluation only, predict exactly the same
    reloaded = mnist_mlp.parse_args(["--dataset", "fashion-mnist", "--data-dir",
                                     str(fashion_dir), "--epochs", "0", "--hidden", "128",
                                     "--load", str(tmp_path / "model.npz"), "--quiet"])
    assert mnist_mlp.run(reloaded)["test_accuracy"] == result["test_accuracy"]


def test_same_seed_same_numbers(fashion_dir):
    argv = ["--dataset", "fashion-mnist", "--data-dir", str(fashion_dir), "--epochs", "1",
            "--limit", "3000", "--dropout", "0.2", "--quiet"]
    first = mnist_mlp.run(mnist_mlp.parse_args(argv))
    second = mnist_mlp.run(mnist_mlp.parse_args(argv))
    for a, b in zip(first["history"], second["history"]):
        a.pop("seconds"), b.pop("seconds")
        assert a == b
    assert first["test_accuracy"] == second["test_accuracy"]


def test_experiments_grid_writes_one_table(tmp_path, fashion_dir):
    out = tmp_path / "grid"
    code = mnist_experiments.main(["--dataset", "fashion-mnist", "--data-dir", str(fashion_dir),
                                   "--epochs", "1", "--limit", "2000", "--only", "baseline",
                                   "sgd", "--out", str(out)])
    assert code == 0
    table = (out / "results.md").read_text().splitlines()
    assert len(table) == 4 and "baseline" in "".join(table) and "sgd" in "".join(table)
    rows = np.genfromtxt(out / "results.csv", delimiter=",", names=True, dtype=None,
                         encoding=None)
    assert len(rows) == 2
    assert (out / "accuracy_by_setting.png").exists()


def test_adamw_weight_decay_zero_is_kept():
    args = mnist_mlp.parse_args(["--optimizer", "adamw", "--weight-decay", "0"])
    assert args.weight_decay == 0.0
    assert mnist_mlp.parse_args(["--optimizer", "adamw"]).weight_decay == 0.01
    assert mnist_mlp.parse_args([]).weight_decay == 0.0
