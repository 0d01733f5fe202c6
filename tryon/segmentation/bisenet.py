"""BiSeNet face parsing (Yu et al. 2018, in the widely shared CelebAMask-HQ variant): a
ResNet-18 context path with attention refinement and feature fusion, 19 classes.

Only inference is defined: the auxiliary heads the checkpoint carries for training
(``conv_out16``, ``conv_out32``) are not built and their weights are skipped on load. The
layer names follow the checkpoint's state dict. Needs torch (the ``hair`` extra).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["CLASSES", "BiSeNet", "load_bisenet"]

#: The checkpoint's classes, by index.
CLASSES = (
    "background",
    "skin",
    "brow_left",
    "brow_right",
    "eye_left",
    "eye_right",
    "glasses",
    "ear_left",
    "ear_right",
    "earring",
    "nose",
    "mouth",
    "lip_upper",
    "lip_lower",
    "neck",
    "necklace",
    "cloth",
    "hair",
    "hat",
)
_TRAINING_HEADS = ("conv_out16.", "conv_out32.")


class ConvBNReLU(nn.Module):
    def __init__(self, cin: int, cout: int, ks: int = 3, padding: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, ks, 1, padding, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample: nn.Module | None = None
        if cin != cout or stride != 1:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: Tensor) -> Tensor:
        residual = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(shortcut + residual)


def _layer(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1))


class ResNet18(nn.Module):
    """The backbone; returns the features at 1/8, 1/16 and 1/32 of the input size."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = _layer(64, 64, 1)
        self.layer2 = _layer(64, 128, 2)
        self.layer3 = _layer(128, 256, 2)
        self.layer4 = _layer(256, 512, 2)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        feat8 = self.layer2(self.layer1(x))
        feat16 = self.layer3(feat8)
        return feat8, feat16, self.layer4(feat16)


def _global_pool(x: Tensor) -> Tensor:
    return F.adaptive_avg_pool2d(x, 1)


class AttentionRefinement(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = ConvBNReLU(cin, cout)
        self.conv_atten = nn.Conv2d(cout, cout, 1, bias=False)
        self.bn_atten = nn.BatchNorm2d(cout)

    def forward(self, x: Tensor) -> Tensor:
        feat = self.conv(x)
        out: Tensor = feat * torch.sigmoid(self.bn_atten(self.conv_atten(_global_pool(feat))))
        return out


class ContextPath(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.resnet = ResNet18()
        self.arm16 = AttentionRefinement(256, 128)
        self.arm32 = AttentionRefinement(512, 128)
        self.conv_head32 = ConvBNReLU(128, 128)
        self.conv_head16 = ConvBNReLU(128, 128)
        self.conv_avg = ConvBNReLU(512, 128, ks=1, padding=0)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        feat8, feat16, feat32 = self.resnet(x)
        avg = self.conv_avg(_global_pool(feat32))
        feat32_sum = self.arm32(feat32) + avg  # broadcast: the pooled context everywhere
        feat32_up = self.conv_head32(F.interpolate(feat32_sum, feat16.shape[2:], mode="nearest"))
        feat16_sum = self.arm16(feat16) + feat32_up
        feat16_up = self.conv_head16(F.interpolate(feat16_sum, feat8.shape[2:], mode="nearest"))
        return feat8, feat16_up


class FeatureFusion(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.convblk = ConvBNReLU(cin, cout, ks=1, padding=0)
        self.conv1 = nn.Conv2d(cout, cout // 4, 1, bias=False)
        self.conv2 = nn.Conv2d(cout // 4, cout, 1, bias=False)

    def forward(self, spatial: Tensor, context: Tensor) -> Tensor:
        feat = self.convblk(torch.cat([spatial, context], dim=1))
        atten = torch.sigmoid(self.conv2(F.relu(self.conv1(_global_pool(feat)))))
        out: Tensor = feat * atten + feat
        return out


class OutputHead(nn.Module):
    def __init__(self, cin: int, mid: int, n_classes: int) -> None:
        super().__init__()
        self.conv = ConvBNReLU(cin, mid)
        self.conv_out = nn.Conv2d(mid, n_classes, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.conv_out(self.conv(x))
        return out


class BiSeNet(nn.Module):
    """``(N, 3, H, W)`` ImageNet-normalised RGB in, ``(N, 19, H, W)`` class logits out (H
    and W multiples of 32)."""

    def __init__(self, n_classes: int = len(CLASSES)) -> None:
        super().__init__()
        self.cp = ContextPath()
        self.ffm = FeatureFusion(256, 256)
        self.conv_out = OutputHead(256, 256, n_classes)

    def forward(self, x: Tensor) -> Tensor:
        feat8, context8 = self.cp(x)
        logits = self.conv_out(self.ffm(feat8, context8))
        return F.interpolate(logits, x.shape[2:], mode="bilinear", align_corners=True)


def load_bisenet(path: Path, device: torch.device) -> BiSeNet:
    """The network with the checkpoint at ``path`` loaded, in eval mode on ``device``.
    ``ValueError`` naming the file when it is not a BiSeNet face-parsing state dict."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unreadable, truncated, or not a torch file
        raise ValueError(f"{path} is not a readable torch checkpoint: {exc}") from None
    if not isinstance(state, dict):
        raise ValueError(f"{path} holds a {type(state).__name__}, not a state dict")
    net = BiSeNet()
    kept = {k: v for k, v in state.items() if not k.startswith(_TRAINING_HEADS)}
    try:
        net.load_state_dict(kept, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0:2]
        msg = " ".join(first)
        raise ValueError(f"{path} is not a BiSeNet face-parsing checkpoint: {msg}") from None
    return net.eval().to(device)
