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
- Layout and encoding: a report figure has a fixed size; :class:`FixedLayout` with
  :func:`place_single_axes` fits its title, labels and legend by measuring those
  few texts (tight and constrained layout measure every artist, at every draw),
  and :func:`figure_png` encodes it as a palette PNG of that size (a quarter of
  the bytes of an RGBA PNG, for the same pixels to the eye).
"""

from __future__ import annotations

import functools
import io
import textwrap
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import ParamSpec, TypeVar

import matplotlib as mpl
from matplotlib.artist import Artist
from matplotlib.axis import Axis
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import LayoutEngine
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import blended_transform_factory
from PIL import Image

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


def _texts(artist: Artist) -> Iterator[Text]:
    """The texts of ``artist`` and its children, without making an axis' ticks.

    matplotlib makes an axis' ticks when they are first asked for (``get_children``
    asks), which costs more than drawing them; ticks made later, while a figure is
    drawn under :data:`LITERAL_TEXT`, are literal anyway.
    """
    if isinstance(artist, Text):
        yield artist
    if isinstance(artist, Axis):
        made = vars(artist)  # the lazy tick lists are in the instance once made
        children = [artist.label, artist.offsetText]
        children += [*made.get("majorTicks", ()), *made.get("minorTicks", ())]
    else:
        children = artist.get_children()
    for child in children:
        yield from _texts(child)


def literal_figure_text(figure: Figure) -> Figure:
    """Show every text of ``figure`` literally (no mathtext); returns the figure."""
    for text in _texts(figure):
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


# --------------------------------------------------------------------------- layout, encoding

#: Resolution of report figures: a figure of 8 x 3.4 inches is 768 x 326 pixels.
DPI = 96
#: rcParams under which a report figure is drawn: literal text, glyphs not hinted to the
#: pixel grid (a fifth less drawing time; at 96 dpi the eye sees no difference).
REPORT_DRAWING = {**LITERAL_TEXT, "text.hinting": "no_hinting", "text.hinting_factor": 1}
#: zlib level of report PNGs: half the time of the default (6) for a seventh more bytes.
PNG_COMPRESSION = 3
#: Space around a figure's outermost texts, in inches.
EDGE = 0.1


class FixedLayout(LayoutEngine):
    """Lay out a figure of fixed size with ``place(figure, renderer)`` before each draw.

    ``place`` knows which texts surround the axes and measures only those;
    :func:`figure_png` draws such a figure at its own size, without the second
    draw a tight bounding box takes.
    """

    _adjust_compatible = True
    _colorbar_gridspec = True

    def __init__(self, place: Callable[[Figure, RendererBase], None]) -> None:
        super().__init__()
        self._place = place
        #: Subplot parameters that override the measured ones (see :meth:`fix_plot_area`).
        self.plot_area: dict[str, float] | None = None

    def execute(self, fig: Figure) -> None:
        """Place the axes of ``fig`` (matplotlib calls this at the start of each draw)."""
        self._place(fig, fig._get_renderer())  # as matplotlib's own layout engines do
        if self.plot_area is not None:
            measured = fig.subplotpars.left
            fig.subplots_adjust(**self.plot_area)
            # the y label stays beside the tick labels, not at the figure's edge
            shift = (self.plot_area["left"] - measured) * fig.get_size_inches()[0]
            for ax in fig.axes:
                label = ax.yaxis.label
                x, y = label.get_position()
                label.set_position((x + shift, y))

    def fix_plot_area(self, fig: Figure, states: Iterable[object]) -> None:
        """Keep the axes of ``fig`` where every one of its ``states`` fits, from now on.

        ``states`` is an iterable that changes the figure (its texts) at each step:
        the axes get the largest margins the layout measures over all of them, so
        that a figure redrawn for each state keeps its plot area (and the figures
        of one report line up).
        """
        self.plot_area = None
        areas = []
        with mpl.rc_context(REPORT_DRAWING):
            for _ in states:
                literal_figure_text(fig)
                self.execute(fig)
                areas.append(vars(fig.subplotpars).copy())
        if areas:
            self.plot_area = {
                "left": max(a["left"] for a in areas),
                "bottom": max(a["bottom"] for a in areas),
                "right": min(a["right"] for a in areas),
                "top": min(a["top"] for a in areas),
            }


class RedrawnFigure(Figure):
    """A figure drawn again and again in which only some artists change between draws.

    With :attr:`changing` set (and a plot area that stays put: see
    :meth:`FixedLayout.fix_plot_area`), the first draw keeps the pixels of
    everything else (axes, spines, the other axis, legend, reference lines) and
    later draws restore those pixels and draw only the changing artists, on top.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        #: Artists that differ between draws; drawn over the kept pixels, in this order.
        self.changing: list[Artist] = []
        #: Names the state of the other artists: kept pixels are drawn again when it changes.
        self.static_key: object = None
        self._background: tuple[object, object] | None = None

    def draw(self, renderer: RendererBase) -> None:  # noqa: D102 - matplotlib's
        layout = self.get_layout_engine()
        if not self.changing or not hasattr(renderer, "copy_from_bbox"):
            return super().draw(renderer)
        if isinstance(layout, FixedLayout):
            layout.execute(self)  # with every artist shown: wraps the texts of this draw
        key = (id(renderer), tuple(self.bbox.bounds), self.static_key)
        if self._background is None or self._background[0] != key:
            shown = [a for a in self.changing if a.get_visible()]
            for artist in shown:
                artist.set_visible(False)
            self.set_layout_engine("none")  # placed above, with the changing artists
            try:
                super().draw(renderer)
            finally:
                self.set_layout_engine(layout)
                for artist in shown:
                    artist.set_visible(True)
            self._background = (key, renderer.copy_from_bbox(self.bbox))
        else:
            renderer.restore_region(self._background[1])
        for artist in self.changing:
            artist.draw(renderer)
        self.stale = False


def _inches(renderer: RendererBase, text: Text) -> tuple[float, float]:
    """Width and height of ``text`` as drawn (rotation included), in inches; 0 when empty."""
    if not text.get_visible() or not text.get_text():
        return 0.0, 0.0
    box = text.get_window_extent(renderer)
    dpi = renderer.points_to_pixels(72)
    return box.width / dpi, box.height / dpi


#: Wrapped texts and their sizes, by what decides them (a report repeats its titles).
_FITTED: dict[tuple, tuple[str, tuple[float, float]]] = {}


def _fit(renderer: RendererBase, text: Text, room: float, along: int) -> tuple[float, float]:
    """Wrap ``text`` into more lines until its extent ``along`` (0 = width) fits ``room``.

    Returns the width and height of the wrapped text, in inches (0 when empty).
    """
    key = (
        text.get_text(),
        text.get_visible(),
        text.get_fontproperties(),
        text.get_rotation(),
        round(room, 6),
        along,
        renderer.points_to_pixels(72),
        mpl.rcParams["text.hinting"],
    )
    if key in _FITTED:
        wrapped, size = _FITTED[key]
        text.set_text(wrapped)
        return size
    size = _inches(renderer, text)
    words = text.get_text().replace("\n", " ")
    lines = 1
    while size[along] > room and lines < 4:
        lines += 1
        text.set_text(textwrap.fill(words, width=max(8, -(-len(words) // lines) + 2)))
        size = _inches(renderer, text)
    if len(_FITTED) > 4096:
        _FITTED.clear()
    _FITTED[key] = (text.get_text(), size)
    return size


#: Height of each legend as drawn, in inches (a legend's texts do not change once made).
_LEGEND_HEIGHTS: weakref.WeakKeyDictionary[Legend, tuple[float, float]] = (
    weakref.WeakKeyDictionary()
)


def _legend_height(legend: Legend, renderer: RendererBase) -> float:
    dpi = renderer.points_to_pixels(72)
    known = _LEGEND_HEIGHTS.get(legend)
    if known is None or known[0] != dpi:
        known = (dpi, legend.get_window_extent(renderer).height / dpi)
        _LEGEND_HEIGHTS[legend] = known
    return known[1]


def _tick_labels(axis: Axis) -> list[str]:
    """The labels the axis will draw for its major ticks in the current view."""
    low, high = sorted(axis.get_view_interval())
    margin = 1e-10 * (high - low)
    locs = [v for v in axis.get_majorticklocs() if low - margin <= v <= high + margin]
    return [label for label in axis.get_major_formatter().format_ticks(locs) if label]


def _text_size(text: str, font: FontProperties, dpi: float) -> tuple[float, float]:
    """Width and line height of a one-line ``text`` in ``font``, in inches (Agg's metrics)."""
    hinting = (mpl.rcParams["text.hinting"], mpl.rcParams["text.hinting_factor"])
    return _measured_size(text, font, dpi, hinting)


@functools.lru_cache(maxsize=4096)
def _measured_size(
    text: str, font: FontProperties, dpi: float, hinting: tuple[str, int]
) -> tuple[float, float]:
    renderer = _measuring_renderer(dpi)
    width = renderer.get_text_width_height_descent(text, font, ismath=False)[0]
    line = renderer.get_text_width_height_descent("lp", font, ismath=False)[1]
    return width / dpi, line / dpi


@functools.lru_cache(maxsize=8)
def _measuring_renderer(dpi: float) -> RendererAgg:
    return RendererAgg(1, 1, dpi)


def _widest(axis: Axis, labels: list[str], dpi: float) -> tuple[float, float]:
    """Width of the widest of ``labels`` and the line height, in the axis' tick font (inches)."""
    font = axis.majorTicks[0].label1.get_fontproperties()
    sizes = [_text_size(label, font, dpi) for label in labels] or [_text_size("", font, dpi)]
    return max(w for w, _ in sizes), sizes[0][1]


def _tick_space(axis: Axis) -> float:
    """Points between the axes and its tick labels: tick length and the labels' pad."""
    return axis.get_tick_padding() + axis.majorTicks[0].get_pad()


def place_single_axes(fig: Figure, renderer: RendererBase) -> None:
    """Fit one axes with a title above, a y label left and a legend below into ``fig``.

    The margins are measured from the texts around the axes: the title (set
    with ``y=1.0``: no automatic placement), the y label and the widest y tick
    label, the x tick labels and x label, and the axes' legend, which is
    anchored at the bottom of the figure. The axis labels are placed here, not
    by matplotlib's search among the tick labels. A title wider than the
    figure, or a y label taller than it, is wrapped onto more lines.
    """
    ax = fig.axes[0]
    width, height = fig.get_size_inches()
    point = 1 / 72
    xaxis, yaxis = ax.xaxis, ax.yaxis
    title_width, title_height = _fit(renderer, ax.title, width - 2 * EDGE, along=0)
    top = EDGE + title_height + mpl.rcParams["axes.titlepad"] * point if title_width else EDGE
    # below the axes, from the bottom edge up: legend, x label, x tick labels
    bottom = EDGE
    legend = ax.get_legend()
    if legend is not None:
        legend.set_bbox_to_anchor(
            (0.5, EDGE), transform=blended_transform_factory(fig.transFigure, fig.dpi_scale_trans)
        )
        legend.set_loc("lower center")
        bottom += _legend_height(legend, renderer)
        # the legend keeps borderaxespad from its anchor; a line's gap from the texts above
        bottom += (legend.borderaxespad + 1) * legend.prop.get_size_in_points() * point
    x_label = _inches(renderer, xaxis.label)[1]
    x_label_top = bottom + x_label  # the x label hangs from its anchor (va="top")
    x_widest, x_line = _widest(xaxis, _tick_labels(xaxis), fig.dpi)
    bottom = x_label_top + (xaxis.labelpad * point if x_label else 0.0)
    bottom += x_line + _tick_space(xaxis) * point
    xaxis.set_label_coords(
        0.5, x_label_top, transform=blended_transform_factory(ax.transAxes, fig.dpi_scale_trans)
    )
    # left of the axes, from the left edge: y label (rotated), y tick labels
    y_widest, _ = _widest(yaxis, _tick_labels(yaxis), fig.dpi)
    centre = bottom + (height - top - bottom) / 2  # of the axes, where the y label is centred
    y_label_width, y_label = _fit(
        renderer, yaxis.label, 2 * min(centre, height - centre) - 2 * EDGE, along=1
    )
    y_label_right = EDGE + (y_label_width if y_label else 0.0)
    left = y_label_right + (yaxis.labelpad * point if y_label else 0.0)
    left += y_widest + _tick_space(yaxis) * point
    yaxis.set_label_coords(
        y_label_right, 0.5, transform=blended_transform_factory(fig.dpi_scale_trans, ax.transAxes)
    )
    right = EDGE + x_widest / 2
    fig.subplots_adjust(
        left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height
    )


def _agg_canvas(figure: Figure) -> FigureCanvasAgg:
    """The figure's Agg canvas (kept: its renderer caches the sizes of texts)."""
    canvas = figure.canvas
    return canvas if isinstance(canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)


def figure_png(figure: Figure, *, dpi: int = DPI) -> bytes:
    """The figure as PNG, with every text drawn literally.

    A figure with a :class:`FixedLayout` is drawn once at its own size and
    stored as a 256-colour palette PNG; any other figure is cut to its tight
    bounding box (its texts may reach beyond it) and stored as RGBA.
    """
    buffer = io.BytesIO()
    if not isinstance(figure.get_layout_engine(), FixedLayout):
        with mpl.rc_context(LITERAL_TEXT):  # tick labels made while drawing, too
            literal_figure_text(figure).savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        return buffer.getvalue()
    with mpl.rc_context(REPORT_DRAWING):
        literal_figure_text(figure)
        if figure.dpi != dpi:
            figure.set_dpi(dpi)
        canvas = _agg_canvas(figure)
        canvas.draw()
    width, height = canvas.get_width_height()
    pixels = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    palette = pixels.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
    palette.save(buffer, format="png", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()
