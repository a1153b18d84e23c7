"""The study configuration is validated when it is read: one line naming the key, exit 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.config import find_study, load_config
from analysis.errors import WorkbenchError

# (file body, words the one-line message must hold)
MISTAKES = [
    ("[run]\ndisclosure_treshold = 5\n", ["[run] disclosure_treshold", "'disclosure_threshold'"]),
    ('[run]\nworkers = "two"\n', ["[run] workers", "whole number"]),
    ('[run]\noutcomes = "gp_contact_rate"\n', ["[run] outcomes", "valid list"]),
    ("[run]\nworkers = -1\n", ["[run] workers = -1", "greater than or equal to 0"]),
    ("[run]\ndisclosure_threshold = 0\n", ["[run] disclosure_threshold = 0"]),
    ("[run]\ndisclosure_threshold = 9.9\n", ["[run] disclosure_threshold = 9.9"]),
    ('[studdy]\nname = "x"\n', ["unknown section [studdy]", "'study'"]),
    ('[study]\nlanguage = "fr"\n', ["[study] language = 'fr'", '"nl" or "en"']),
    ('[study]\nlanguages = ["nl", "nl"]\n', ["[study] languages", "once"]),
    ("[study]\nlanguages = []\n", ["[study] languages"]),
    ('[study]\nlanguage = "nl"\nlanguages = ["en"]\n', ["both 'language' and 'languages'"]),
    ('[study]\nname = ""\n', ["[study] name"]),
    ('[run]\nregions = ["../x"]\n', ["[run] regions", "safe"]),
    ('[run]\nregions = "some"\n', ["[run] regions = 'some'", '"pilots", "all"']),
    ('[run]\nnotebook = "../../etc/x"\n', ["[run] notebook"]),
    ('[data]\nreports = "data/processed"\n', ["[data] processed", "[data] reports", "overlap"]),
    ('[data]\nreports = "data"\n', ["overlap"]),
    ('[data]\nraw = "notebooks/raw"\n', ["[data] raw", "notebooks", "overlap"]),
    ('[data]\nprocessed = "."\n', ["overlap"]),
    ("[run]\nworkers = \n", ["not valid TOML", "line 2"]),
]


@pytest.mark.parametrize(("body", "words"), MISTAKES)
def test_every_mistake_is_one_line_naming_the_key(tmp_path, monkeypatch, body, words):
    (tmp_path / "workbench.toml").write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "Fix:" in lines[0]
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in result.output


def test_a_byte_order_mark_is_read_as_utf8(tmp_path):
    path = tmp_path / "workbench.toml"
    path.write_bytes('\ufeff[study]\nname = "Zorg in de regio"\n'.encode())
    assert load_config(path).name == "Zorg in de regio"


def test_defaults_are_dutch_with_the_usual_folders(tmp_path):
    path = tmp_path / "workbench.toml"
    path.write_text("", encoding="utf-8")
    config = load_config(path)
    assert config.languages == ("nl",)
    assert config.reports_dir == tmp_path.resolve() / "reports"
    assert config.disclosure_threshold == 10


def test_command_line_values_are_checked_as_in_the_file(tmp_path):
    path = tmp_path / "workbench.toml"
    path.write_text("", encoding="utf-8")
    config = load_config(path)
    with pytest.raises(WorkbenchError, match="workers = -1"):
        config.with_overrides(workers=-1)
    with pytest.raises(WorkbenchError, match="notebook"):
        config.with_overrides(notebook="../x")
    assert config.with_overrides(workers=3).workers == 3


@pytest.mark.parametrize(
    "option", [["--workers", "-1"], ["--language", "fr"], ["--regions", "../x"]]
)
def test_bad_command_line_options_are_one_line(tmp_path, monkeypatch, option):
    (tmp_path / "workbench.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", *option])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Fix:" in lines[0], lines


# --------------------------------------------------------------------------- find_study


def test_a_notebook_finds_its_study_from_any_folder_inside_it(tmp_path):
    (tmp_path / "workbench.toml").write_text('[data]\nprocessed = "panels"\n', encoding="utf-8")
    deep = tmp_path / "reports" / "_executed" / "NL-GOR" / "region_evaluation.nl.work"
    deep.mkdir(parents=True)
    for start in (tmp_path, tmp_path / "reports", deep):
        study = find_study(start)
        assert study.root == tmp_path.resolve()
        assert study.processed_dir == tmp_path.resolve() / "panels"


def test_a_folder_given_as_a_parameter_wins_and_is_read_from_the_start(tmp_path):
    (tmp_path / "workbench.toml").write_text("", encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    study = find_study(tmp_path / "notebooks", processed_dir="../elsewhere", reports_dir="")
    assert study.processed_dir == tmp_path.resolve() / "elsewhere"
    assert study.reports_dir == tmp_path.resolve() / "reports"
    assert find_study(tmp_path, processed_dir=tmp_path / "abs").processed_dir == tmp_path / "abs"


def test_without_a_study_a_notebook_needs_its_folders(tmp_path):
    with pytest.raises(WorkbenchError, match="no workbench.toml found.*-p processed_dir PATH"):
        find_study(tmp_path)
    study = find_study(tmp_path, processed_dir="panels")
    assert study.processed_dir == tmp_path.resolve() / "panels"
    assert study.languages == ("nl",)


def test_a_broken_study_configuration_is_not_skipped(tmp_path):
    (tmp_path / "workbench.toml").write_text("[run]\nworkers = -1\n", encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    with pytest.raises(WorkbenchError, match=r"\[run\] workers = -1"):
        find_study(tmp_path / "notebooks", processed_dir="panels")
