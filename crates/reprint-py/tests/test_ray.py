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


def test_keep_earliest_equals_the_cli(ray_session, dated_newsgroups):
    import ray.data

    docs, expect = dated_newsgroups
    ds = ray.data.from_items(docs, override_num_blocks=4)
    marked = rpr.dedup(ds, keep="earliest").take_all()
    got = [{"id": m["id"], "cluster": m["cluster"], "keep": m["keep"],
            "duplicate_of": m["duplicate_of"]} for m in marked]
    assert got == expect["document"]


def test_generated_100k_equal_the_cli(ray_session, generated):
    import ray.data

    # Ray Data's Parquet reader does not keep the file's row order: the order is a column.
    ds = ray.data.read_parquet(str(generated["parquet"]))
    assert rpr.pairs(ds, order="row").to_pylist() == generated["expect"]["pair"]
    marked = rpr.dedup(ds, order="row").select_columns(["id", "cluster", "keep", "duplicate_of"]).take_all()
    assert {m["id"]: m for m in marked} == {d["id"]: d for d in generated["expect"]["document"]}


def test_skewed_input_has_one_cluster(ray_session, seeds):
    import ray.data

    _, texts = seeds
    base = texts[0]
    words = base.split()
    rows = [{"id": i, "text": base} for i in range(20_000)]
    for k in range(5_000):
        rows.append({"id": 20_000 + k, "text": " ".join(words[:-3] + [f"variant{k}"] + words[-2:])})
    rows.append({"id": 99_999, "text": texts[3]})
    marked = rpr.dedup(ray.data.from_items(rows, override_num_blocks=4)).take_all()
    counts = {}
    for m in marked:
        counts[(m["cluster"], m["keep"])] = counts.get((m["cluster"], m["keep"]), 0) + 1
    assert counts == {(0, True): 1, (0, False): 24_999, (None, True): 1}


@pytest.mark.parametrize("all_pairs", [False, True])
def test_exact_groups_are_listed_as_the_cli_lists_them(ray_session, copy_groups, all_pairs):
    import ray.data

    docs, star, every = copy_groups
    expect = every if all_pairs else star
    ds = ray.data.from_items(docs)
    got = rpr.pairs(ds, all_pairs=all_pairs).to_pylist()
    assert got == expect["pair"]
    assert len(got) == (249 + 3 + 6 + 12 if all_pairs else 249 + 2 + 3 + 1)
