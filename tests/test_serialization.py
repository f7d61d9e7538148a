"""save and load: exact round trips (array bits and dtypes, nested Python structures such as
optimizer state), pickle-free files, atomic writes (a failure at any point leaves the old file
and no temporary file), clear errors for missing and unreadable files, and a model that
predicts bit-identically after a round trip."""

from __future__ import annotations

import doctest
import os
import pickle

import numpy as np
import pytest

import tinygrad_np as tnp
from tinygrad_np import nn, serialization
from tinygrad_np.serialization import load, save


def assert_identical(a, b, where="top"):
    """Equal structure, equal Python types, and arrays equal bit for bit with equal dtypes."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert type(k) is type(next(kb for kb in b if kb == k)), f"{where}: key {k!r}"
            assert_identical(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}/{i}")
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), where
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where
        if isinstance(a, float):
            assert np.copysign(1, a) == np.copysign(1, b), f"{where}: sign of zero"


def arrays_of_every_dtype() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    nan_payload = np.array([0x7FF8_0000_DEAD_BEEF], dtype=np.uint64).view(np.float64)
    return {
        "float16": rng.standard_normal((2, 3)).astype(np.float16),
        "float32": rng.standard_normal((4,)).astype(np.float32),
        "float64": np.array([0.1, -0.0, np.inf, -np.inf, 5e-324]),
        "nan_payload": nan_payload,
        "big_endian": np.arange(3, dtype=">f4"),
        "int8": np.array([-128, 127], dtype=np.int8),
        "uint64": np.array([2**64 - 1], dtype=np.uint64),
        "int64": rng.integers(-(2**62), 2**62, (3, 2)),
        "bool": np.array([True, False]),
        "complex128": np.array([1 + 2j]),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "transposed": np.arange(6.0).reshape(2, 3).T,
    }


def test_round_trip_of_a_flat_state_dict_is_bit_identical(tmp_path):
    sd = arrays_of_every_dtype()
    save(sd, tmp_path / "sd.npz")
    assert_identical(load(tmp_path / "sd.npz"), sd)


def test_round_trip_of_nested_dicts_of_arrays(tmp_path):
    obj = {"model": arrays_of_every_dtype(), "ema": {"w": np.ones(2)}, "epoch": 3}
    save(obj, tmp_path / "ckpt.npz")
    assert_identical(load(tmp_path / "ckpt.npz"), obj)


def test_optimizer_like_state_round_trips_exactly(tmp_path):
    state = {
        "state": {
            0: {"step": 12, "exp_avg": np.ones((3, 2), np.float32),
                "exp_avg_sq": np.full((3, 2), 1e-8, np.float32), "max": None},
            1: {"step": np.int64(12), "exp_avg": np.zeros(2, np.float32)},
        },
        "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8,
                          "weight_decay": 0, "amsgrad": False, "params": [0, 1],
                          "name": "düsenjäger", "nested": [[1, 2.0], (), {}],
                          "big": 2**70, "neg_zero": -0.0, "special": [float("inf"),
                                                                      float("nan")],
                          "scalar32": np.float32(0.1)}],
    }
    save({"model": {"w": np.ones(2)}, "optimizer": state}, tmp_path / "ckpt.npz")
    loaded = load(tmp_path / "ckpt.npz")
    assert_identical(loaded["optimizer"], state)
    assert list(loaded["optimizer"]["state"]) == [0, 1]


def test_optimizer_state_dict_round_trips_into_a_fresh_optimizer(tmp_path):
    optim = pytest.importorskip("tinygrad_np.optim")
    tnp.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(3):
        model(tnp.ones(4, 3)).sum().backward()
        opt.step()
        opt.zero_grad()
    save({"optimizer": opt.state_dict()}, tmp_path / "opt.npz")
    fresh = optim.Adam(model.parameters(), lr=0.5)
    fresh.load_state_dict(load(tmp_path / "opt.npz")["optimizer"])
    assert_identical(fresh.state_dict(), opt.state_dict())


def test_tensors_are_saved_as_their_arrays(tmp_path):
    t = tnp.tensor([1.0, 2.0], requires_grad=True)
    save({"t": t}, tmp_path / "t.npz")
    loaded = load(tmp_path / "t.npz")["t"]
    assert isinstance(loaded, np.ndarray) and loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, t.data)


def test_file_opens_without_pickle_and_keeps_readable_names(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    save(model.state_dict(), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        assert set(npz.files) == {"0.weight", "0.bias", "2.weight", "2.bias", "__tree__"}
        np.testing.assert_array_equal(npz["0.weight"], model[0].weight.data)


def test_model_saved_and_loaded_predicts_bit_identically(tmp_path):
    tnp.manual_seed(0)

    def build():
        return nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Dropout(0.1), nn.Linear(16, 4))

    model = build()
    x = tnp.randn(5, 8)
    save({"model": model.state_dict()}, tmp_path / "model.npz")
    fresh = build()
    fresh.load_state_dict(load(tmp_path / "model.npz")["model"])
    assert fresh.eval()(x).data.tobytes() == model.eval()(x).data.tobytes()


def test_plain_npz_of_arrays_loads_as_a_flat_dict(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(2), b=np.zeros(1))
    loaded = load(tmp_path / "plain.npz")
    assert sorted(loaded) == ["b", "w"]


def test_save_writes_exactly_the_given_path_and_overwrites(tmp_path):
    path = tmp_path / "checkpoint"
    save({"a": np.ones(1)}, path)
    save({"a": np.zeros(1)}, str(path))
    assert os.listdir(tmp_path) == ["checkpoint"]
    assert load(path)["a"][0] == 0


def test_saved_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    save({"a": np.ones(1)}, tmp_path / "p.npz")
    assert os.stat(tmp_path / "p.npz").st_mode & 0o777 == 0o666 & ~umask


# ---- atomic writes ---------------------------------------------------------------------------


def _fail_midway(*args, **kwargs):
    args[0].write(b"PK\x03\x04 partial zip")
    raise OSError("disk full")


@pytest.mark.parametrize("stage", ["savez", "fsync", "replace"])
@pytest.mark.parametrize("existing", [False, True])
def test_failed_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch, stage,
                                                               existing):
    path = tmp_path / "ckpt.npz"
    if existing:
        save({"old": np.arange(3)}, path)
        old_bytes = path.read_bytes()
    if stage == "savez":
        monkeypatch.setattr(np, "savez", _fail_midway)
    elif stage == "fsync":
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("io")))
    else:
        monkeypatch.setattr(os, "replace", lambda a, b: (_ for _ in ()).throw(OSError("io")))
    with pytest.raises(OSError):
        save({"new": np.ones(5)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == (["ckpt.npz"] if existing else [])
    if existing:
        assert path.read_bytes() == old_bytes
        np.testing.assert_array_equal(load(path)["old"], np.arange(3))


def test_interrupted_save_cleans_up(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save({"a": np.ones(1)}, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_unsupported_values_are_refused_before_writing(tmp_path):
    cases = [({"a": {1, 2}}, "set"), ({"a": np.array([None], dtype=object)}, "pickle"),
             ({(1, 2): np.ones(1)}, "keys"), (nn.Linear(2, 2), "state_dict()")]
    for obj, message in cases:
        with pytest.raises(TypeError, match=message):
            save(obj, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_save_through_a_symlink_updates_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "ckpt-7.npz"
    save({"step": np.array(6)}, target)
    link = tmp_path / "latest.npz"
    link.symlink_to(target)
    save({"step": np.array(7)}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load(target)["step"] == 7
    assert sorted(os.listdir(tmp_path / "runs")) == ["ckpt-7.npz"]  # no temporary left


def test_save_over_an_existing_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "private.npz"
    save({"a": np.ones(1)}, path)
    os.chmod(path, 0o600)
    save({"a": np.zeros(1)}, path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert load(path)["a"] == 0


def test_save_into_a_missing_directory_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({"a": np.ones(1)}, tmp_path / "no" / "x.npz")


# ---- reading bad files -----------------------------------------------------------------------


def test_load_of_a_missing_file_names_the_path(tmp_path):
    path = tmp_path / "missing.npz"
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        load(path)


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04garbage"])
def test_load_of_a_corrupt_file_names_the_path(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.npz"):
        load(path)


def test_load_of_a_truncated_checkpoint_names_the_path(tmp_path):
    path = tmp_path / "cut.npz"
    save({"w": np.ones(1000)}, path)
    path.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(ValueError, match="cut.npz"):
        load(path)


def test_pickled_npz_is_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, obj=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz"):
        load(path)


def test_pickle_file_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"w": np.ones(2)}))
    with pytest.raises(ValueError, match="model.pt"):
        load(path)


def test_single_npy_file_is_refused(tmp_path):
    path = tmp_path / "w.npy"
    np.save(path, np.ones(2))
    with pytest.raises(ValueError, match="w.npy"):
        load(path)


def test_docstring_examples_run():
    result = doctest.testmod(serialization, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("value", [np.float64("nan"), np.float64("inf"), np.float64(2.5),
                                   np.float32("nan")])
def test_numpy_float_scalars_round_trip_with_their_type(tmp_path, value):
    # np.float64 is also a Python float; stored as one, nan and inf could not be read back
    save({"best_loss": value}, tmp_path / "c.npz")
    back = load(tmp_path / "c.npz")["best_loss"]
    assert type(back) is type(value)
    np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize("names", [["file"], ["allow_pickle"], ["w", "w.npy"],
                                   ["__tree__", "x"]])
def test_any_top_level_names_round_trip(tmp_path, names):
    # np.savez's own keyword arguments, and a ".npy" suffix that np.load strips
    state = {name: np.full(2, i, np.float32) for i, name in enumerate(names)}
    save(state, tmp_path / "c.npz")
    back = load(tmp_path / "c.npz")
    assert list(back) == names
    for name in names:
        np.testing.assert_array_equal(back[name], state[name])
