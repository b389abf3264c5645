"""Declarative checks of a component's keyword parameters, with one-line error messages.

A strategy states what each parameter may be, once, and :func:`check_parameters` raises
the same kind of message for every one of them (in the manner of scikit-learn's
``Interval`` / ``StrOptions`` constraints)::

    check_parameters(f"strategy '{self.name}'", {
        "eta": Interval(float, 1, None, closed="neither"),
        "acquisition": Options("logei", "ucb"),
    }, eta=eta, acquisition=acquisition)

A bad value raises :class:`~harness.protocols.StrategyError` with the message
``The 'eta' parameter of strategy 'hyperband' must be a number > 1. Got 1.``: one line
naming the owner, the parameter and what it may be.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Mapping

from harness.protocols import StrategyError

__all__ = ["Constraint", "Interval", "Options", "check_parameters"]


class Constraint:
    """What one parameter may be: :meth:`accepts` a value and :meth:`describe` says what.

    Parameters
    ----------
    none : bool
        Whether ``None`` is also accepted (meaning "choose a default").
    note : str
        Context appended in parentheses, e.g. what a bound was derived from.
    """

    def __init__(self, *, none: bool = False, note: str = "") -> None:
        self.none = none
        self.note = note

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` satisfies the constraint."""
        return (self.none and value is None) or self._accepts(value)

    def describe(self) -> str:
        """The allowed values in words, e.g. ``"an integer >= 1"``."""
        text = self._describe() + (" or None" if self.none else "")
        return f"{text} ({self.note})" if self.note else text

    def _accepts(self, value: Any) -> bool:
        raise NotImplementedError

    def _describe(self) -> str:
        raise NotImplementedError


class Interval(Constraint):
    """An integer or a finite real number within bounds.

    Parameters
    ----------
    kind : {int, float}
        ``int`` accepts Python and numpy integers; ``float`` any finite real number (integers
        included). Booleans are never numbers here.
    low, high : float or None
        Bounds; ``None`` leaves that side open.
    closed : {"both", "left", "right", "neither"}
        Which bounds belong to the interval.
    none, note
        As for :class:`Constraint`.
    """

    def __init__(self, kind: type, low: float | None, high: float | None, *, closed: str = "both",
                 none: bool = False, note: str = "") -> None:
        super().__init__(none=none, note=note)
        if kind not in (int, float):
            raise TypeError(f"Interval kind must be int or float. Got {kind!r}.")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval closed must be 'both', 'left', 'right' or 'neither'. Got {closed!r}.")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def _accepts(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if not isinstance(value, numbers.Real) or not math.isfinite(value):
            return False
        if self.low is not None and not (value >= self.low if self.closed in ("both", "left") else value > self.low):
            return False
        return self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)

    def _describe(self) -> str:
        what = "an integer" if self.kind is int else "a number"
        low_in, high_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            return f"{what} in {'[' if low_in else '('}{self.low:g}, {self.high:g}{']' if high_in else ')'}"
        if self.low is not None:
            return f"{what} {'>=' if low_in else '>'} {self.low:g}"
        if self.high is not None:
            return f"{what} {'<=' if high_in else '<'} {self.high:g}"
        return what


class Options(Constraint):
    """One of a fixed set of values (usually strings).

    Parameters
    ----------
    *choices
        The allowed values, in the order messages list them.
    none, note
        As for :class:`Constraint`.
    """

    def __init__(self, *choices: Any, none: bool = False, note: str = "") -> None:
        super().__init__(none=none, note=note)
        if not choices:
            raise ValueError("Options needs at least one choice.")
        self.choices = tuple(choices)

    def _accepts(self, value: Any) -> bool:
        return any(value == choice and type(value) is type(choice) for choice in self.choices)

    def _describe(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)


def check_parameters(owner: str, constraints: Mapping[str, Constraint], **values: Any) -> None:
    """Check each value against the constraint of its name; raise on the first bad one.

    Parameters
    ----------
    owner : str
        Who the parameters belong to, as messages name it, e.g. ``"strategy 'asha'"``.
    constraints : mapping of str to Constraint
        Every name in ``values`` must have one.
    **values
        The parameters as given.

    Raises
    ------
    StrategyError
        ``The 'x' parameter of <owner> must be <description>. Got <value>.``
    KeyError
        A value without a constraint (a mistake in the caller, not in the input).
    """
    for key, value in values.items():
        rule = constraints[key]
        if not rule.accepts(value):
            raise StrategyError(f"The '{key}' parameter of {owner} must be {rule.describe()}. Got {value!r}.")
