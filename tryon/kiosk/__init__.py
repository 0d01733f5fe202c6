"""``tryon kiosk``: a magic mirror for a shop floor (a screen and a webcam by the shelf).

A glfw window shows the mirrored live try-on at the camera's rate; tracking runs on a worker
thread on the latest frame only; an on-screen carousel (touch, mouse, keys) picks products.
"""
