"""Notifications: order updates and device sharing coming to an end, read from their sources."""
