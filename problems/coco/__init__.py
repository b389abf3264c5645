"""Problems from COCO, the comparing-continuous-optimisers platform (the ``coco`` extra).

The functions are evaluated by COCO's own C code through the ``coco-experiment`` package
(``cocoex``), never re-implemented here, so values equal published BBOB data bit for bit.
"""
