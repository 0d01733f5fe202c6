"""Face parsers: what each pixel of a face-centred crop is (hair, skin, brows), as
probabilities. :class:`BiSeNetParser` runs the network (torch and a checkpoint needed);
:class:`SelfieParser` is the model-free fallback (MediaPipe's selfie segmentation, inside the
mediapipe wheel, minus the face mesh). :func:`open_parser` picks one and says why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from tryon.segmentation.checkpoint import CHECKPOINT_LICENSE, CHECKPOINT_NAME, checkpoint_path
from tryon.segmentation.person import SelfieMatte

__all__ = [
    "BiSeNetParser",
    "FaceParse",
    "FaceParser",
    "ParserChoice",
    "SelfieParser",
    "open_parser",
]

_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


@dataclass(frozen=True, slots=True)
class FaceParse:
    """Probabilities in [0, 1] on a square crop, each ``(S, S)`` float32."""

    hair: NDArray[np.float32]
    #: Face skin (nose included): where makeup may go.
    skin: NDArray[np.float32]
    #: Both eyebrows (hair that makeup must not paint over).
    brows: NDArray[np.float32]


class FaceParser(Protocol):
    #: A short name for logs and ``tryon doctor``.
    name: str
    #: Whether its ``hair`` is hair alone (False: it also takes the ears, neck and collar).
    hair_only: bool

    def parse(self, crop: NDArray[np.uint8], face: NDArray[np.bool_]) -> FaceParse:
        """Parse an RGB ``(S, S, 3)`` crop whose face-mesh region is ``face``."""
        ...

    def close(self) -> None: ...


class BiSeNetParser:
    """The BiSeNet network on CPU, or on CUDA when torch sees a GPU."""

    name = "bisenet"
    hair_only = True

    def __init__(self, path: Path) -> None:
        import torch

        from tryon.segmentation.bisenet import CLASSES, load_bisenet

        self._torch = torch
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self._net = load_bisenet(path, self.device)
        self._hair = CLASSES.index("hair")
        self._hat = CLASSES.index("hat")
        self._skin = [CLASSES.index("skin"), CLASSES.index("nose")]
        self._brows = [CLASSES.index("brow_left"), CLASSES.index("brow_right")]

    def parse(self, crop: NDArray[np.uint8], face: NDArray[np.bool_]) -> FaceParse:
        torch = self._torch
        x = (crop.astype(np.float32) / 255.0 - _MEAN) / _STD
        tensor = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]
        with torch.inference_mode():
            prob = torch.softmax(self._net(tensor.to(self.device)), dim=1)[0]
            skin, brows = (prob[i].sum(0) for i in (self._skin, self._brows))
            maps = torch.stack([prob[self._hair], prob[self._hat], skin, brows])
            maps = maps.float().cpu().numpy()
        # Big hair often parses as "hat", and so do parts of some faces (the nose of
        # skimage's astronaut): a hat counts as hair only outside the face mesh.
        return FaceParse(maps[0] + maps[1] * ~face, maps[2], maps[3])

    def close(self) -> None:
        """Nothing to free beyond what the garbage collector takes."""


class SelfieParser:
    """Hair where the selfie segmentation sees the person and the face mesh does not reach
    (it also takes the neck and collar under the chin, which the network tells apart)."""

    name = "selfie"
    hair_only = False

    def __init__(self) -> None:
        self._selfie = SelfieMatte()

    def parse(self, crop: NDArray[np.uint8], face: NDArray[np.bool_]) -> FaceParse:
        person = self._selfie.matte(crop)
        face_f = face.astype(np.float32)
        return FaceParse(person * (1.0 - face_f), face_f, np.zeros_like(face_f))

    def close(self) -> None:
        self._selfie.close()


@dataclass(frozen=True, slots=True)
class ParserChoice:
    parser: FaceParser
    #: Which parser and why, for ``tryon doctor`` and the logs (no face data).
    status: str


def open_parser(path: Path | None = None) -> ParserChoice:
    """BiSeNet with the checkpoint at ``path`` (default :func:`checkpoint_path`) when torch
    and the file are there, else the selfie fallback, with the reason."""
    path = checkpoint_path() if path is None else path
    try:
        import torch  # noqa: F401
    except ImportError:
        return ParserChoice(SelfieParser(), "selfie fallback (torch is not installed)")
    if not path.is_file():
        hint = "scripts/fetch_hair_model.py" if path.name == CHECKPOINT_NAME else "the path"
        return ParserChoice(
            SelfieParser(), f"selfie fallback (no checkpoint at {path}; see {hint})"
        )
    try:
        parser = BiSeNetParser(path)
    except ValueError as exc:
        return ParserChoice(SelfieParser(), f"selfie fallback ({exc})")
    terms = CHECKPOINT_LICENSE if path.name == CHECKPOINT_NAME else "your own checkpoint"
    return ParserChoice(parser, f"bisenet on {parser.device.type} ({path}); {terms}")
