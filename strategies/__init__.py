"""Built-in strategies. Every module below this package is imported on first registry use,
so a new module registers itself without any list to update."""

from harness.autoimport import import_submodules

import_submodules(__name__, __path__)
