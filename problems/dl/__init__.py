"""Deep-learning tuning tasks trained with PyTorch on the CPU (extra ``dl``).

Every module here is importable without torch, so listing the registries never imports it;
the modules that import torch are named in ``LAZY_SUBMODULES`` and loaded only when a task
is built (see :func:`harness.autoimport.import_submodules`).
"""

LAZY_SUBMODULES = {"training", "networks", "transfer_training"}
