"""Studio headshots from a selfie: the person's own face improved, never replaced.

Stages (each a module): ``regions`` (face, skin, eyes, brows, lips from the tracked mesh),
``retouch`` (frequency-separation smoothing, blemishes, under-eye), ``lighting`` (order-2
spherical-harmonics light estimated on the face mesh, relit by a ratio image), ``matte`` and
``backdrop`` (person matte, studio background), ``framing`` (profile and passport crops),
``passport`` (ICAO checks), ``metadata`` (what was edited, in the file). ``pipeline`` runs
them in order. Nothing generative is used: every output pixel comes from the photo itself,
a smooth gain on it, or the backdrop.
"""
