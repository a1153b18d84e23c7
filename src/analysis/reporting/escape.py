"""Text from the data, shown literally: in Markdown, HTML tables and figures.

Region names, action-log texts, intervention names and outcome words come
from the user's files. Shown in a report they must read exactly as written:
``<script>`` is text, not a script; ``*`` and ``_`` are not emphasis; ``$`` is
not mathematics. Every value from the data passes through one of these
functions on its way into a Markdown or HTML report; the HTML renderer sanitises
the result once more (:mod:`analysis.reporting.html`). Figures draw their texts
literally through :mod:`analysis.plotting`.
"""

from __future__ import annotations

import html
import re

# CommonMark lets any ASCII punctuation be escaped with a backslash. Inline, these
# characters start emphasis, code, links, strikethrough, tables or math; at the start of
# a line ``-``, ``+``, ``=`` and ``1.`` start lists and headings. ``&``, ``<``, ``>`` and
# ``#`` become HTML entities instead (after the backslashes, so no entity is broken),
# so no tag, entity or heading can form.
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]$~|])")
_LIST_MARK = re.compile(r"^([-+=])")
_NUMBERED = re.compile(r"^(\d+)([.)])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "#": "&#35;"}


def markdown_literal(value: object) -> str:
    r"""``value`` as Markdown that renders to exactly its text, on one line.

    Examples
    --------
    >>> print(markdown_literal("<script>alert(1)</script> # 1"))
    &lt;script&gt;alert(1)&lt;/script&gt; &#35; 1
    >>> print(markdown_literal("Zorg_*regio* $\euro$"))
    Zorg\_\*regio\* \$\\euro\$
    >>> print(markdown_literal("- Noord-Limburg"), markdown_literal("12. Gorinchem"))
    \- Noord-Limburg 12\. Gorinchem
    """
    text = _INLINE_SPECIALS.sub(r"\\\1", " ".join(str(value).splitlines()))
    text = _NUMBERED.sub(r"\1\\\2", _LIST_MARK.sub(r"\\\1", text))
    return "".join(_ENTITIES.get(char, char) for char in text)


def html_literal(value: object) -> str:
    """``value`` as HTML text (``<``, ``>``, ``&`` and quotes as entities)."""
    return html.escape(str(value), quote=True)
