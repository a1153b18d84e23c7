"""How every figure of the workbench looks and behaves.

- Colours: the Okabe-Ito palette, safe for colour-blind readers. Okabe & Ito
  (2008), "Color Universal Design": eight colours that stay apart for the common
  forms of colour blindness and in greyscale print. Figures ask for a colour by
  its role (pilot, comparison, improvement, ...), so a role has one colour on
  every page.
- Text: figures hold words from the data (region names, action-log texts), shown
  literally. matplotlib would read ``$...$`` as mathematics and fail on
  ``$\\euro$``; :func:`literal_text` makes a plotting function draw every text
  as it is, and :func:`literal_figure_text` does so for a finished figure.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.text import Text

P = ParamSpec("P")
R = TypeVar("R")

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Colour per role in the reports' figures.
PILOT = OKABE_ITO["blue"]
COMPARISON = OKABE_ITO["orange"]
ESTIMATE = OKABE_ITO["blue"]
REFERENCE = "0.45"  # zero lines, starts, context: grey
ACTION = OKABE_ITO["bluish_green"]
SIGNAL = OKABE_ITO["vermillion"]
IMPROVEMENT = OKABE_ITO["blue"]  # NHS "Making Data Count": blue improves, orange concerns
CONCERN = OKABE_ITO["orange"]
NEUTRAL = OKABE_ITO["reddish_purple"]
#: Line styles that tell interventions apart when a region has more than one.
START_STYLES = ("--", ":", "-.", (0, (5, 1, 1, 1)))


#: rcParams under which a figure is drawn: no mathtext, so ``$`` is a dollar sign.
LITERAL_TEXT = {"text.parse_math": False}


def literal_figure_text(figure: Figure) -> Figure:
    """Show every text of ``figure`` literally (no mathtext); returns the figure."""
    for text in figure.findobj(Text):
        text.set_parse_math(False)
    return figure


def literal_text(plot: Callable[P, R]) -> Callable[P, R]:
    """Decorate a plotting function so that it draws every text literally.

    The function runs with mathtext off (texts made then, and any drawing it
    does, such as ``tight_layout``), and the figure it returns (alone, or
    anywhere in a returned tuple) keeps its texts literal for later drawing.
    """

    @functools.wraps(plot)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(LITERAL_TEXT):
            result = plot(*args, **kwargs)
        for value in result if isinstance(result, tuple) else (result,):
            if isinstance(value, Figure):
                literal_figure_text(value)
        return result

    return wrapper
