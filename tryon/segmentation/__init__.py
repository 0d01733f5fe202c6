"""Face parsing and the per-frame hair matte (BiSeNet with torch, a model-free fallback)."""
