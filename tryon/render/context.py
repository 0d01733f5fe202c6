"""The one place that creates a GL context and makes one current.

Headless rendering uses EGL: Mesa llvmpipe on a machine without a GPU, the vendor's EGL
driver (NVIDIA, Mesa radeonsi/iris) on a machine with one; the code is the same.

GL calls go to the context current on the calling thread, whichever context the objects
belong to; making a context current leaves it so. Several contexts live in one process (a
server's sessions, a batch job's engines, the catalog's thumbnails), so whoever draws makes
its context current first (:func:`make_current`).
"""

from __future__ import annotations

import moderngl

__all__ = ["REQUIRED_GL_VERSION", "GLContextError", "create_context", "describe", "make_current"]

#: OpenGL 3.3 core is all the shaders need.
REQUIRED_GL_VERSION = 330


class GLContextError(RuntimeError):
    """No usable OpenGL context could be made."""


def create_context(*, standalone: bool = True) -> moderngl.Context:
    """An OpenGL 3.3+ context: headless EGL, or the current window's (``standalone=False``)."""
    try:
        if standalone:
            ctx = moderngl.create_standalone_context(require=REQUIRED_GL_VERSION, backend="egl")  # type: ignore[arg-type]  # stubs mistype backend
        else:
            ctx = moderngl.create_context(require=REQUIRED_GL_VERSION)
    except Exception as exc:  # moderngl raises bare Exception when EGL/GL is missing
        kind = "headless EGL" if standalone else "window"
        raise GLContextError(
            f"could not create a {kind} OpenGL {REQUIRED_GL_VERSION // 100}.3 context: {exc}"
            " (install Mesa's EGL: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri)"
        ) from exc
    return ctx


def make_current(ctx: moderngl.Context) -> None:
    """Make ``ctx`` the calling thread's current context, and leave it so (cheap when it
    already is). Not ``with ctx:``: moderngl's exit makes no context current at all, it does
    not restore the one that was."""
    ctx.__enter__()  # type: ignore[no-untyped-call]  # stubs leave it untyped


def describe(ctx: moderngl.Context) -> str:
    """``"renderer (GL version)"`` for logs and ``tryon doctor``."""
    info = ctx.info
    return f"{info['GL_RENDERER']} (OpenGL {info['GL_VERSION']})"
