"""The networks and augmentations of the digits tasks (imports torch; loaded lazily)."""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch
from torch import nn

__all__ = ["build_network", "augment", "shift_images", "rotate_images", "ACTIVATIONS"]

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU, "gelu": nn.GELU}


def build_network(config: Mapping[str, Any], n_classes: int) -> nn.Sequential:
    """The MLP or CNN of ``config`` for 8x8 single-channel images (initialised from torch's
    global generator, which the caller seeds).

    The last module is the classification head (``nn.Linear``); everything before it is the
    body, so transfer learning can freeze or replace parts by position.
    """
    act = ACTIVATIONS[config["activation"]]
    batch_norm, dropout, depth = bool(config["batch_norm"]), float(config["dropout"]), int(config["depth"])
    layers: list[nn.Module] = []
    if config["arch"] == "mlp":
        width, inputs = int(config["width"]), 64
        layers.append(nn.Flatten())
        for _ in range(depth):
            layers.append(nn.Linear(inputs, width))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers += [act(), nn.Dropout(dropout)]
            inputs = width
        features = width
    else:
        channels, inputs, side = int(config["channels"]), 1, 8
        layers.append(nn.Unflatten(1, (1, 8)))
        for block in range(depth):
            layers.append(nn.Conv2d(inputs, channels, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(channels))
            layers.append(act())
            inputs = channels
            if block < 2:
                layers.append(nn.MaxPool2d(2))
                side //= 2
                channels *= 2
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Flatten())
        features = inputs * side * side
    layers.append(nn.Linear(features, n_classes))
    return nn.Sequential(*layers)


def shift_images(images: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor) -> torch.Tensor:
    """Move each image ``(n, 8, 8)`` down by ``dy`` and right by ``dx`` pixels (integers,
    ``(n,)``), filling with zeros (the digits' background)."""
    n, h, w = images.shape
    pad = int(max(dy.abs().max().item(), dx.abs().max().item(), 0))
    padded = torch.nn.functional.pad(images, (pad, pad, pad, pad))
    rows = torch.arange(h)[None, :] - dy[:, None] + pad
    cols = torch.arange(w)[None, :] - dx[:, None] + pad
    return padded[torch.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]


def rotate_images(images: torch.Tensor, degrees: torch.Tensor) -> torch.Tensor:
    """Rotate each image ``(n, 8, 8)`` by its angle ``(n,)`` about the centre (bilinear,
    zero fill; positive = counter-clockwise as displayed)."""
    theta = degrees * (math.pi / 180.0)
    cos, sin = torch.cos(theta), torch.sin(theta)
    zero = torch.zeros_like(cos)
    # affine_grid maps output coordinates to input ones, so the inverse rotation goes here.
    matrix = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
    grid = torch.nn.functional.affine_grid(matrix, (len(images), 1, 8, 8), align_corners=False)
    out = torch.nn.functional.grid_sample(images[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out[:, 0]


def augment(images: torch.Tensor, kind: str, strength: float, generator: torch.Generator) -> torch.Tensor:
    """Apply the training-time augmentation ``kind`` at ``strength`` (see ``HYPERPARAMETERS``)."""
    n = len(images)
    if kind == "none":
        return images
    if kind == "shift":
        reach = max(1, round(2 * strength))
        offsets = torch.randint(-reach, reach + 1, (2, n), generator=generator)
        return shift_images(images, offsets[0], offsets[1])
    if kind == "rotate":
        angles = (torch.rand(n, generator=generator) * 2 - 1) * (30.0 * strength)
        return rotate_images(images, angles)
    if kind == "noise":
        return images + 0.3 * strength * torch.randn(images.shape, generator=generator)
    raise ValueError(f"Unknown augmentation {kind!r}.")
