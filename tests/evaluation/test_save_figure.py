"""Figures a researcher saves from a notebook: PNG files under a folder, safe names only."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from analysis.errors import WorkbenchError
from analysis.evaluation.charts import save_figure


def _figure(label: str) -> Figure:
    figure = Figure(figsize=(3, 2))
    figure.subplots().set_title(label)
    return figure


def test_a_figure_is_saved_as_png_in_a_new_folder(tmp_path):
    path = save_figure(_figure("first"), tmp_path / "figures", "NL-GOR-event-study")
    assert path == tmp_path / "figures" / "NL-GOR-event-study.png"
    first = path.read_bytes()
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    save_figure(_figure("second, replaced"), tmp_path / "figures", "NL-GOR-event-study")
    assert path.read_bytes() != first
    assert [p.name for p in (tmp_path / "figures").iterdir()] == [path.name], "no temporary left"


@pytest.mark.parametrize("name", ["../escape", "/tmp/x", ".hidden", "a/b"])
def test_a_name_from_the_data_cannot_leave_the_folder(tmp_path, name):
    with pytest.raises(WorkbenchError, match="figure name"):
        save_figure(_figure("x"), tmp_path / "figures", name)
    assert not (tmp_path / "figures").exists()
