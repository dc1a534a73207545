"""The LINE channel: webhook (blueprint), event handling, rendering, sending, morning messages.

Only this package imports ``linebot``; the engine never sees LINE types.
"""
