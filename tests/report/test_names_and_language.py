"""On the bundled sample: shops read "name (id)" wherever they appear, and zh mode prints no English UI."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from test_analyze import require_pipeline
from typer.testing import CliRunner

from opsrca import api
from opsrca.cli import app
from opsrca.report.labels import labels

runner = CliRunner()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The sample analyzed once in Chinese with ``--full``: terminal text, report.html, database."""
    require_pipeline()
    from opsrca.report.analyze import analyze

    tmp = tmp_path_factory.mktemp("names")
    buf = io.StringIO()
    result = analyze(
        db=tmp / "s.duckdb",
        out=tmp / "out",
        lang="zh",
        full=True,
        console=Console(file=buf, width=100),
    )
    page = result.outputs.report_html.read_text(encoding="utf-8")
    return {"db": tmp / "s.duckdb", "full": buf.getvalue(), "html": page}


@pytest.fixture()
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    from opsrca.cli._app import console

    monkeypatch.setattr(console, "width", 200)


def visible_text(page: str) -> str:
    """What a reader of report.html sees in its tables and headline (scripts and tags removed)."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def named_shop(db: Path) -> str:
    """The "name (id)" label of the named shop with most events (a TikTok shop in the sample)."""
    shops = api.sql(
        "SELECT shop_id, shop_name FROM shops WHERE shop_name IS NOT NULL "
        "AND shop_name <> shop_id ORDER BY events DESC, shop_id LIMIT 1",
        db=db,
    )
    assert shops.height, "the sample has no named shop"
    row = shops.row(0, named=True)
    assert len(row["shop_id"]) >= 15  # a TikTok id people cannot read on its own
    return f"{row['shop_name']} ({row['shop_id']})"


def test_summary_names_shops_with_their_id(sample: dict[str, object], wide: None) -> None:
    db = Path(str(sample["db"]))
    label = named_shop(db)
    brief = runner.invoke(app, ["summary", "--db", str(db)])
    assert brief.exit_code == 0, brief.output
    assert label in brief.stdout  # the most affected shops
    assert label in str(sample["full"])  # --full: overview, token health, retries


def test_incidents_command_names_shops(sample: dict[str, object], wide: None) -> None:
    db = Path(str(sample["db"]))
    frame = api.incidents(db)
    named = frame.filter(frame["shop"] != frame["shop_id"])
    assert named.height, "no incident of a named shop in the sample"
    result = runner.invoke(app, ["incidents", "--db", str(db)])
    assert result.exit_code == 0, result.output
    for label in named["shop"].to_list():
        assert f"shop {label}: " in result.stdout


def test_report_html_names_shops(sample: dict[str, object]) -> None:
    page = str(sample["html"])
    label = named_shop(Path(str(sample["db"])))
    text = visible_text(page)
    assert label in text  # headline, token health and retry tables, incidents
    shop_id = label[:-1].rsplit(" (", 1)[1]
    assert f'<span class="nw">({shop_id})</span>' in page  # the id never breaks in a cell
    assert f"tiktok {label}" in page  # chart labels (heatmap, auth per shop) in the figure data


def english_phrases() -> list[str]:
    """Every English UI phrase: the parts of the en labels between placeholders that hold two
    words or more (single words like "ok" or "shop" also occur inside data)."""
    found: set[str] = set()
    for text in labels("en").values():
        for part in re.split(r"\{\w+\}", text):
            part = part.strip(" :;,.()·–-=%#")
            if " " in part and len(part) >= 8 and re.search(r"[a-z]{3}", part):
                found.add(part)
    return sorted(found)


def test_zh_mode_prints_no_english_ui(sample: dict[str, object]) -> None:
    phrases = english_phrases()
    assert len(phrases) > 40  # the scan found the labels
    # the logs' own words are data, shown as they are ("refresh token expired, 请店铺…")
    logs = "\n".join(
        api.sql(
            "SELECT DISTINCT message FROM events WHERE message IS NOT NULL",
            db=Path(str(sample["db"])),
        )["message"].to_list()
    )
    phrases = [p for p in phrases if p not in logs]
    outputs = {
        "analyze --full": str(sample["full"]),
        "report.html": visible_text(str(sample["html"])),
    }
    for where, text in outputs.items():
        leftover = [p for p in phrases if p in text]
        assert not leftover, f"{where} prints English in zh mode: {leftover}"
    for english in ("ingest batch", "rows in", "unseen in training", "check rejects", "loaded"):
        assert english not in str(sample["full"])
