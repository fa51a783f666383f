"""Devices: consented sharing of device state between device makers and the platform."""
