"""The Redis Cluster setting: nodes from the file or the environment, refused beside Sentinel."""

from __future__ import annotations

from pathlib import Path

import pytest

from livesale.config import ConfigError, load_settings

NODES = '["10.0.0.21:7000", "[fd00::22]:7000"]'


def test_cluster_nodes_come_from_the_file_or_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[redis]\ncluster_nodes = {NODES}\n")
    settings = load_settings(path, env={})
    assert settings.redis.cluster_nodes == ("10.0.0.21:7000", "[fd00::22]:7000")
    assert not settings.redis.embedded
    env = {"LIVESALE__REDIS__CLUSTER_NODES": '["127.0.0.1:7000"]'}
    assert load_settings(None, env=env).redis.cluster_nodes == ("127.0.0.1:7000",)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {
                "LIVESALE__REDIS__CLUSTER_NODES": NODES,
                "LIVESALE__REDIS__SENTINELS": '["h:26379"]',
                "LIVESALE__REDIS__MASTER_NAME": "m",
            },
            "redis.cluster_nodes and redis.sentinels are exclusive",
        ),
        (
            {"LIVESALE__REDIS__CLUSTER_NODES": NODES, "LIVESALE__REDIS__URL": "redis://h"},
            "redis.url and redis.cluster_nodes are exclusive",
        ),
        (
            {"LIVESALE__REDIS__CLUSTER_NODES": NODES, "LIVESALE__REDIS__MIN_REPLICAS_ACKED": "1"},
            "min_replicas_acked is not supported with redis.cluster_nodes",
        ),
        ({"LIVESALE__REDIS__CLUSTER_NODES": '["h"]'}, "redis.cluster_nodes: 'h' is not host:port"),
    ],
)
def test_bad_cluster_settings_are_refused_by_name(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(None, env=env)
