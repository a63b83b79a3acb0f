"""Bad input on the command line: one line on stderr, exit status 2, nothing left half-done."""

import errno
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from gancourse.cli import main
from gancourse.config import GancourseError


@pytest.mark.parametrize(
    "argv, says",
    [
        (["sample", "x.pt", "--n", "-5"], "--n: must be 1 or more, got -5"),
        (["sample", "x.pt", "--n", "0", "--out", "x.npz"], "--n: must be 1 or more"),
        (["train", "gan", "--lr", "nan"], "--lr: must be a finite number above 0, got nan"),
        (["train", "gan", "--lr", "-0.1"], "--lr: must be a finite number above 0"),
        (["train", "gan", "--epochs", "0"], "--epochs: must be 1 or more, got 0"),
        (["train", "gan", "--epochs", "-3"], "--epochs: must be 1 or more"),
        (["train", "gan", "--batch-size", "0"], "--batch-size: must be 1 or more"),
        (["train", "gan", "--time-limit", "inf"], "--time-limit: must be a finite number above 0"),
        (["evaluate", "s.npz", "--n-ref", "0"], "--n-ref: must be 10 or more"),
        (["grade", "subs", "--lesson", "01", "--jobs", "0"], "--jobs: must be 1 or more"),
        (["sample", "x.pt", "--n", "many"], "'many' is not a whole number"),
        (
            ["train", "dcgan", "--augment", "color,flip"],
            "unknown augmentation 'flip': choose from color, translation, cutout",
        ),
    ],
)
def test_nonsense_options_are_refused_in_one_line(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and "\n" not in err and err.startswith("gancourse: error:")


@pytest.mark.parametrize(
    "argv, says",
    [
        (["sample", "nope.pt", "--out", "x.txt"], "--out x.txt: give a file ending in .png, .jpg, .jpeg, .npz"),
        (["translate", "nope.pt", "--input", "photo.png", "--out", "x.txt"], "--out x.txt: give a file ending in .png"),
    ],
)
def test_outputs_of_the_wrong_kind_are_refused(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and "\n" not in err


def test_evaluate_refuses_npy_and_too_few_samples(tmp_path, capsys):
    np.save(tmp_path / "s.npy", np.zeros((50, 1, 28, 28), np.uint8))
    np.savez(tmp_path / "two.npz", images=np.zeros((2, 1, 28, 28), np.uint8))
    assert main(["evaluate", str(tmp_path / "s.npy")]) == 2
    assert "bare array (a .npy)" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "two.npz")]) == 2
    assert "holds 2 image(s): the metrics need at least 10" in capsys.readouterr().err


def _png_claiming(path: Path, side: int) -> None:
    """A PNG whose header claims side x side pixels (and holds none): a decompression bomb's calling card."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_one_line(tmp_path, capsys):
    folder = tmp_path / "imgs"
    folder.mkdir()
    _png_claiming(folder / "bomb.png", 100_000)
    assert main(["train", "gan", "--dataset", f"folder:{folder}", "--out", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "bomb.png claims to be larger than" in err and "\n" not in err
    assert not (tmp_path / "run").exists()  # the failed run left no empty folder behind


def _idx(path: Path, array: np.ndarray) -> None:
    path.write_bytes(
        struct.pack(">BBBB", 0, 0, 8, array.ndim)
        + struct.pack(f">{array.ndim}I", *array.shape)
        + array.astype(np.uint8).tobytes()
    )


def test_labels_outside_the_classes_are_refused(tmp_path):
    from gancourse.data.datasets import _read_pair

    _idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 28, 28)))
    _idx(tmp_path / "train-labels-idx1-ubyte", np.array([1, 12, 3]))
    with pytest.raises(GancourseError, match=r"labels 1..12, outside 0..9"):
        _read_pair(tmp_path, "train")


def test_disk_full_names_the_last_good_checkpoint(tmp_path):
    from gancourse.train.callbacks import Checkpoint

    (tmp_path / "ckpt-00000010.pt").write_bytes(b"good")

    class FullDisk:
        step = 20

        def save_checkpoint(self, path):
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(
        GancourseError, match=r"no space left on device in .*; the last good checkpoint is .*ckpt-00000010.pt"
    ):
        Checkpoint(tmp_path).save(FullDisk())


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("gan")
    args = [
        "train",
        "gan",
        "--epochs",
        "1",
        "--limit",
        "64",
        "--batch-size",
        "32",
        "--out",
        str(base / "run"),
        "--quiet",
        "--checkpoint-every",
        "1",
    ]
    assert main(args) == 0
    return base / "run", args


def test_resume_skips_a_corrupt_newest_checkpoint_and_removes_orphans(gan_run, tmp_path, capsys):
    run, args = gan_run
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    (copy / "checkpoints" / "ckpt-99999999.pt").write_bytes(b"half a checkpoint")
    orphan = copy / "checkpoints" / ".ckpt-00000003.pt.abcd.tmp"
    orphan.write_bytes(b"killed mid-write")
    argv = [a if a != str(run) else str(copy) for a in args]
    assert main([a if a != "1" else "2" for a in argv] + ["--resume"]) == 0
    out = capsys.readouterr().out
    assert "skipping ckpt-99999999.pt, it cannot be read" in out and "removed 1 half-written" in out
    assert not orphan.exists()


def test_resume_with_weights_that_do_not_fit_their_config(gan_run, tmp_path, capsys):
    run, args = gan_run
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    newest = sorted((copy / "checkpoints").glob("ckpt-*.pt"))[-1]
    ckpt = torch.load(newest, weights_only=True)
    ckpt["config"]["z_dim"] = 7
    torch.save(ckpt, newest)
    argv = [a if a != str(run) else str(copy) for a in args]
    assert main([a if a != "1" else "2" for a in argv] + ["--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert "weights do not fit the config stored with them" in err and "\n" not in err


def test_version(capsys):
    import gancourse

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"gancourse {gancourse.__version__}"
