from dataclasses import asdict
from pathlib import Path

import pytest

from gancourse import config
from gancourse.config import GancourseError, config_from_dict
from gancourse.nets import MLPConfig


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"GANCOURSE_FAST": "1"}, True),
        ({"GANCOURSE_FAST": "yes"}, True),
        ({"GANCOURSE_FAST": "0", "CI": "true"}, False),
        ({"GANCOURSE_FAST": ""}, False),
    ],
)
def test_fast_mode_switch(env, expected):
    assert config._read_fast(env) is expected


def test_fast_mode_rejects_nonsense():
    with pytest.raises(GancourseError, match="GANCOURSE_FAST"):
        config._read_fast({"GANCOURSE_FAST": "maybe"})


def test_pick_follows_fast_mode(monkeypatch):
    monkeypatch.setattr(config, "_FAST", True)
    assert config.pick(30, 1) == 1 and config.fast() and "FAST" in config.banner()
    monkeypatch.setattr(config, "_FAST", False)
    assert config.pick(30, 1) == 30 and not config.fast()


def test_data_root_precedence(monkeypatch, tmp_path):
    assert config.data_root(tmp_path / "x") == tmp_path / "x"
    monkeypatch.setenv("GANCOURSE_DATA", str(tmp_path / "env"))
    assert config.data_root() == tmp_path / "env"
    monkeypatch.delenv("GANCOURSE_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert config.data_root() == tmp_path / "cache" / "gancourse"
    assert not str(config.data_root()).startswith(str(Path(__file__).parents[1]))


def test_config_round_trip_through_plain_types():
    cfg = MLPConfig(z_dim=7, g_hidden=(3, 4))
    plain = asdict(cfg)
    plain["g_hidden"] = list(plain["g_hidden"])  # as it may come back from JSON
    assert config_from_dict(MLPConfig, plain) == cfg


def test_config_from_dict_names_unknown_fields():
    with pytest.raises(GancourseError, match="no field.*ngf"):
        config_from_dict(MLPConfig, {"ngf": 64})
