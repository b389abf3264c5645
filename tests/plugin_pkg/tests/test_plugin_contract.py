"""The plugin's own tests: the harness's contract checks on everything it registers.

This is how a plugin's repository tests itself: two lines, run by ``pytest`` once the plugin
is installed (``pip install -e .``) beside hpo-harness. The harness's tests collect this file
too, so the example is known to work.
"""

from harness.testing import problem_tests, strategy_tests

test_coordinate_search = strategy_tests("plugin-coordinate", "plugin-coordinate-nameless")
test_problems = problem_tests("plugin-paraboloid", "plugin-faulty", "plugin-paraboloid-nameless")
