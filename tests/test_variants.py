"""Configured variants (harness.variants.variant): presets, signature, docs, registry."""

from __future__ import annotations

import inspect

import pytest

from harness.protocols import Budget, Strategy, Suggestion
from harness.registry import strategies
from harness.space import Float, Space
from harness.suite import factory_defaults
from harness.variants import variant


class _Stepper(Strategy):
    """A toy strategy with parameters to preset (registered only as variants below)."""

    name = "stepper"
    loud = False

    def __init__(self, space, seed, budget, fidelity=None, *, step: float = 0.1, mode: str = "up") -> None:
        super().__init__(space, seed, budget, fidelity)
        self.step, self.mode = step, mode

    def ask(self, n: int) -> list[Suggestion]:
        return [Suggestion({"a": self.step})] * n


SPACE = Space([Float("a", 0, 1)])


@pytest.fixture(scope="module")
def variants():
    made = {
        "test-stepper-big": variant("test-stepper-big", _Stepper, "Big steps.", step=0.5),
        "test-stepper-down": variant("test-stepper-down", _Stepper, "Steps down, loudly.", fixed={"mode": "down"},
                                     attributes={"loud": True}),
    }
    yield made
    for name in made:  # leave the shared registry as the other tests expect it
        strategies._entries.pop(name)


def test_defaults_are_preset_but_may_be_overridden(variants):
    big = variants["test-stepper-big"]
    assert big(SPACE, 0, Budget(3)).step == 0.5
    assert big(SPACE, 0, Budget(3), step=0.2).step == 0.2
    assert big.parameters() == {"step": 0.5, "mode": "up"}
    assert factory_defaults(strategies, "test-stepper-big") == {"fidelity": None, "step": 0.5, "mode": "up"}
    assert issubclass(big, _Stepper) and big.name == "test-stepper-big" and big.loud is False


def test_fixed_parameters_and_attributes(variants):
    down = variants["test-stepper-down"]
    made = down(SPACE, 0, Budget(3))
    assert (made.mode, down.loud, _Stepper.loud) == ("down", True, False)
    assert "mode" not in down.parameters() and "mode" not in inspect.signature(down).parameters
    with pytest.raises(TypeError, match="'mode'"):
        down(SPACE, 0, Budget(3), mode="up")


def test_registered_under_its_name_with_its_own_doc(variants):
    assert strategies.factory("test-stepper-big") is variants["test-stepper-big"]
    doc = inspect.getdoc(variants["test-stepper-down"])
    assert doc.startswith("Steps down, loudly.")
    assert "variant of ``stepper``" in doc and "mode='down'" in doc and "loud=True" in doc


def test_mistakes_in_a_variant_are_refused():
    with pytest.raises(TypeError, match="no keyword-only parameter 'stepp'"):
        variant("test-typo", _Stepper, "x", stepp=1)
    with pytest.raises(TypeError, match="no attribute 'louder'"):
        variant("test-typo", _Stepper, "x", attributes={"louder": True})
    assert "test-typo" not in strategies


def test_builtin_variants_keep_their_identity():
    bfgs = strategies.factory("gradient-bfgs")
    assert bfgs.parameters()["direction"] == "bfgs" and strategies.factory("gradient").parameters()["direction"] == "steepest"
    assert factory_defaults(strategies, "gradient-bfgs") == {**factory_defaults(strategies, "gradient"), "direction": "bfgs"}
    # cmaes's default is the active update; cmaes-passive's preset keeps the old one and
    # shows in the defaults, so a run of either never reuses a run of the other.
    assert factory_defaults(strategies, "cmaes")["active"] is True
    assert factory_defaults(strategies, "cmaes-passive") == {**factory_defaults(strategies, "cmaes"), "active": False}


def test_adapter_variants_fix_their_library_choice():
    for name, key, value in (("optuna-tpe", "sampler", "tpe"), ("nevergrad-de", "optimizer", "TwoPointsDE")):
        cls = strategies.factory(name)
        assert key not in cls.parameters() and f"{key}={value!r}" in inspect.getdoc(cls)
    assert factory_defaults(strategies, "optuna-qmc") == {"fidelity": None, "sampler_options": None}
    assert strategies.factory("optuna-qmc").max_batch is None and not strategies.factory("optuna-qmc").supports_conditionals
    assert factory_defaults(strategies, "nevergrad-oneplusone") == {"fidelity": None, "batch_size": 1}
