"""Ray Data (2 CPUs): the CLI's pairs and clusters from the same core."""

import os

import pytest

from reprint_rs import ray as rpr


@pytest.fixture(scope="module")
def ray_session():
    import ray  # a test requirement: missing, the test fails
    import ray.data

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             _temp_dir=None, ignore_reinit_error=True)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


def test_newsgroups_pairs_and_clusters_equal_the_cli(ray_session, newsgroups, cli, newsgroups_path):
    import ray.data

    expect = cli("dedup", str(newsgroups_path))
    ds = ray.data.from_items([{"id": d["id"], "text": d["text"]} for d in newsgroups],
                             override_num_blocks=4)
    assert rpr.pairs(ds).to_pylist() == expect["pair"]
    marked = rpr.dedup(ds).take_all()
    assert [m["id"] for m in marked] == [d["id"] for d in newsgroups]  # input order kept
    got = [{"id": m["id"], "cluster": m["cluster"], "keep": m["keep"],
            "duplicate_of": m["duplicate_of"]} for m in marked]
    assert got == expect["document"]


def test_long_ids(ray_session, seeds):
    import ray.data

    _, texts = seeds
    ds = ray.data.from_items([{"doc": 1000 + i, "body": t} for i, t in enumerate(texts)])
    marked = {m["doc"]: m for m in rpr.dedup(ds, text="body", id="doc").take_all()}
    assert marked[1001]["duplicate_of"] == 1000 and marked[1000]["keep"]
    with pytest.raises(ValueError, match="no text column 'text'"):
        rpr.dedup(ds)
