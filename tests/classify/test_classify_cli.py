"""CLI contract of `opsrca classify`, `opsrca train`, `opsrca evaluate`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from opsrca.classify import load_taxonomy
from opsrca.cli import app

runner = CliRunner()


def _fix(cause: str, lang: str) -> str:
    tax = load_taxonomy()
    return str(tax.filter(pl.col("id") == cause)[f"fix_{lang}"][0])


NEW = [
    "template",
    "root_cause",
    "confidence",
    "method",
    "rule_id",
    "evidence",
    "root_cause_2",
    "confidence_2",
    "retryable",
    "fix",
]


@pytest.fixture
def errors_csv(tmp_path: Path) -> Path:
    path = tmp_path / "errors.csv"
    pl.DataFrame(
        {
            "row": ["1", "2", "3"],
            "message": ["access_token expired", "仓库代码OTHER不存在", ""],
            "http_status": ["401", "", ""],
        }
    ).write_csv(path)
    return path


def test_classify_csv_with_bom(errors_csv: Path, tmp_path: Path, small_model_dir: Path) -> None:
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["classify", str(errors_csv), "--output", str(out), "--model", str(small_model_dir)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pl.read_csv(out, infer_schema=False, encoding="utf8-lossy")
    assert frame.columns[0].lstrip("\ufeff") == "row"
    assert set(NEW) <= set(frame.columns)
    assert frame["root_cause"].to_list() == [
        "auth.token_expired",
        "config.base_setup_missing",
        "unknown",
    ]
    assert frame.columns[-2:] == ["fix", "fix_en"]
    assert frame["fix"][0] == _fix("auth.token_expired", "zh")  # zh by default
    assert "auth.token_expired" in result.output


def test_classify_parquet_english_fix(
    errors_csv: Path, tmp_path: Path, small_model_dir: Path
) -> None:
    out = tmp_path / "out.parquet"
    args = [
        "classify",
        str(errors_csv),
        "-o",
        str(out),
        "--model",
        str(small_model_dir),
        "--lang",
        "en",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out)
    assert frame.columns[:3] == ["row", "message", "http_status"]
    assert set(NEW) <= set(frame.columns)
    assert frame.columns[-2:] == ["fix", "fix_zh"]
    assert frame["fix"][0] == _fix("auth.token_expired", "en")


def test_classify_jsonl(tmp_path: Path, small_model_dir: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"message": "IP 1.2.3.4 not in whitelist", "http_status": 429, "rate_limit_remaining": 5}\n'
        '{"message": "Too Many Requests", "http_status": 429, "rate_limit_remaining": 0}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["classify", str(src), "-o", str(out), "--model", str(small_model_dir)]
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out, infer_schema=False)
    assert frame["root_cause"].to_list() == ["access.ip_restricted", "access.rate_limited"]


def test_missing_message_column_names_file_and_columns(
    tmp_path: Path, small_model_dir: Path
) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("msg,code\nhello,1\n", encoding="utf-8")
    result = runner.invoke(
        app, ["classify", str(src), "-o", str(tmp_path / "o.csv"), "--model", str(small_model_dir)]
    )
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "'msg'" in result.output and "'code'" in result.output


def test_missing_model_is_one_line_error(errors_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "classify",
            str(errors_csv),
            "-o",
            str(tmp_path / "o.csv"),
            "--model",
            str(tmp_path / "none"),
        ],
    )
    assert result.exit_code == 2
    assert "opsrca train" in result.output


def test_classify_requires_output_with_input(errors_csv: Path) -> None:
    result = runner.invoke(app, ["classify", str(errors_csv)])
    assert result.exit_code != 0
    assert "--output" in result.output


def test_output_without_input_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["classify", "--output", str(tmp_path / "o.csv")])
    assert result.exit_code != 0
    assert "needs an INPUT" in result.output


def test_classify_db_without_input(tmp_path: Path, small_model_dir: Path) -> None:
    from opsrca import store

    db = tmp_path / "t.duckdb"
    con = store.connect(db)
    store.append(
        con,
        "events",
        pl.DataFrame(
            {"event_id": ["a"], "message": ["签名错误"], "is_error": [True], "platform": ["qimen"]}
        ),
    )
    con.close()
    result = runner.invoke(app, ["classify", "--db", str(db), "--model", str(small_model_dir)])
    assert result.exit_code == 0, result.output
    assert "auth.invalid_credentials" in result.output
    con = store.connect(db, read_only=True)
    assert store.table(con, "classifications")["root_cause"].to_list() == [
        "auth.invalid_credentials"
    ]
    con.close()


def test_evaluate_json_does_not_change_model(small_labeled: Path, small_model_dir: Path) -> None:
    before = (small_model_dir / "model.npz").read_bytes()
    result = runner.invoke(
        app, ["evaluate", str(small_labeled), "--model", str(small_model_dir), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for method in ("rules", "model", "hybrid"):
        assert 0.0 <= report["grouped_cv"][method]["macro_f1"] <= 1.0
    assert report["same_as_training_data"] is True
    assert report["fitted_model"] is None
    assert (small_model_dir / "model.npz").read_bytes() == before


def test_evaluate_table(small_labeled: Path, small_model_dir: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(small_labeled), "--model", str(small_model_dir)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "training data" in result.output


def test_commands_are_documented() -> None:
    for command in ("train", "evaluate", "classify"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output
