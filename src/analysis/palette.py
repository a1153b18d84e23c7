"""The colours of every figure: the Okabe-Ito palette, safe for colour-blind readers.

Okabe & Ito (2008), "Color Universal Design": eight colours that stay apart for
the common forms of colour blindness and in greyscale print. Figures ask for a
colour by its role (pilot, comparison, improvement, ...), so a role has one
colour on every page.
"""

from __future__ import annotations

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
